//! `probe`: what a file contains, from its headers alone.

use std::collections::BTreeMap;

use serde::Serialize;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::formats::{Track, TrackFlags};
use symphonia::core::io::MediaSource;

use crate::codec_names::codec_name;
use crate::open::{Opened, open};
use crate::sidecar::Sidecar;
pub use crate::sidecar::location::Location;
use crate::tags::TagSet;
use crate::{Hint, MediaError};

/// Facts about a media file. Absent facts are `None` and left out of the
/// JSON, never empty strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaInfo {
    /// Container name: "mp4", "mov", "m4a", "matroska", "webm", "ogg",
    /// "wav", "flac", "mp3", ...
    pub container: String,
    /// Overall duration in seconds, when the headers state it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<f64>,
    /// Overall bit rate in bits/s (file size × 8 / duration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<u64>,
    /// Size of the input in bytes, when the source knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_bytes: Option<u64>,
    /// Every track, in container order.
    pub tracks: Vec<TrackInfo>,
    /// When the file was made (RFC 3339, UTC), where the container records
    /// it: for a camera's video, when it was shot. From the iPhone's
    /// `com.apple.quicktime.creationdate` when present, else MP4/QuickTime
    /// `mvhd` (a zero time is no time), or Matroska `DateUTC`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
    /// The local UTC offset the creation time was recorded in ("+02:00"),
    /// when the file says (`com.apple.quicktime.creationdate`): the
    /// wall-clock time where it was shot is `creation_time` plus this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time_offset: Option<String>,
    /// Where it was shot: MP4/QuickTime `©xyz` (Android, ffmpeg's MOV), the
    /// iPhone's `com.apple.quicktime.location.ISO6709` key, or 3GPP `loci`
    /// (ffmpeg's MP4). Out-of-range or malformed positions are left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Maker of the camera or phone (`com.apple.quicktime.make`,
    /// `com.android.manufacturer`, QuickTime `©mak`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Camera or phone model (`com.apple.quicktime.model`,
    /// `com.android.model`, QuickTime `©mod`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Software that wrote the file (`com.apple.quicktime.software`,
    /// QuickTime `©swr`; ffmpeg's MOV muxer puts its own version there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    /// Descriptive tags: title, artist, album, album_artist, track, date,
    /// genre, composer, comment.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// One track of a [`MediaInfo`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackInfo {
    /// The container's id for the track.
    pub id: u32,
    /// "audio", "video", "subtitle" or "other".
    pub kind: String,
    /// Short codec name ("aac", "opus", "h264", "vp9", "pcm_s16le", ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    /// Whether a player would pick this track: flagged default by the
    /// container, or the first of its kind when none is flagged.
    pub default: bool,
    /// Language tag (ISO 639-2 or BCP 47), unless undetermined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Audio sample rate in Hz.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// Audio channel count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<u32>,
    /// Bits per sample, for PCM and lossless audio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits_per_sample: Option<u32>,
    /// Track duration in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<f64>,
    /// Video width in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Video height in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Video frames per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    /// Clockwise degrees (90, 180 or 270) a viewer turns the decoded frames
    /// to show them upright, from the MP4/QuickTime `tkhd` matrix; absent
    /// when not rotated. ffprobe's Display Matrix `rotation` counts
    /// counter-clockwise: an iPhone portrait video is -90 there, 90 here
    /// (ours = -ffprobe mod 360). Mirrored matrices are left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_deg: Option<u16>,
    /// Video width as displayed: `width`, or `height` when rotated by 90
    /// or 270 degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_width: Option<u32>,
    /// Video height as displayed: `height`, or `width` when rotated by 90
    /// or 270 degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_height: Option<u32>,
    /// Transfer characteristics, named as ffprobe's `color_transfer`
    /// ("bt709", "smpte2084" (PQ), "arib-std-b67" (HLG), ...), from MP4
    /// `colr` (`nclx`/`nclc`) or Matroska `Colour`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_transfer: Option<String>,
    /// Colour primaries, as ffprobe's `color_primaries` ("bt709",
    /// "bt2020", ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_primaries: Option<String>,
    /// Matrix coefficients, as ffprobe's `color_space` ("bt709",
    /// "bt2020nc", ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_space: Option<String>,
    /// Whether the video is HDR: true when the transfer is PQ (smpte2084)
    /// or HLG (arib-std-b67), false for another stated transfer, absent
    /// when none is stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hdr: Option<bool>,
}

/// Reads the container headers of `source` and describes what is inside.
///
/// No audio or video is decoded and media data is never loaded, so this is
/// cheap even for multi-gigabyte files. `Unsupported` means the container
/// is not recognised; `Corrupt` that its headers are damaged or cut short.
pub fn probe(source: Box<dyn MediaSource>, hint: &Hint) -> Result<MediaInfo, MediaError> {
    let Opened {
        mut reader,
        container,
        sidecar,
        tracks,
        file_bytes,
    } = open(source, hint)?;
    let tracks: Vec<TrackInfo> = tracks.iter().map(|t| track_info(t, &sidecar)).collect();
    let tracks = mark_defaults(tracks);

    let media = reader.media_info();
    let media_secs = media
        .time_base
        .zip(media.duration)
        .and_then(|(tb, d)| tb.calc_duration(d))
        .map(|t| t.as_secs_f64());
    let longest_track = tracks
        .iter()
        .filter_map(|t| t.duration_secs)
        .reduce(f64::max);
    let duration_secs = media_secs.filter(|s| *s > 0.0).or(longest_track);
    let bit_rate = file_bytes
        .zip(duration_secs)
        .filter(|(_, secs)| *secs > 0.0)
        .map(|(bytes, secs)| (bytes as f64 * 8.0 / secs).round() as u64);

    let tags = TagSet::collect(&mut *reader, None)
        .with_fallbacks(&sidecar.tags)
        .to_map();
    Ok(MediaInfo {
        container: container.to_owned(),
        duration_secs,
        bit_rate,
        file_bytes,
        tracks,
        creation_time: sidecar
            .created_unix
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        creation_time_offset: sidecar
            .created_offset_secs
            .filter(|_| sidecar.created_unix.is_some())
            .and_then(utc_offset),
        location: sidecar.location,
        make: sidecar.make,
        model: sidecar.model,
        software: sidecar.software,
        tags,
    })
}

/// "+02:00" for 7200 seconds east; offsets beyond ±24 h are nonsense.
fn utc_offset(secs: i32) -> Option<String> {
    chrono::FixedOffset::east_opt(secs)?;
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    Some(format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60))
}

fn track_info(track: &Track, sidecar: &Sidecar) -> TrackInfo {
    let side = sidecar.track(track.id);
    let mut info = TrackInfo {
        id: track.id,
        kind: "other".to_owned(),
        codec: track
            .codec_params
            .as_ref()
            .and_then(codec_name)
            .map(str::to_owned),
        default: track.flags.contains(TrackFlags::DEFAULT),
        language: track
            .language
            .clone()
            .filter(|l| !l.is_empty() && l != "und"),
        sample_rate: None,
        channels: None,
        bits_per_sample: None,
        duration_secs: None,
        width: None,
        height: None,
        frame_rate: None,
        rotation_deg: None,
        display_width: None,
        display_height: None,
        color_transfer: None,
        color_primaries: None,
        color_space: None,
        hdr: None,
    };
    let timeline_secs = track
        .time_base
        .zip(track.duration)
        .and_then(|(tb, d)| tb.calc_duration(d))
        .map(|t| t.as_secs_f64());
    // An MP4 edit list states the presented length (priming excluded).
    let edit_secs = side.and_then(|s| s.edit).and_then(|e| e.duration_secs);
    match &track.codec_params {
        Some(CodecParameters::Audio(p)) => {
            info.kind = "audio".to_owned();
            info.sample_rate = p.sample_rate;
            info.channels = p
                .channels
                .as_ref()
                .map(|c| c.count() as u32)
                .filter(|&c| c > 0);
            // Containers also state a "bit depth" for lossy codecs (Matroska
            // says 32 for Vorbis); it only means something for PCM and
            // lossless audio.
            let lossless = info
                .codec
                .as_deref()
                .is_some_and(|c| c.starts_with("pcm_") || matches!(c, "flac" | "alac" | "wavpack"));
            info.bits_per_sample = p.bits_per_sample.filter(|_| lossless);
            let frame_secs = p
                .sample_rate
                .zip(track.num_frames)
                .map(|(r, n)| n as f64 / f64::from(r));
            info.duration_secs = edit_secs.or(frame_secs).or(timeline_secs);
        }
        Some(CodecParameters::Video(p)) => {
            info.kind = "video".to_owned();
            info.width = p.width.map(u32::from);
            info.height = p.height.map(u32::from);
            info.frame_rate = side.and_then(|s| s.frame_rate);
            info.duration_secs = edit_secs.or(timeline_secs);
            info.rotation_deg = side.and_then(|s| s.rotation_deg);
            let turned = matches!(info.rotation_deg, Some(90 | 270));
            (info.display_width, info.display_height) = match (info.width, info.height) {
                (Some(w), Some(h)) if turned => (Some(h), Some(w)),
                (Some(w), Some(h)) => (Some(w), Some(h)),
                _ => (None, None),
            };
            if let Some(colour) = side.and_then(|s| s.colour) {
                info.color_transfer = colour.transfer_name().map(str::to_owned);
                info.color_primaries = colour.primaries_name().map(str::to_owned);
                info.color_space = colour.matrix_name().map(str::to_owned);
                info.hdr = colour.hdr();
            }
        }
        Some(CodecParameters::Subtitle(_)) => {
            info.kind = "subtitle".to_owned();
            info.duration_secs = timeline_secs;
        }
        _ => {}
    }
    info
}

/// Containers without default flags (or files that set none) still have a
/// track a player would choose: the first of each kind.
fn mark_defaults(mut infos: Vec<TrackInfo>) -> Vec<TrackInfo> {
    for kind in ["audio", "video", "subtitle"] {
        let any_flagged = infos.iter().any(|t| t.kind == kind && t.default);
        if !any_flagged && let Some(first) = infos.iter_mut().find(|t| t.kind == kind) {
            first.default = true;
        }
    }
    infos
}
