//! What a file's header says, read without decoding any pixel.

use crate::{ImagingError, frames, jpeg};
use image::ImageDecoder;
use std::io::Cursor;

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Container format.
    pub format: image::ImageFormat,
    /// Stored width (before EXIF orientation).
    pub width: u32,
    /// Stored height (before EXIF orientation).
    pub height: u32,
    /// Frames (1 unless animated), counted from the container's structure.
    pub frames: u32,
    /// Bytes per pixel of a full decode (3 for 8-bit RGB, 8 for 16-bit RGBA...).
    pub bytes_per_pixel: u8,
}

impl Probe {
    /// What a parsed JPEG header says, for callers that need the header too.
    pub fn of_jpeg(h: &jpeg::header::Header<'_>) -> Probe {
        Probe {
            format: image::ImageFormat::Jpeg,
            width: h.width,
            height: h.height,
            frames: 1,
            bytes_per_pixel: if h.components.len() == 4 { 4 } else { 3 },
        }
    }
}

/// The formats Kiln decodes.
pub const SUPPORTED: [image::ImageFormat; 4] = [
    image::ImageFormat::Jpeg,
    image::ImageFormat::Png,
    image::ImageFormat::WebP,
    image::ImageFormat::Gif,
];

/// Which supported format `data` is, from its magic bytes; otherwise an
/// error that names what it looks like instead.
pub fn sniff(data: &[u8]) -> Result<image::ImageFormat, ImagingError> {
    if data.is_empty() {
        return Err(ImagingError::Corrupt("the file is empty".into()));
    }
    image::guess_format(data)
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
        })
}

/// Reads format and dimensions from the header without decoding pixels.
pub fn probe(data: &[u8]) -> Result<Probe, ImagingError> {
    let format = sniff(data)?;
    if format == image::ImageFormat::Jpeg {
        // Our own parser: it reads no more than the segments before the frame.
        return Ok(Probe::of_jpeg(&jpeg::header::parse(data)?));
    }
    let unreadable = |e: image::ImageError| {
        ImagingError::Corrupt(format!("unreadable {} header: {e}", format_name(format)))
    };
    let decoder = image::ImageReader::with_format(Cursor::new(data), format)
        .into_decoder()
        .map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    Ok(Probe {
        format,
        width,
        height,
        frames: frames::count(format, data),
        bytes_per_pixel: decoder.color_type().bytes_per_pixel(),
    })
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
