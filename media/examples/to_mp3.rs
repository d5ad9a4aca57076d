//! Converts a local file to MP3 and prints the report as JSON.
//!
//! Used to benchmark Kiln against `ffmpeg -vn -codec:a libmp3lame -q:a 4`:
//!
//! ```text
//! cargo run --release -p kiln-media --example to_mp3 -- INPUT OUTPUT [--quality N | --bitrate K]
//! cargo run --release -p kiln-media --example to_mp3 -- --probe INPUT
//! ```

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use kiln_media::{Hint, MediaLimits, Mp3Options, convert_to_mp3, probe};

fn usage() -> ExitCode {
    eprintln!(
        "usage: to_mp3 INPUT OUTPUT [--quality N | --bitrate K]\n       to_mp3 --probe INPUT"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--probe") {
        let Some(input) = args.get(1) else {
            return usage();
        };
        return run_probe(input);
    }
    let (Some(input), Some(output)) = (args.first(), args.get(1)) else {
        return usage();
    };
    let mut options = Mp3Options::default();
    let mut rest = args[2..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().and_then(|v| v.parse::<u32>().ok());
        match (flag.as_str(), value) {
            ("--quality", Some(q)) => options.vbr_quality = u8::try_from(q).ok(),
            ("--bitrate", Some(k)) => options.bitrate_kbps = Some(k),
            _ => return usage(),
        }
    }
    if let Err(e) = options.validate() {
        eprintln!("{e}");
        return ExitCode::from(2);
    }

    let source = match File::open(input) {
        Ok(f) => Box::new(f),
        Err(e) => {
            eprintln!("{input}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sink = match File::create(output) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{output}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut sink = BufWriter::new(sink);
    let started = Instant::now();
    let hint = Hint::from_path(Path::new(input));
    let result = convert_to_mp3(
        source,
        &hint,
        &mut sink,
        &options,
        &MediaLimits::default(),
        &AtomicBool::new(false),
    );
    match result {
        Ok(report) => {
            let elapsed = started.elapsed().as_secs_f64();
            eprintln!(
                "{:.1} s of audio in {:.2} s ({:.1}x realtime)",
                report.input_duration_secs,
                elapsed,
                report.input_duration_secs / elapsed.max(1e-9)
            );
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{input}: {e} (permanent: {})", e.is_permanent());
            ExitCode::FAILURE
        }
    }
}

fn run_probe(input: &str) -> ExitCode {
    let source = match File::open(input) {
        Ok(f) => Box::new(f),
        Err(e) => {
            eprintln!("{input}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match probe(source, &Hint::from_path(Path::new(input))) {
        Ok(info) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&info).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{input}: {e}");
            ExitCode::FAILURE
        }
    }
}
