//! Decode once, apply EXIF orientation, resize down a chain of sizes.

use super::{ImageLimits, ImagingError, check_limits, encode, probe};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader};
use kiln_proto::ImageFormat;
use std::io::Cursor;

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

fn decode_error(e: image::ImageError) -> ImagingError {
    match e {
        image::ImageError::Limits(l) => ImagingError::OverLimit(format!("decoder limit: {l}")),
        image::ImageError::Unsupported(u) => ImagingError::Unsupported(u.to_string()),
        other => ImagingError::Corrupt(other.to_string()),
    }
}

/// Decodes the image (the first frame of an animation) after checking the
/// header against `limits`, and applies its EXIF orientation.
pub fn decode_oriented(data: &[u8], limits: &ImageLimits) -> Result<DynamicImage, ImagingError> {
    let p = probe(data)?;
    check_limits(&p, limits)?;
    if p.format == image::ImageFormat::Jpeg && !jpeg_has_end(data) {
        // Decoders fill a truncated JPEG with grey and carry on; a thumbnail
        // that is half grey is worse than a clear error.
        return Err(ImagingError::Corrupt(
            "truncated JPEG: no end-of-image marker".into(),
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(data), p.format);
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_dimension);
    l.max_image_height = Some(limits.max_dimension);
    l.max_alloc = Some(limits.decode_budget());
    reader.limits(l);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// A JPEG's last marker is EOI (FF D9); allow trailing padding that some
/// cameras and editors append.
fn jpeg_has_end(data: &[u8]) -> bool {
    let tail = &data[data.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// 8-bit RGB, or RGBA when the source has alpha: what the encoders take.
fn normalise(img: DynamicImage) -> DynamicImage {
    match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => img,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.into_rgba8()),
        other => DynamicImage::ImageRgb8(other.into_rgb8()),
    }
}

fn resize(
    resizer: &mut Resizer,
    src: &DynamicImage,
    w: u32,
    h: u32,
) -> Result<DynamicImage, ImagingError> {
    let mut dst = match src {
        DynamicImage::ImageRgba8(_) => DynamicImage::new_rgba8(w, h),
        _ => DynamicImage::new_rgb8(w, h),
    };
    // Lanczos3 matches what careful tools do; fast_image_resize premultiplies
    // alpha so transparent edges do not bleed dark fringes.
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer
        .resize(src, &mut dst, &opts)
        .map_err(|e| ImagingError::Corrupt(format!("resize failed: {e}")))?;
    Ok(dst)
}

/// Makes every (size, format) thumbnail of `data`, largest size first.
pub fn render_thumbnails(
    data: &[u8],
    sizes: &[u32],
    formats: &[ImageFormat],
    limits: &ImageLimits,
) -> Result<Vec<Rendered>, ImagingError> {
    let source = normalise(decode_oriented(data, limits)?);
    let mut sizes = sizes.to_vec();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let mut resizer = Resizer::new();
    let mut out = Vec::with_capacity(sizes.len() * formats.len());
    // Each size is resized from the previous (larger) result: one decode, and
    // each step reads far fewer pixels than the source.
    let mut current: Option<DynamicImage> = None;
    for &size in &sizes {
        let (w, h) = target_size(source.width(), source.height(), size);
        let from = current.as_ref().unwrap_or(&source);
        let img = if (w, h) == (from.width(), from.height()) {
            from.clone()
        } else {
            resize(&mut resizer, from, w, h)?
        };
        for &format in formats {
            out.push(Rendered {
                size,
                format,
                width: w,
                height: h,
                bytes: encode(&img, format)?,
            });
        }
        current = Some(img);
    }
    Ok(out)
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
