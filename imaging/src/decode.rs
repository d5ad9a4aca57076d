//! Decoding a source image at the smallest size the requested thumbnails
//! need, after its header has passed the limits.

use crate::jpeg::{self, JpegPath};
use crate::{ImageLimits, ImagingError, Probe, check_limits, preview, probe, sniff};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};
use std::io::Cursor;

/// How the pixels were obtained, for metrics and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodePath {
    /// A JPEG decoded by [`jpeg::decode`].
    Jpeg(JpegPath),
    /// The preview JPEG embedded in the EXIF data.
    EmbeddedPreview,
    /// A full decode (PNG, WebP, GIF).
    Full,
}

/// A decoded source, possibly at reduced scale.
#[derive(Debug, Clone)]
pub struct Source {
    /// Pixels (8-bit RGB or RGBA), orientation applied.
    pub image: DynamicImage,
    /// Full-size dimensions, orientation applied: what thumbnail sizes are
    /// computed from, so every decode path gives the same output size.
    pub full_width: u32,
    /// See `full_width`.
    pub full_height: u32,
    /// The embedded ICC profile, if any.
    pub icc: Option<Vec<u8>>,
    /// Which decoder ran.
    pub path: DecodePath,
    /// Why the DC-only path gave up on this file, if it did.
    pub dc_fallback: Option<ImagingError>,
}

/// Decodes `data` so that its longer edge has at least `need` pixels.
/// With `allow_preview`, a large enough EXIF preview of a JPEG is used instead.
pub fn decode_for(
    data: &[u8],
    need: u32,
    limits: &ImageLimits,
    allow_preview: bool,
) -> Result<Source, ImagingError> {
    if sniff(data)? != image::ImageFormat::Jpeg {
        let p = probe(data)?;
        check_limits(&p, limits)?;
        let (image, orientation, icc) = decode_full(data, p.format, limits)?;
        let mut image = normalise(image);
        image.apply_orientation(orientation);
        let (full_width, full_height) = (image.width(), image.height());
        return Ok(Source {
            image,
            full_width,
            full_height,
            icc,
            path: DecodePath::Full,
            dc_fallback: None,
        });
    }
    // One header parse serves the limits, orientation, ICC and the decoder.
    let head = jpeg::header::parse(data)?;
    let p = Probe::of_jpeg(&head);
    check_limits(&p, limits)?;
    if !jpeg_has_end(data) {
        // Decoders fill a truncated JPEG with grey and carry on; a thumbnail
        // that is half grey is worse than a clear error.
        return Err(ImagingError::Corrupt(
            "truncated JPEG: no end-of-image marker".into(),
        ));
    }
    let orientation = head
        .exif
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let found = allow_preview
        .then(|| preview::find(head.exif?, p.width, p.height, need))
        .flatten();
    let (decoded, path, dc_fallback) = match found.and_then(|pv| jpeg::decode(pv, need).ok()) {
        Some(d) => (d.image, DecodePath::EmbeddedPreview, None),
        None => {
            let d = jpeg::decode_parsed(data, &head, need)?;
            (d.image, DecodePath::Jpeg(d.path), d.dc_fallback)
        }
    };
    let mut image = DynamicImage::ImageRgb8(decoded);
    image.apply_orientation(orientation);
    let swap = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let (full_width, full_height) = if swap {
        (p.height, p.width)
    } else {
        (p.width, p.height)
    };
    Ok(Source {
        image,
        full_width,
        full_height,
        icc: head.icc,
        path,
        dc_fallback,
    })
}

/// A full decode with the image crate, under the allocation budget.
fn decode_full(
    data: &[u8],
    format: image::ImageFormat,
    limits: &ImageLimits,
) -> Result<(DynamicImage, Orientation, Option<Vec<u8>>), ImagingError> {
    let mut reader = ImageReader::with_format(Cursor::new(data), format);
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_dimension);
    l.max_image_height = Some(limits.max_dimension);
    l.max_alloc = Some(limits.decode_budget());
    reader.limits(l);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    Ok((image, orientation, icc))
}

fn decode_error(e: image::ImageError) -> ImagingError {
    match e {
        image::ImageError::Limits(l) => ImagingError::OverLimit(format!("decoder limit: {l}")),
        image::ImageError::Unsupported(u) => ImagingError::Unsupported(u.to_string()),
        other => ImagingError::Corrupt(other.to_string()),
    }
}

/// A JPEG's last marker is EOI (FF D9); allow trailing padding that some
/// cameras and editors append.
fn jpeg_has_end(data: &[u8]) -> bool {
    let tail = &data[data.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// 8-bit RGB, or RGBA when the source has alpha: what resizing and the
/// encoders take. 16-bit samples are rounded, not truncated, to 8 bits.
fn normalise(img: DynamicImage) -> DynamicImage {
    match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => img,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.into_rgba8()),
        other => DynamicImage::ImageRgb8(other.into_rgb8()),
    }
}
