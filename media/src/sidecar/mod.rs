//! Facts symphonia's demuxers do not expose, read straight from the headers.
//!
//! Symphonia 0.6 ignores MP4 edit lists (so AAC priming would leak into the
//! output as ~23 ms of leading silence) and reports neither MP4 nor Matroska
//! frame rates; nor the metadata people search camera videos by (location,
//! make and model, the local creation date, rotation, colour/HDR), which
//! we read for `probe`. These readers walk only the header boxes/elements
//! they need, seeking over media data, so their cost does not depend on the
//! file length.
//! Anything they cannot make sense of is simply left out: they never fail a
//! conversion that symphonia itself can handle.

pub(crate) mod colour;
mod ebml;
pub(crate) mod location;
mod mp4;
mod riff;

use std::io::{self, Read, Seek, SeekFrom};

use colour::Colour;
use location::Location;

/// What the side readers learned about the container.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sidecar {
    /// Refined container name ("mov", "m4a", "webm", ...), if recognised.
    pub container: Option<&'static str>,
    /// Per-track facts, keyed by the same id symphonia uses for the track.
    pub tracks: Vec<SideTrack>,
    /// Tags symphonia misses, by [`TagSet`](crate::tags::TagSet) field
    /// name: Matroska `Info/Title` (where ffmpeg and mkvmerge put the
    /// title) and WAV `LIST/INFO`.
    pub tags: Vec<(&'static str, String)>,
    /// When the file was made, Unix seconds: the iPhone's
    /// `com.apple.quicktime.creationdate`, else MP4 `mvhd` (unset when the
    /// muxer wrote 0), or Matroska `Info/DateUTC`.
    pub created_unix: Option<i64>,
    /// The local UTC offset (seconds east) the creation date was written
    /// with, where the file says (`com.apple.quicktime.creationdate`).
    pub created_offset_secs: Option<i32>,
    /// Where the video was shot (QuickTime `©xyz`, the iPhone's ISO 6709
    /// metadata key, or 3GPP `loci`).
    pub location: Option<Location>,
    /// Camera or phone maker (`©mak`, `com.apple.quicktime.make`,
    /// `com.android.manufacturer`).
    pub make: Option<String>,
    /// Camera or phone model (`©mod`, `com.apple.quicktime.model`,
    /// `com.android.model`).
    pub model: Option<String>,
    /// Recording software (`©swr`, `com.apple.quicktime.software`).
    pub software: Option<String>,
    /// The file size the container's top-level sizes add up to, recorded
    /// only when the file is shorter, i.e. cut off.
    pub declared_len: Option<u64>,
}

/// Per-track facts from the side readers.
#[derive(Debug, Default, Clone)]
pub(crate) struct SideTrack {
    /// MP4 `tkhd` track id or Matroska `TrackNumber`.
    pub id: u32,
    /// Frames per second of a video track, where the headers say.
    pub frame_rate: Option<f64>,
    /// The presentation window the container asks for (MP4 edit list).
    pub edit: Option<Edit>,
    /// ALAC decoder configuration symphonia missed (QuickTime `.mov`).
    pub alac_cookie: Option<Box<[u8]>>,
    /// Matroska `FlagDefault`, with its schema default applied.
    pub default: Option<bool>,
    /// Clockwise degrees (90, 180, 270) to turn a video's frames upright,
    /// from the MP4 `tkhd` matrix; `None` when not rotated.
    pub rotation_deg: Option<u16>,
    /// A video track's colour description (MP4 `colr`, Matroska `Colour`).
    pub colour: Option<Colour>,
}

/// An MP4 edit: present media from `skip_secs`, for `duration_secs`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edit {
    /// Media time at which presentation starts (encoder priming to drop).
    pub skip_secs: f64,
    /// How long to present; `None` when the edit says "to the end".
    pub duration_secs: Option<f64>,
}

impl Sidecar {
    /// The facts for one track id, if any were found.
    pub fn track(&self, id: u32) -> Option<&SideTrack> {
        self.tracks.iter().find(|t| t.id == id)
    }
}

/// Sniffs the first bytes and runs the matching side reader; leaves the
/// source positioned at the start so symphonia sees it untouched.
pub(crate) fn read<R: Read + Seek>(source: &mut R) -> io::Result<Sidecar> {
    source.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 12];
    let got = read_up_to(source, &mut head)?;
    let result = if got >= 8 && is_mp4_box(&head[4..8]) {
        mp4::read(source)
    } else if got >= 4 && head[..4] == ebml::EBML_MAGIC {
        ebml::read(source)
    } else if got >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        riff::read(source)
    } else {
        Ok(Sidecar::default())
    };
    source.seek(SeekFrom::Start(0))?;
    // A malformed or short header is symphonia's call to make (the readers
    // report those as InvalidData / UnexpectedEof); any other error is the
    // source itself failing and is worth a retry.
    match result {
        Ok(sidecar) => Ok(sidecar),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
            ) =>
        {
            tracing::debug!(error = %e, "side header reader gave up");
            Ok(Sidecar::default())
        }
        Err(e) => Err(e),
    }
}

fn is_mp4_box(kind: &[u8]) -> bool {
    matches!(
        kind,
        b"ftyp" | b"moov" | b"free" | b"skip" | b"wide" | b"mdat" | b"pnot"
    )
}

/// Reads until `buf` is full or the source ends; returns the bytes read.
pub(super) fn read_up_to<R: Read>(source: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Rounds a frame rate to 1/1000 fps: containers store it as a rational or
/// a duration in ns, and 29.97002997 is noise to every consumer.
pub(super) fn round_rate(rate: f64) -> Option<f64> {
    (rate.is_finite() && rate > 0.0).then(|| (rate * 1000.0).round() / 1000.0)
}
