//! Finds the metadata blocks inside a file, by container. Each reader
//! only locates bytes; parsing them is the other modules' job.

mod gif;
mod jpeg;
mod png;
mod webp;

use crate::limits::{MAX_WARNING_CHARS, MAX_WARNINGS};
use std::borrow::Cow;

/// The metadata blocks of one file, as found.
#[derive(Debug, Default)]
pub(crate) struct Found<'a> {
    /// EXIF as a TIFF structure (byte-order mark first).
    pub exif: Option<Cow<'a, [u8]>>,
    /// Whether `exif` is the whole file (TIFF and raw formats), where XMP,
    /// IPTC and ICC sit in IFD0 tags rather than in segments.
    pub exif_is_file: bool,
    /// The main XMP packet.
    pub xmp: Option<Cow<'a, [u8]>>,
    /// Extended XMP (a packet over 64 KB split across JPEG segments),
    /// reassembled.
    pub xmp_extended: Option<Vec<u8>>,
    /// IPTC-IIM records.
    pub iptc: Option<Cow<'a, [u8]>>,
    /// The ICC profile.
    pub icc: Option<Cow<'a, [u8]>>,
    /// A comment block (JPEG COM, GIF comment).
    pub comment: Option<Cow<'a, [u8]>>,
    /// A JPEG APP12 "[picture info]" segment (older cameras).
    pub picture_info: Option<&'a [u8]>,
    /// Keyed text (PNG tEXt/zTXt/iTXt), keyword then value.
    pub text: Vec<(String, String)>,
    /// What went wrong while looking.
    pub warnings: Vec<String>,
}

impl Found<'_> {
    /// Records a warning once, keeping at most [`MAX_WARNINGS`] of at most
    /// [`MAX_WARNING_CHARS`] chars.
    pub fn warn(&mut self, w: impl Into<String>) {
        // Parser messages quote the file (an XML tag name, say): cleaned
        // and capped like every other string from it.
        let Some(w) = crate::text::clean_to(&w.into(), MAX_WARNING_CHARS) else {
            return;
        };
        if self.warnings.len() < MAX_WARNINGS && !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }
}

/// Locates the metadata blocks of `data`, whatever its container.
pub(crate) fn scan(data: &[u8]) -> Found<'_> {
    if data.starts_with(&[0xFF, 0xD8]) {
        jpeg::scan(data)
    } else if is_tiff(data) {
        Found {
            exif: Some(Cow::Borrowed(data)),
            exif_is_file: true,
            ..Found::default()
        }
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        png::scan(data)
    } else if data.len() >= 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP" {
        webp::scan(data)
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        gif::scan(data)
    } else if data.len() >= 12 && &data[4..8] == b"ftyp" {
        heif(data)
    } else {
        Found::default()
    }
}

/// A TIFF header, including the raw formats built on TIFF that change its
/// magic number (Olympus ORF "IIRO"/"MMOR", Panasonic RW2 "IIU\0").
pub(crate) fn is_tiff(data: &[u8]) -> bool {
    matches!(
        data.get(..4),
        Some(b"II*\0" | b"MM\0*" | b"IIRO" | b"IIRS" | b"MMOR" | b"IIU\0")
    )
}

/// HEIF and AVIF keep EXIF in an item that `kamadak-exif` can locate.
fn heif(data: &[u8]) -> Found<'_> {
    let mut found = Found::default();
    let read = exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut std::io::Cursor::new(data));
    match read {
        Ok(exif) => found.exif = Some(Cow::Owned(exif.buf().to_vec())),
        Err(exif::Error::PartialResult(p)) => {
            found.exif = Some(Cow::Owned(p.into_inner().0.buf().to_vec()));
        }
        Err(exif::Error::NotFound(_)) => {}
        Err(e) => found.warn(format!("EXIF item unreadable: {e}")),
    }
    found
}

/// `data[at..at + len]`, or `None` when it runs past the end.
pub(crate) fn slice(data: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    data.get(at..at.checked_add(len)?)
}

/// The EXIF payload of a JPEG APP1 / WebP / PNG block that may carry the
/// "Exif\0\0" prefix (or a broken one): from the TIFF header on.
pub(crate) fn tiff_in(block: &[u8]) -> Option<&[u8]> {
    if is_tiff(block) {
        return Some(block);
    }
    let rest = block.strip_prefix(b"Exif")?;
    // "Exif\0\0" is the standard; writers also leave one NUL, or 0xFF.
    (0..=2)
        .map(|skip| rest.get(skip..).unwrap_or_default())
        .find(|r| is_tiff(r))
}
