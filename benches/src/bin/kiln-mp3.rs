//! `kiln-mp3 [--quality Q | --bitrate K] OUT_DIR FILES...`
//!
//! Converts every file to `OUT_DIR/<file stem>.mp3` with Kiln's media engine,
//! all in one process and one thread, as the convert worker does (there the
//! input streams from the blob store; here from a local file). Prints one
//! JSON report per file on stdout; exits 1 if any file failed.

use anyhow::Result;
use clap::Parser;
use kiln_media::{Hint, MediaLimits, Mp3Options, convert_to_mp3};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// Command line.
#[derive(Parser)]
#[command(about = "Kiln MP3 conversions of many files in one process, for benchmarking")]
struct Args {
    /// VBR quality, 0 (best) to 9 (default 4, as `ffmpeg -q:a 4`).
    #[arg(long)]
    quality: Option<u8>,
    /// Constant bit rate, kbit/s.
    #[arg(long)]
    bitrate: Option<u32>,
    /// Where `<stem>.mp3` files are written (created if missing).
    out_dir: PathBuf,
    /// Audio or video files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn main() -> Result<ExitCode> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out_dir)?;
    let options = Mp3Options {
        bitrate_kbps: args.bitrate,
        vbr_quality: args.quality,
    };
    let limits = MediaLimits::default();
    let never = AtomicBool::new(false);
    let mut failed = false;
    for path in &args.files {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("out");
        let mut out = std::fs::File::create(args.out_dir.join(format!("{stem}.mp3")))?;
        let input = std::fs::File::open(path)?;
        let hint = Hint::from_path(path);
        match convert_to_mp3(Box::new(input), &hint, &mut out, &options, &limits, &never) {
            Ok(report) => println!("{}", serde_json::to_string(&report)?),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
