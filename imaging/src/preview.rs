//! The preview JPEG many cameras embed in EXIF (IFD1), used in place of the
//! main image when it is big enough: an option, since its quality is the
//! camera's choice, not ours.

use crate::jpeg::header;
use exif::{In, Reader, Tag};

/// The embedded preview, when it is a JPEG whose longer edge reaches `need`
/// and whose aspect ratio matches the main image's (some cameras letterbox).
pub fn find(tiff: &[u8], width: u32, height: u32, need: u32) -> Option<&[u8]> {
    let exif = Reader::new().read_raw(tiff.to_vec()).ok()?;
    let offset = exif
        .get_field(Tag::JPEGInterchangeFormat, In::THUMBNAIL)?
        .value
        .get_uint(0)? as usize;
    let len = exif
        .get_field(Tag::JPEGInterchangeFormatLength, In::THUMBNAIL)?
        .value
        .get_uint(0)? as usize;
    let jpeg = tiff.get(offset..offset.checked_add(len)?)?;
    let h = header::parse(jpeg).ok()?;
    let main = width as f64 / height.max(1) as f64;
    let small = h.width as f64 / h.height.max(1) as f64;
    let big_enough = h.width.max(h.height) >= need;
    (big_enough && (main / small - 1.0).abs() < 0.02).then_some(jpeg)
}
