//! Decode once at the scale the largest size needs, resize down the chain of
//! sizes, encode each size in each format.

use crate::ImageFormat;
use crate::decode::{DecodePath, decode_for};
use crate::{ImageLimits, ImagingError, encode, icc};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;

/// Encoder settings and shortcuts (config section `[thumbnails]`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenderOptions {
    /// JPEG quality, 1..=100 (default 80, as libvips and imgproxy).
    pub jpeg_quality: u8,
    /// WebP quality, 0..=100 (default 80).
    pub webp_quality: f32,
    /// AVIF quality, 1..=100 (default 60: about JPEG 80's look at half the bytes).
    pub avif_quality: f32,
    /// AVIF encoder speed, 1 (slowest, smallest) ..= 10 (default 8).
    pub avif_speed: u8,
    /// Use a JPEG's embedded EXIF preview when it is large enough.
    pub embedded_preview: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            jpeg_quality: 80,
            webp_quality: 80.0,
            avif_quality: 60.0,
            avif_speed: 8,
            embedded_preview: false,
        }
    }
}

/// One encoded thumbnail.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The requested longer-edge size.
    pub size: u32,
    /// The encoding.
    pub format: ImageFormat,
    /// Actual width.
    pub width: u32,
    /// Actual height.
    pub height: u32,
    /// Encoded bytes, with no metadata (no EXIF, no GPS).
    pub bytes: Vec<u8>,
}

/// A rendering and how the source was decoded.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// Every (size, format) output, largest size first.
    pub outputs: Vec<Rendered>,
    /// The decoder that ran.
    pub path: DecodePath,
    /// Why the DC-only path gave up on this file, if it did (the outputs are
    /// still right, only slower).
    pub dc_fallback: Option<ImagingError>,
}

/// Dimensions whose longer edge is `edge`, keeping the aspect ratio; never
/// larger than the source.
pub fn target_size(width: u32, height: u32, edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= edge || edge == 0 {
        return (width, height);
    }
    let scale =
        |short: u32| (((short as u64 * edge as u64) + long as u64 / 2) / long as u64).max(1) as u32;
    if width >= height {
        (edge, scale(height))
    } else {
        (scale(width), edge)
    }
}

fn resize(
    r: &mut Resizer,
    src: &DynamicImage,
    w: u32,
    h: u32,
) -> Result<DynamicImage, ImagingError> {
    let mut dst = match src {
        DynamicImage::ImageRgba8(_) => DynamicImage::new_rgba8(w, h),
        _ => DynamicImage::new_rgb8(w, h),
    };
    // Lanczos3, as careful tools do; fast_image_resize premultiplies alpha
    // so transparent edges do not bleed dark fringes.
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    r.resize(src, &mut dst, &opts)
        .map_err(|e| ImagingError::Corrupt(format!("resize failed: {e}")))?;
    Ok(dst)
}

/// How a rendering went, when its outputs were handed out one by one by
/// [`render_each`].
#[derive(Debug, Clone)]
pub struct RenderSummary {
    /// The decoder that ran.
    pub path: DecodePath,
    /// Why the DC-only path gave up on this file, if it did.
    pub dc_fallback: Option<ImagingError>,
}

/// Makes every (size, format) thumbnail of `data`, largest size first.
pub fn render_thumbnails(
    data: &[u8],
    sizes: &[u32],
    formats: &[ImageFormat],
    limits: &ImageLimits,
    opts: &RenderOptions,
) -> Result<Rendering, ImagingError> {
    let mut outputs = Vec::with_capacity(sizes.len() * formats.len());
    let summary = render_each(data, sizes, formats, limits, opts, &|| false, &mut |r| {
        outputs.push(r);
        Ok(())
    })?;
    Ok(Rendering {
        outputs,
        path: summary.path,
        dc_fallback: summary.dc_fallback,
    })
}

/// Like [`render_thumbnails`], but hands each output to `emit` as soon as it
/// is encoded (so at most one is held in memory) and asks `stop` before
/// every decode, resize and encode: once it answers true, or `emit` fails,
/// the rendering ends with that error ([`ImagingError::Stopped`] for `stop`)
/// after at most the one step in progress.
pub fn render_each(
    data: &[u8],
    sizes: &[u32],
    formats: &[ImageFormat],
    limits: &ImageLimits,
    opts: &RenderOptions,
    stop: &dyn Fn() -> bool,
    emit: &mut dyn FnMut(Rendered) -> Result<(), ImagingError>,
) -> Result<RenderSummary, ImagingError> {
    let check = || {
        if stop() {
            Err(ImagingError::Stopped)
        } else {
            Ok(())
        }
    };
    let mut sizes = sizes.to_vec();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let need = sizes.first().copied().unwrap_or(0);
    check()?;
    let src = decode_for(data, need, limits, opts.embedded_preview)?;
    let alpha = matches!(src.image, DynamicImage::ImageRgba8(_));
    let colour = src.icc.as_deref().and_then(|p| icc::to_srgb(p, alpha));
    let mut resizer = Resizer::new();
    // Each size is resized from the previous (larger) result: each step reads
    // far fewer pixels than the source.
    let mut current = src.image;
    for &size in &sizes {
        let (w, h) = target_size(src.full_width, src.full_height, size);
        if (w, h) != (current.width(), current.height()) {
            check()?;
            current = resize(&mut resizer, &current, w, h)?;
        }
        // The chain goes on from `current`, so only a converted copy is made.
        let converted = colour.as_ref().map(|t| {
            let mut img = current.clone();
            icc::apply(t, &mut img);
            img
        });
        let img = converted.as_ref().unwrap_or(&current);
        for &format in formats {
            check()?;
            emit(Rendered {
                size,
                format,
                width: w,
                height: h,
                bytes: encode(img, format, opts)?,
            })?;
        }
    }
    Ok(RenderSummary {
        path: src.path,
        dc_fallback: src.dc_fallback,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_keeps_aspect_and_never_upscales() {
        assert_eq!(target_size(4000, 3000, 256), (256, 192));
        assert_eq!(target_size(3000, 4000, 256), (192, 256));
        assert_eq!(target_size(100, 50, 256), (100, 50));
        assert_eq!(target_size(10_000, 1, 256), (256, 1));
    }
}
