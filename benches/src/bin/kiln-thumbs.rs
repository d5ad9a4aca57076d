//! `kiln-thumbs --size 256 --quality 80 [--threads N] [--embedded-preview] [--format F] OUT_DIR FILES...`
//!
//! Makes a JPEG thumbnail of every file with Kiln's engine, all in one process
//! as vipsthumbnail does, and writes each as `OUT_DIR/<file stem>.jpg` (or
//! the `--format`'s extension: webp, png, avif, to measure other encoders). Prints
//! the throughput and the engine's decode paths to stderr; exits 1 if any file
//! failed.

use anyhow::{Result, bail};
use clap::Parser;
use kiln_benches::{KilnSettings, kiln_thumbnail, parallel_map, stem};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Command line.
#[derive(Parser)]
#[command(about = "Kiln thumbnails of many files in one process, for benchmarking")]
struct Args {
    /// Longer edge of the bounding box, in pixels.
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// JPEG quality.
    #[arg(long, default_value_t = 80, value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: u8,
    /// Worker threads (1: the main thread alone).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
    /// Use a JPEG's embedded EXIF preview when it is large enough.
    #[arg(long)]
    embedded_preview: bool,
    /// Output format: jpeg (default), webp, png or avif.
    #[arg(long, default_value = "jpeg")]
    format: kiln_imaging::ImageFormat,
    /// Where `<stem>.jpg` files are written (created if missing).
    out_dir: PathBuf,
    /// Images to thumbnail.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn main() -> Result<ExitCode> {
    let args = Args::parse();
    let mut seen = HashSet::new();
    for f in &args.files {
        if !seen.insert(stem(f)?) {
            bail!(
                "two inputs share the stem of {}; outputs would collide",
                f.display()
            );
        }
    }
    std::fs::create_dir_all(&args.out_dir)?;
    let settings = KilnSettings {
        size: args.size,
        quality: args.quality,
        embedded_preview: args.embedded_preview,
        format: args.format,
    };
    let ext = match args.format {
        kiln_imaging::ImageFormat::Jpeg => "jpg",
        other => other.as_str(),
    };
    let start = Instant::now();
    let results = parallel_map(&args.files, args.threads.into(), |path| -> Result<String> {
        let thumb = kiln_thumbnail(&std::fs::read(path)?, &settings)?;
        std::fs::write(
            args.out_dir.join(format!("{}.{ext}", stem(path)?)),
            &thumb.jpeg,
        )?;
        Ok(thumb.decode_path)
    });
    let secs = start.elapsed().as_secs_f64();
    let mut paths = BTreeMap::<String, usize>::new();
    let mut failed = 0;
    for (file, result) in args.files.iter().zip(results) {
        match result {
            Ok(path) => *paths.entry(path).or_default() += 1,
            Err(e) => {
                eprintln!("kiln-thumbs: {}: {e:#}", file.display());
                failed += 1;
            }
        }
    }
    let done = args.files.len() - failed;
    let paths: Vec<String> = paths.iter().map(|(p, n)| format!("{n} {p}")).collect();
    eprintln!(
        "kiln-thumbs: {done} images in {secs:.3} s = {:.2} images/s on {} thread(s); decode paths: {}",
        done as f64 / secs,
        args.threads,
        paths.join(", ")
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
