//! `kiln-ssim --size 256 [--classes FILE] REF_CACHE_DIR ORIGINALS_DIR TOOL_OUT_DIR...`
//!
//! Scores every tool's thumbnails against one reference per original: a full
//! decode with the `image` crate, EXIF orientation applied, downscaled with
//! Lanczos3 into the size box (see `kiln_benches::reference`). Each tool's
//! directory holds `<stem>.jpg` per original; the directory's name is the
//! tool's name. Prints per tool the median and worst SSIM, split by class when
//! `--classes` is given, and lists missing or unusable outputs as failures.

use anyhow::{Context, Result, bail};
use clap::Parser;
use kiln_benches::{
    median, parallel_map, read_classes, reference, resize_lanczos3, ssim_luma, stem,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Command line.
#[derive(Parser)]
#[command(about = "SSIM of tools' thumbnails against a Lanczos3 full-decode reference")]
struct Args {
    /// Longer edge of the bounding box the tools were asked for.
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// File of `stem baseline|progressive` lines, to split the results by class.
    #[arg(long)]
    classes: Option<PathBuf>,
    /// Threads building references and scoring (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Where references are cached as PNG.
    ref_cache_dir: PathBuf,
    /// The originals (.jpg, .jpeg, .png, .webp directly inside).
    originals_dir: PathBuf,
    /// One directory of `<stem>.jpg` outputs per tool.
    #[arg(required = true)]
    tool_out_dirs: Vec<PathBuf>,
}

/// How one tool's thumbnail of one original scored.
enum Score {
    /// SSIM, and whether the output was resized to the reference's size first.
    Ok(f64, bool),
    /// Why there is no score.
    Failed(String),
}

fn originals(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if path.is_file() && ["jpg", "jpeg", "png", "webp"].contains(&ext.as_str()) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

fn score(reference: &image::RgbImage, output: &Path) -> Score {
    if !output.exists() {
        return Score::Failed("missing".into());
    }
    let img = match image::open(output) {
        Ok(i) => i.into_rgb8(),
        Err(e) => return Score::Failed(format!("unreadable: {e}")),
    };
    let (rw, rh) = reference.dimensions();
    let (w, h) = img.dimensions();
    let resized = (w, h) != (rw, rh);
    if w.abs_diff(rw) > 2 || h.abs_diff(rh) > 2 {
        return Score::Failed(format!("{w}x{h}, expected {rw}x{rh}"));
    }
    let img = if resized {
        match resize_lanczos3(&img, rw, rh) {
            Ok(i) => i,
            Err(e) => return Score::Failed(format!("resize: {e:#}")),
        }
    } else {
        img
    };
    match ssim_luma(reference, &img) {
        Ok(s) => Score::Ok(s, resized),
        Err(e) => Score::Failed(format!("ssim: {e:#}")),
    }
}

/// One table row: label, count, median, worst and the worst file.
fn row(label: &str, scores: &[(&str, f64)], failed: usize, resized: usize) {
    let values: Vec<f64> = scores.iter().map(|(_, s)| *s).collect();
    let (med, worst, worst_name) = match scores.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
        Some((name, w)) => (format!("{:.4}", median(&values)), format!("{w:.4}"), *name),
        None => ("-".into(), "-".into(), "-"),
    };
    println!(
        "{label:<24} {:>5} {med:>8} {worst:>8}  {worst_name:<44} {resized:>7} {failed:>6}",
        scores.len()
    );
}

fn main() -> Result<ExitCode> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.ref_cache_dir)?;
    let originals = originals(&args.originals_dir)?;
    if originals.is_empty() {
        bail!("no images in {}", args.originals_dir.display());
    }
    let classes = match &args.classes {
        Some(p) => read_classes(p)?,
        None => HashMap::new(),
    };
    let stems: Vec<String> = originals.iter().map(|p| stem(p)).collect::<Result<_>>()?;
    let tools: Vec<String> = args
        .tool_out_dirs
        .iter()
        .map(|d| stem(d))
        .collect::<Result<_>>()?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // scores[original][tool]
    let scores: Vec<Result<Vec<Score>>> = parallel_map(&originals, threads, |orig| {
        let reference = reference(orig, args.size, &args.ref_cache_dir)
            .with_context(|| format!("reference for {}", orig.display()))?;
        let name = format!("{}.jpg", stem(orig)?);
        Ok(args
            .tool_out_dirs
            .iter()
            .map(|d| score(&reference, &d.join(&name)))
            .collect())
    });
    let scores: Vec<Vec<Score>> = scores.into_iter().collect::<Result<_>>()?;

    println!(
        "SSIM of each {0}-px thumbnail against a reference made from a full-resolution decode \
         (image crate, EXIF orientation applied) downscaled with Lanczos3 (fast_image_resize). \
         Metric: mean SSIM on luma Y' = 0.299R'+0.587G'+0.114B' (gamma-encoded, MATLAB rgb2gray), \
         11x11 Gaussian window, sigma 1.5 (Wang et al. 2004, blazediff-ssim). {1} originals.",
        args.size,
        originals.len()
    );
    println!(
        "{:<24} {:>5} {:>8} {:>8}  {:<44} {:>7} {:>6}",
        "tool", "files", "median", "worst", "worst file", "resized", "failed"
    );
    let mut failures = Vec::new();
    let mut class_names: Vec<&String> = classes.values().collect();
    class_names.sort();
    class_names.dedup();
    for (t, tool) in tools.iter().enumerate() {
        let select = |class: Option<&str>| {
            let mut ok = Vec::new();
            let (mut failed, mut resized) = (0, 0);
            for (o, s) in stems.iter().enumerate() {
                if class.is_some_and(|c| classes.get(s).map(String::as_str) != Some(c)) {
                    continue;
                }
                match &scores[o][t] {
                    Score::Ok(v, r) => {
                        ok.push((s.as_str(), *v));
                        resized += usize::from(*r);
                    }
                    Score::Failed(_) => failed += 1,
                }
            }
            (ok, failed, resized)
        };
        let (ok, failed, resized) = select(None);
        row(tool, &ok, failed, resized);
        for class in &class_names {
            let (ok, failed, resized) = select(Some(class.as_str()));
            row(&format!("  {class}"), &ok, failed, resized);
        }
        for (o, s) in stems.iter().enumerate() {
            if let Score::Failed(why) = &scores[o][t] {
                failures.push(format!("  {tool}: {s}: {why}"));
            }
        }
    }
    println!(
        "resized: outputs 1-2 px off the reference's size (tools round differently), \
         resized to it with Lanczos3 before scoring."
    );
    if failures.is_empty() {
        println!("failures: none");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("failures ({}):", failures.len());
        failures.iter().for_each(|f| println!("{f}"));
        Ok(ExitCode::FAILURE)
    }
}
