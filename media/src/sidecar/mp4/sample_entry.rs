//! What a track's first sample entry (`stsd`) says that symphonia misses:
//! the ALAC cookie of QuickTime files and a video track's `colr` box.

use std::io::{self, Read, Seek, SeekFrom};

use super::{BoxHeader, children, payload};
use crate::sidecar::colour::Colour;

/// The ALAC magic cookie of a QuickTime-style `alac` sample entry, where it
/// sits inside a `wave` atom that symphonia 0.6 does not look into (it only
/// finds cookies stored directly in the entry, as MP4/M4A files do).
pub(super) fn quicktime_alac_cookie<R: Read + Seek>(
    r: &mut R,
    stsd: &BoxHeader,
) -> io::Result<Option<Box<[u8]>>> {
    // Full-box header and entry count precede the sample entries.
    let Some(entry) = children(r, stsd.start + 8, stsd.end)?.into_iter().next() else {
        return Ok(None);
    };
    if &entry.kind != b"alac" {
        return Ok(None);
    }
    // SampleEntry (8 bytes) + sound description v0 (20); v1 adds 16, v2 36.
    let head = payload::<R, 10>(r, &entry)?;
    let extra = match u16::from_be_bytes([head[8], head[9]]) {
        0 => 0,
        1 => 16,
        2 => 36,
        _ => return Ok(None),
    };
    let Some(wave) = children(r, entry.start + 28 + extra, entry.end)?
        .into_iter()
        .find(|b| &b.kind == b"wave")
    else {
        return Ok(None);
    };
    let Some(alac) = children(r, wave.start, wave.end)?
        .into_iter()
        .find(|b| &b.kind == b"alac")
    else {
        return Ok(None);
    };
    // Version/flags, then a 24- or 48-byte cookie.
    let len = alac.end.saturating_sub(alac.start);
    if len != 28 && len != 52 {
        return Ok(None);
    }
    let mut cookie = vec![0u8; (len - 4) as usize];
    r.seek(SeekFrom::Start(alac.start + 4))?;
    r.read_exact(&mut cookie)?;
    Ok(Some(cookie.into_boxed_slice()))
}

/// The `colr` box of a track's first (video) sample entry.
pub(super) fn video_colour<R: Read + Seek>(
    r: &mut R,
    stsd: &BoxHeader,
) -> io::Result<Option<Colour>> {
    let Some(entry) = children(r, stsd.start + 8, stsd.end)?.into_iter().next() else {
        return Ok(None);
    };
    // SampleEntry (8 bytes) and VisualSampleEntry (70) precede the
    // entry's own boxes (avcC, colr, pasp, ...).
    let Some(colr) = children(r, entry.start + 78, entry.end)?
        .into_iter()
        .find(|b| &b.kind == b"colr")
    else {
        return Ok(None);
    };
    let p = payload::<R, 11>(r, &colr)?;
    let len = usize::try_from(colr.end - colr.start).unwrap_or(11).min(11);
    Ok(Colour::from_colr(&p[..len]))
}
