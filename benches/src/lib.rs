//! Shared code of Kiln's thumbnail benchmark (`benches/thumbnails.py` drives it):
//! running Kiln's engine the way the peers run (many files in one process),
//! building SSIM references, and scoring tools' thumbnails against them.

use anyhow::{Context, Result, anyhow};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use kiln_imaging::ImageFormat;
use kiln_imaging::{ImageLimits, RenderOptions, render_thumbnails, target_size};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What Kiln is asked to make of each file.
#[derive(Debug, Clone, Copy)]
pub struct KilnSettings {
    /// Longer edge of the thumbnail's bounding box.
    pub size: u32,
    /// JPEG quality, 1..=100.
    pub quality: u8,
    /// Let the engine use a JPEG's embedded EXIF preview when large enough.
    pub embedded_preview: bool,
    /// Output format (JPEG for the comparison; others to measure encoders).
    pub format: ImageFormat,
}

/// One thumbnail made by Kiln.
#[derive(Debug, Clone)]
pub struct KilnThumb {
    /// The encoded thumbnail (JPEG unless [`KilnSettings::format`] says otherwise).
    pub jpeg: Vec<u8>,
    /// The engine's decode path (`Debug` form of `kiln_imaging::DecodePath`).
    pub decode_path: String,
}

/// Makes one thumbnail with Kiln's engine: the call the workers make, with
/// default limits.
pub fn kiln_thumbnail(data: &[u8], s: &KilnSettings) -> Result<KilnThumb> {
    let opts = RenderOptions {
        jpeg_quality: s.quality,
        embedded_preview: s.embedded_preview,
        ..RenderOptions::default()
    };
    let limits = ImageLimits::default();
    let rendering = render_thumbnails(data, &[s.size], &[s.format], &limits, &opts)?;
    let out = rendering
        .outputs
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("the engine returned no thumbnail"))?;
    Ok(KilnThumb {
        jpeg: out.bytes,
        decode_path: format!("{:?}", rendering.path),
    })
}

/// A file's name without directory and extension: the key that pairs an
/// original with every tool's `<stem>.jpg`.
pub fn stem(path: &Path) -> Result<String> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{} has no UTF-8 file stem", path.display()))
}

/// Applies `f` to every item on `threads` threads that take the next item from
/// a shared atomic index; results come back in the items' order. One thread
/// runs on the caller's thread, with no spawning.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Decodes a whole image at full resolution with the `image` crate (not Kiln's
/// decoder, so the reference is independent of the engine under test), applies
/// its EXIF orientation and converts it to 8-bit RGB.
pub fn decode_full_rgb(path: &Path) -> Result<RgbImage> {
    let mut decoder = ImageReader::open(path)?
        .with_guessed_format()?
        .into_decoder()
        .with_context(|| format!("decoding {}", path.display()))?;
    let orientation = decoder.orientation()?;
    let mut img = DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    Ok(img.into_rgb8())
}

/// Resizes with fast_image_resize's Lanczos3 convolution.
pub fn resize_lanczos3(src: &RgbImage, width: u32, height: u32) -> Result<RgbImage> {
    let mut dst = RgbImage::new(width, height);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(src, &mut dst, &opts)?;
    Ok(dst)
}

/// The SSIM reference for `original`: a full decode (see [`decode_full_rgb`])
/// downscaled with Lanczos3 into a `size` × `size` box, aspect kept, sized by
/// `kiln_imaging::target_size`. Cached as `<cache>/<stem>-<size>.png`.
pub fn reference(original: &Path, size: u32, cache: &Path) -> Result<RgbImage> {
    let cached = cache.join(format!("{}-{size}.png", stem(original)?));
    let fresh = |p: &Path| -> Result<bool> {
        Ok(p.exists() && p.metadata()?.modified()? >= original.metadata()?.modified()?)
    };
    if fresh(&cached)? {
        return Ok(image::open(&cached)?.into_rgb8());
    }
    let full = decode_full_rgb(original)?;
    let (w, h) = target_size(full.width(), full.height(), size);
    let small = if (w, h) == full.dimensions() {
        full
    } else {
        resize_lanczos3(&full, w, h)?
    };
    small
        .save(&cached)
        .with_context(|| format!("caching {}", cached.display()))?;
    Ok(small)
}

/// Mean SSIM (Wang et al. 2004: 11×11 Gaussian window, σ 1.5, K1 0.01,
/// K2 0.03, as MATLAB's `ssim.m`) on luma, Y' = 0.299 R' + 0.587 G' + 0.114 B'
/// of the gamma-encoded values (MATLAB's `rgb2gray`), computed by
/// blazediff-ssim. The images must have the same dimensions.
pub fn ssim_luma(a: &RgbImage, b: &RgbImage) -> Result<f64> {
    let plane = |img: &RgbImage| {
        let rgba = DynamicImage::ImageRgb8(img.clone()).into_rgba8();
        let view =
            blazediff_ssim::Rgba8::new(rgba.as_raw(), img.width() as usize, img.height() as usize);
        blazediff_ssim::Plane::from_rgba8(view)
    };
    let opts = blazediff_ssim::SsimOptions::default();
    Ok(blazediff_ssim::ssim(&plane(a)?, &plane(b)?, &opts)?.score)
}

/// Reads a classes file: one `stem class` pair a line (`#` starts a comment).
pub fn read_classes(path: &Path) -> Result<HashMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (stem, class) = l
                .rsplit_once(char::is_whitespace)
                .ok_or_else(|| anyhow!("{}: expected `stem class`, got {l:?}", path.display()))?;
            Ok((stem.trim().to_owned(), class.to_owned()))
        })
        .collect()
}

/// The median of `values` (mean of the middle two for an even count); NaN if empty.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<u32> = (0..100).collect();
        for threads in [1, 2, 7] {
            assert_eq!(
                parallel_map(&items, threads, |x| x * 2),
                items.iter().map(|x| x * 2).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn ssim_is_one_for_identical_and_lower_for_noise() {
        let a = RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
        });
        let mut b = a.clone();
        for (i, p) in b.pixels_mut().enumerate() {
            p[1] = p[1].wrapping_add(if i % 3 == 0 { 40 } else { 0 });
        }
        assert!((ssim_luma(&a, &a).unwrap() - 1.0).abs() < 1e-6);
        assert!(ssim_luma(&a, &b).unwrap() < 0.9);
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
