//! Where a thumbnail's SSIM loss comes from, per file: Kiln's pixels before
//! encoding, the reference itself after a quality-80 JPEG round trip (the
//! ceiling for any tool writing Q80 JPEGs), and Kiln's pixels after one.
//!
//! `cargo run --release -p kiln-benches --example quality_split -- REF_CACHE_DIR FILES...`
//! (`KILN_NEED=N` decodes for N pixels instead of 256, to see what more
//! margin for the final resize would buy).
use anyhow::{Context, Result};
use image::{DynamicImage, RgbImage};
use kiln_benches::{median, reference, resize_lanczos3, ssim_luma};
use kiln_imaging::ImageFormat;
use kiln_imaging::{ImageLimits, RenderOptions, decode_for, encode, target_size};
use std::path::PathBuf;

const SIZE: u32 = 256;

/// Encodes at quality 80 with Kiln's own encoder and decodes it back.
fn jpeg_roundtrip(img: &RgbImage) -> Result<RgbImage> {
    let opts = RenderOptions {
        jpeg_quality: 80,
        ..RenderOptions::default()
    };
    let encoded = encode(
        &DynamicImage::ImageRgb8(img.clone()),
        ImageFormat::Jpeg,
        &opts,
    )?;
    Ok(image::load_from_memory(&encoded)?.into_rgb8())
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1).map(PathBuf::from);
    let cache = args
        .next()
        .context("usage: quality_split REF_CACHE_DIR FILES...")?;
    std::fs::create_dir_all(&cache)?;
    let need = std::env::var("KILN_NEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SIZE);
    let (mut pre, mut ceiling, mut post) = (vec![], vec![], vec![]);
    println!("before  ref@Q80  after  path  file");
    for f in args {
        let r = reference(&f, SIZE, &cache)?;
        let data = std::fs::read(&f)?;
        let src = decode_for(&data, need, &ImageLimits::default(), false)?;
        let (w, h) = target_size(src.full_width, src.full_height, SIZE);
        let small = resize_lanczos3(&src.image.to_rgb8(), w, h)?;
        if small.dimensions() != r.dimensions() {
            println!("skipped (size differs from the reference): {}", f.display());
            continue;
        }
        let (a, b, c) = (
            ssim_luma(&small, &r)?,
            ssim_luma(&jpeg_roundtrip(&r)?, &r)?,
            ssim_luma(&jpeg_roundtrip(&small)?, &r)?,
        );
        println!("{a:.4}  {b:.4}  {c:.4}  {:?}  {}", src.path, f.display());
        pre.push(a);
        ceiling.push(b);
        post.push(c);
    }
    let worst = |v: &[f64]| v.iter().copied().fold(1.0, f64::min);
    for (name, v) in [
        ("Kiln's pixels before encoding", &pre),
        ("the reference after Q80 JPEG", &ceiling),
        ("Kiln's pixels after Q80 JPEG", &post),
    ] {
        println!("{name:<32} median {:.4}  worst {:.4}", median(v), worst(v));
    }
    Ok(())
}
