//! Bounds on the work one file can cause. Real files stay far below each;
//! a hostile file meets them and gets a warning, never a hang or a huge
//! allocation.

/// Segments (JPEG), chunks (PNG, WebP) or blocks (GIF) looked at before
/// reading stops. A camera JPEG has about 10.
pub const MAX_SEGMENTS: usize = 4096;

/// Largest XMP packet parsed, in bytes. Real packets are a few KB; Adobe
/// tools pad to about 100 KB.
pub const MAX_XMP_BYTES: usize = 4 << 20;

/// XML elements read from one XMP packet.
pub const MAX_XMP_EVENTS: usize = 200_000;

/// Largest ICC profile reassembled from JPEG APP2 chunks or inflated from
/// a PNG `iCCP` chunk.
pub const MAX_ICC_BYTES: usize = 8 << 20;

/// Largest text inflated from one PNG `zTXt`/`iTXt` chunk.
pub const MAX_INFLATED_TEXT: usize = 4 << 20;

/// Entries read from one MakerNote IFD (a real one has under 200).
pub const MAX_MAKERNOTE_ENTRIES: usize = 1024;

/// Keywords kept from one file.
pub const MAX_KEYWORDS: usize = 256;

/// Warnings kept: the first ones say what went wrong; more say nothing new.
pub const MAX_WARNINGS: usize = 16;

/// Longest warning kept, in chars (a parser's message may quote the file).
pub const MAX_WARNING_CHARS: usize = 300;

/// IFDs looked at in one EXIF block (IFD0's chain, Exif, GPS, Interop).
/// A camera writes five or six; `kamadak-exif` itself stops IFD0's chain
/// at eight.
pub const MAX_IFDS: usize = 32;

/// Bytes of values the entries of one EXIF block may refer to, all told.
/// A camera JPEG's whole EXIF is under 64 KB; a raw file's, with its
/// MakerNote and embedded preview, a few MB.
pub const MAX_EXIF_VALUE_BYTES: usize = 16 << 20;
