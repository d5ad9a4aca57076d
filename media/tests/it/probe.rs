#![allow(clippy::unwrap_used)]
//! `probe` reports container, durations, tracks and tags from headers.

use crate::common;

use std::fs::File;
use std::path::Path;

use common::{Fixtures, have_ffmpeg, sine, testsrc};
use kiln_media::{Hint, MediaError, MediaInfo, TrackInfo, probe};

fn probe_file(path: &Path) -> MediaInfo {
    probe(Box::new(File::open(path).unwrap()), &Hint::from_path(path)).unwrap()
}

fn with(mut base: Vec<String>, extra: &[&str]) -> Vec<String> {
    base.extend(extra.iter().map(|s| s.to_string()));
    base
}

fn track<'a>(info: &'a MediaInfo, kind: &str) -> &'a TrackInfo {
    info.tracks
        .iter()
        .find(|t| t.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} track in {info:?}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 0.06)
}

fn video_file(fx: &Fixtures, name: &str, codecs: &[&str]) -> MediaInfo {
    let mut args = testsrc();
    args.extend(sine(44_100));
    let input = fx.make(name, &with(with(args, codecs), &["-shortest"]));
    probe_file(&input)
}

#[test]
fn mp4_with_video() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let info = video_file(
        &fx,
        "v.mp4",
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
    );
    assert_eq!(info.container, "mp4");
    assert!(close(info.duration_secs, 3.0), "{info:?}");
    assert!(info.bit_rate.is_some_and(|b| b > 0));
    let video = track(&info, "video");
    assert_eq!(video.codec.as_deref(), Some("h264"));
    assert_eq!((video.width, video.height), (Some(320), Some(240)));
    assert_eq!(video.frame_rate, Some(25.0));
    assert!(video.default);
    let audio = track(&info, "audio");
    assert_eq!(audio.codec.as_deref(), Some("aac"));
    assert_eq!(audio.sample_rate, Some(44_100));
    assert_eq!(audio.channels, Some(1));
    assert!(close(audio.duration_secs, 3.0), "{audio:?}");
    assert!(audio.default);
}

#[test]
fn webm_and_mkv_with_video() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let webm = video_file(
        &fx,
        "v.webm",
        &[
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
        ],
    );
    assert_eq!(webm.container, "webm");
    assert!(close(webm.duration_secs, 3.0), "{webm:?}");
    let video = track(&webm, "video");
    assert_eq!(video.codec.as_deref(), Some("vp9"));
    assert_eq!(
        (video.width, video.height, video.frame_rate),
        (Some(320), Some(240), Some(25.0))
    );
    let audio = track(&webm, "audio");
    assert_eq!(
        (audio.codec.as_deref(), audio.sample_rate),
        (Some("opus"), Some(48_000))
    );
    assert_eq!(audio.bits_per_sample, None, "lossy audio has no bit depth");

    let mkv = video_file(
        &fx,
        "v.mkv",
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "flac"],
    );
    assert_eq!(mkv.container, "matroska");
    let video = track(&mkv, "video");
    assert_eq!(
        (video.codec.as_deref(), video.width, video.frame_rate),
        (Some("h264"), Some(320), Some(25.0))
    );
    let audio = track(&mkv, "audio");
    assert_eq!(
        (audio.codec.as_deref(), audio.sample_rate, audio.channels),
        (Some("flac"), Some(44_100), Some(1))
    );
}

#[test]
fn audio_files() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let stereo = with(
        sine(44_100),
        &[
            "-ac",
            "2",
            "-metadata",
            "title=Probe Me",
            "-metadata",
            "artist=Someone",
        ],
    );
    for (name, container, codec, bits) in [
        ("a.wav", "wav", "pcm_s16le", Some(16)),
        ("a.flac", "flac", "flac", Some(16)),
        ("a.mp3", "mp3", "mp3", None),
        ("a.ogg", "ogg", "vorbis", None),
    ] {
        let mut args = stereo.clone();
        if name.ends_with(".ogg") {
            args.extend(["-c:a", "libvorbis"].map(String::from));
        }
        let input = fx.make(name, &args);
        let info = probe_file(&input);
        assert_eq!(info.container, container, "{name}");
        assert!(close(info.duration_secs, 3.0), "{name}: {info:?}");
        let size = std::fs::metadata(&input).unwrap().len();
        assert_eq!(info.file_bytes, Some(size));
        let expected_rate = size as f64 * 8.0 / info.duration_secs.unwrap();
        assert!(
            info.bit_rate
                .is_some_and(|b| (b as f64 - expected_rate).abs() < 2.0),
            "{name}: {info:?}"
        );
        let audio = track(&info, "audio");
        assert_eq!(audio.codec.as_deref(), Some(codec), "{name}");
        assert_eq!(
            (audio.sample_rate, audio.channels),
            (Some(44_100), Some(2)),
            "{name}"
        );
        assert_eq!(audio.bits_per_sample, bits, "{name}");
        assert!(audio.default);
        assert_eq!(
            info.tags.get("title").map(String::as_str),
            Some("Probe Me"),
            "{name}: {:?}",
            info.tags
        );
        assert_eq!(
            info.tags.get("artist").map(String::as_str),
            Some("Someone"),
            "{name}"
        );
    }
}

#[test]
fn json_leaves_out_unknowns() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let info = probe_file(&fx.make(
        "plain.wav",
        &with(
            sine(8_000),
            &["-map_metadata", "-1", "-fflags", "+bitexact"],
        ),
    ));
    let json = serde_json::to_value(&info).unwrap();
    assert!(json.get("tags").is_none(), "{json}");
    let track = &json["tracks"][0];
    assert!(
        track.get("width").is_none() && track.get("language").is_none(),
        "{json}"
    );
    assert!(
        !json.to_string().contains("\"\""),
        "no empty strings: {json}"
    );
}

#[test]
fn probe_errors() {
    let err = probe(
        Box::new(std::io::Cursor::new(vec![0x42u8; 4096])),
        &Hint::new(),
    )
    .unwrap_err();
    assert!(matches!(err, MediaError::Unsupported(_)), "{err:?}");
}

/// A camera's video says when it was shot (MP4 `mvhd`); one whose muxer
/// left it at zero says nothing.
#[test]
fn mp4_creation_time_is_reported() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let shot = video_file(
        &fx,
        "shot.mp4",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-metadata",
            "creation_time=2023-01-02T03:04:05Z",
        ],
    );
    assert_eq!(shot.creation_time.as_deref(), Some("2023-01-02T03:04:05Z"));
    let plain = video_file(
        &fx,
        "plain.mp4",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-fflags",
            "+bitexact",
        ],
    );
    assert_eq!(plain.creation_time, None, "{plain:?}");
}
