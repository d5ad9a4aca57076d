//! Kiln's reader of the metadata a file carries about itself: EXIF (with
//! the lens and serial MakerNotes hold), XMP, IPTC, the ICC profile's name
//! and comments, from JPEG/MPO, TIFF (and TIFF-based raw), PNG, WebP, GIF
//! and HEIF/AVIF.
//!
//! Best-effort by design: a file whose image data is missing or damaged
//! still yields every field that can be read, and what could not be read is
//! said in [`Embedded::warnings`]. Nothing here panics on hostile input or
//! does unbounded work (see [`limits`]); there is no I/O.
//!
//! Standard EXIF IFDs are parsed by `kamadak-exif` (pure Rust, no unsafe,
//! reads partial results); the containers, MakerNotes, XMP (`quick-xml`),
//! IPTC and ICC readers are ours because no maintained crate covers them
//! without a C library (exiv2) or a whole-file rewrite API (little_exif).

mod bytes;
mod camera;
mod container;
mod exif_read;
mod gps;
mod icc;
mod ifd_guard;
mod iptc;
pub mod limits;
mod makernote;
mod merge;
mod picture_info;
pub mod text;
mod xmp;

pub use camera::{Camera, Gps};
use serde::Serialize;

/// What the caller allows to be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Record the camera body's serial number. Off by default: it ties
    /// every photo to one device and so to its owner.
    pub serial_number: bool,
}

/// Everything read from a file's embedded metadata. Absent facts are
/// absent keys (never empty strings), so the JSON stays small.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Embedded {
    /// Camera and capture facts (EXIF, else XMP's copies of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exif: Option<Camera>,
    /// Title: XMP `dc:title`, else IPTC Object Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Caption: XMP `dc:description`, else IPTC Caption, else EXIF
    /// `ImageDescription` unless it is a camera's placeholder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Keywords: XMP `dc:subject` and IPTC Keywords, in order, without
    /// duplicates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Star rating, -1 (rejected) to 5: XMP `xmp:Rating`, else EXIF `Rating`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<i8>,
    /// When the content was created as the author states it (XMP
    /// `photoshop:DateCreated`, else IPTC Date/Time Created), ISO 8601.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<String>,
    /// The embedded colour profile's description ("sRGB IEC61966-2.1").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icc_profile: Option<String>,
    /// A free-text comment (JPEG COM, GIF comment, PNG `Comment`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// What could not be read, in words (a missing image stream, a damaged
    /// IFD, an oversized XMP packet...). Empty when all went well.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Embedded {
    /// Whether anything was read (warnings aside).
    pub fn has_facts(&self) -> bool {
        self.exif.is_some()
            || self.title.is_some()
            || self.description.is_some()
            || !self.keywords.is_empty()
            || self.rating.is_some()
            || self.date_created.is_some()
            || self.icc_profile.is_some()
            || self.comment.is_some()
    }
}

/// Reads what `data` says about itself. Never fails: unknown containers
/// give an empty result, damage gives warnings beside what could be read.
pub fn extract(data: &[u8], options: &Options) -> Embedded {
    let found = container::scan(data);
    merge::merge(found, options)
}

#[cfg(test)]
mod tests;
