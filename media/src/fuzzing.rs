//! Entry points for the fuzz targets (`fuzz/`) and the regression tests that
//! replay what they found: narrow wrappers, so the internals they reach
//! (the side header readers, the ID3 writer) stay crate-private.

use std::io::Cursor;

use crate::tags::TagSet;

/// What the side header readers (MP4, EBML, RIFF) made of `data`, in
/// `Debug` form; `Err` only for I/O errors, which an in-memory source has
/// none of. They must never panic, loop or allocate by a declared size.
pub fn sidecar(data: &[u8]) -> std::io::Result<String> {
    crate::sidecar::read(&mut Cursor::new(data)).map(|s| format!("{s:?}"))
}

/// The tag names [`id3_tag`] accepts, as the side readers and Matroska
/// tags name them.
pub const TAG_NAMES: &[&str] = &[
    "title",
    "artist",
    "album",
    "album_artist",
    "track",
    "date",
    "genre",
    "composer",
    "comment",
];

/// The ID3v2 tag written for these (name, value) tags, mapped as tags read
/// from a file are; names outside [`TAG_NAMES`] are ignored.
pub fn id3_tag(tags: &[(&str, &str)]) -> Vec<u8> {
    let tags: Vec<(&'static str, String)> = tags
        .iter()
        .filter_map(|(name, value)| {
            let name = TAG_NAMES.iter().find(|n| *n == name)?;
            Some((*name, (*value).to_owned()))
        })
        .collect();
    crate::id3::build_tag(&TagSet::default().with_fallbacks(&tags))
}
