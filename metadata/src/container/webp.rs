//! WebP: the RIFF chunks `EXIF`, `XMP ` and `ICCP` of an extended file.

use super::{Found, slice, tiff_in};
use crate::limits::MAX_SEGMENTS;
use std::borrow::Cow;

/// Walks the RIFF chunks after the "WEBP" form type.
pub(super) fn scan(data: &[u8]) -> Found<'_> {
    let mut found = Found::default();
    let mut pos = 12;
    for _ in 0..MAX_SEGMENTS {
        let Some(head) = slice(data, pos, 8) else {
            return found;
        };
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let Some(body) = slice(data, pos + 8, len) else {
            found.warn(format!(
                "WebP chunk {} is cut short",
                String::from_utf8_lossy(&head[..4])
            ));
            return found;
        };
        match &head[..4] {
            // Writers disagree on the "Exif\0\0" prefix; accept both.
            b"EXIF" if found.exif.is_none() => match tiff_in(body) {
                Some(t) => found.exif = Some(Cow::Borrowed(t)),
                None => found.warn("the WebP EXIF chunk has no TIFF header"),
            },
            b"XMP " if found.xmp.is_none() => found.xmp = Some(Cow::Borrowed(body)),
            b"ICCP" if found.icc.is_none() => found.icc = Some(Cow::Borrowed(body)),
            _ => {}
        }
        // Chunks are padded to an even length.
        pos += 8 + len + (len & 1);
    }
    found.warn(format!(
        "more than {MAX_SEGMENTS} WebP chunks; the rest were not read"
    ));
    found
}
