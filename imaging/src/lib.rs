//! Kiln's image engine: probing, limits, decoding, resizing and encoding,
//! free of any I/O so it can run on the blocking pool, be benchmarked and be
//! fuzzed on its own.

mod decode;
mod encode;
mod icc;
pub mod jpeg;
mod preview;
mod render;

pub use decode::{DecodePath, Source, decode_for, decode_oriented};
pub use encode::encode;
pub use render::{RenderOptions, Rendered, Rendering, render_thumbnails, target_size};

use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// Limits checked from the header, before any pixel is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageLimits {
    /// Largest width × height accepted (default 50 MP).
    pub max_pixels: u64,
    /// Largest width or height accepted (default 30,000).
    pub max_dimension: u32,
    /// Largest input file accepted, in bytes (default 200 MiB).
    pub max_input_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_pixels: 50_000_000,
            max_dimension: 30_000,
            max_input_bytes: 200 * 1024 * 1024,
        }
    }
}

impl ImageLimits {
    /// Bytes the decoder may allocate: the decoded image at up to 16-bit RGBA,
    /// plus slack for decoder state.
    pub fn decode_budget(&self) -> u64 {
        self.max_pixels
            .saturating_mul(8)
            .saturating_add(64 * 1024 * 1024)
    }
}

/// Why an image could not be processed. Every variant is permanent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImagingError {
    /// Not an image format Kiln reads.
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// Over a configured limit; the message carries the numbers.
    #[error("over limit: {0}")]
    OverLimit(String),
    /// The data is damaged or truncated.
    #[error("corrupt image: {0}")]
    Corrupt(String),
}

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Container format.
    pub format: image::ImageFormat,
    /// Stored width (before EXIF orientation).
    pub width: u32,
    /// Stored height (before EXIF orientation).
    pub height: u32,
}

/// The formats Kiln decodes.
pub const SUPPORTED: [image::ImageFormat; 4] = [
    image::ImageFormat::Jpeg,
    image::ImageFormat::Png,
    image::ImageFormat::WebP,
    image::ImageFormat::Gif,
];

/// Reads format and dimensions from the header without decoding pixels.
pub fn probe(data: &[u8]) -> Result<Probe, ImagingError> {
    if data.is_empty() {
        return Err(ImagingError::Corrupt("the file is empty".into()));
    }
    let format = image::guess_format(data)
        .ok()
        .filter(|f| SUPPORTED.contains(f))
        .ok_or_else(|| {
            let head = &data[..data.len().min(8192)];
            let what = match infer::get(head) {
                Some(t) => t.mime_type().to_owned(),
                None if std::str::from_utf8(head).is_ok() => "text/plain".into(),
                None => "unrecognised data".into(),
            };
            ImagingError::Unsupported(format!("{what} is not a JPEG, PNG, WebP or GIF image"))
        })?;
    if format == image::ImageFormat::Jpeg {
        // Our own parser: it reads no more than the segments before the frame.
        let h = jpeg::header::parse(data)?;
        return Ok(Probe {
            format,
            width: h.width,
            height: h.height,
        });
    }
    let (width, height) = image::ImageReader::with_format(Cursor::new(data), format)
        .into_dimensions()
        .map_err(|e| {
            ImagingError::Corrupt(format!("unreadable {} header: {e}", format_name(format)))
        })?;
    Ok(Probe {
        format,
        width,
        height,
    })
}

/// Checks a probe against the limits; the error names the numbers.
pub fn check_limits(p: &Probe, limits: &ImageLimits) -> Result<(), ImagingError> {
    let pixels = p.width as u64 * p.height as u64;
    if p.width == 0 || p.height == 0 {
        return Err(ImagingError::Corrupt(format!(
            "image has no pixels ({}x{})",
            p.width, p.height
        )));
    }
    if pixels > limits.max_pixels {
        return Err(ImagingError::OverLimit(format!(
            "image is {}x{} = {:.1} MP; the limit is {:.1} MP",
            p.width,
            p.height,
            pixels as f64 / 1e6,
            limits.max_pixels as f64 / 1e6
        )));
    }
    if p.width > limits.max_dimension || p.height > limits.max_dimension {
        return Err(ImagingError::OverLimit(format!(
            "image is {}x{}; the largest dimension allowed is {}",
            p.width, p.height, limits.max_dimension
        )));
    }
    Ok(())
}

/// Lowercase short name of a format, as reported in metadata.
pub fn format_name(f: image::ImageFormat) -> &'static str {
    match f {
        image::ImageFormat::Jpeg => "jpeg",
        image::ImageFormat::Png => "png",
        image::ImageFormat::WebP => "webp",
        image::ImageFormat::Gif => "gif",
        _ => "other",
    }
}
