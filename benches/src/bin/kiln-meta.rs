//! `kiln-meta [--serial] [--repeat N] FILE...`
//!
//! Prints, per file, one JSON line: the metadata document the metadata
//! worker would store for it (the header probe's format and size, then
//! what `kiln_metadata::extract` reads) and the time that took in this
//! process, reading the file excluded (median of `--repeat` runs).
//! `benches/metadata_vs_exiftool.py` compares these lines with exiftool.

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;

/// Command line.
#[derive(Parser)]
#[command(about = "Kiln's metadata document per file, as JSON lines, with the time taken")]
struct Args {
    /// Record camera serial numbers (the owner's opt-in).
    #[arg(long)]
    serial: bool,
    /// Extractions per file; the median time is printed.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Files to read.
    files: Vec<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let options = kiln_metadata::Options {
        serial_number: args.serial,
    };
    for file in &args.files {
        let data = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let mut times = Vec::with_capacity(args.repeat.max(1));
        let mut doc = Value::Null;
        for _ in 0..args.repeat.max(1) {
            let start = Instant::now();
            doc = document(&data, &options);
            times.push(start.elapsed().as_secs_f64() * 1e6);
        }
        times.sort_by(f64::total_cmp);
        let line = json!({"file": file, "us": times[times.len() / 2], "doc": doc});
        println!("{line}");
    }
    Ok(())
}

/// What the worker's `extract` builds: format and size from the header
/// probe (absent when the image stream is unreadable), the embedded
/// metadata, and the probe's failure as a warning.
fn document(data: &[u8], options: &kiln_metadata::Options) -> Value {
    let embedded = kiln_metadata::extract(data, options);
    let mut doc = serde_json::to_value(&embedded).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut doc {
        match kiln_imaging::probe(data) {
            Ok(p) => {
                m.insert("format".into(), json!(kiln_imaging::format_name(p.format)));
                m.insert("width".into(), json!(p.width));
                m.insert("height".into(), json!(p.height));
            }
            Err(e) => {
                let w = m.entry("warnings").or_insert_with(|| json!([]));
                if let Value::Array(a) = w {
                    a.push(json!(format!("image header unreadable: {e}")));
                }
            }
        }
    }
    doc
}
