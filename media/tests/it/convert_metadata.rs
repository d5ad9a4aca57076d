#![allow(clippy::unwrap_used)]
//! Tags survive into the MP3's ID3v2 tag, and the right track is chosen.

use crate::common;

use std::process::Command;

use common::{Fixtures, convert, decode_mp3, have_ffmpeg, mp3_tags, sine, testsrc};
use kiln_media::{MediaError, MediaLimits, Mp3Options};
use symphonia::core::meta::StandardTag;

const TITLE: &str = "Café – ☕";

fn tagged(fmt_args: &[&str]) -> Vec<String> {
    let mut args = sine(44_100);
    for (k, v) in [
        ("title", TITLE),
        ("artist", "Ärtist Name"),
        ("album", "Album X"),
        ("genre", "Rock"),
        ("date", "2021"),
        ("track", "3"),
    ] {
        args.push("-metadata".into());
        args.push(format!("{k}={v}"));
    }
    args.extend(fmt_args.iter().map(|s| s.to_string()));
    args
}

fn check_tags(name: &str, fmt_args: &[&str]) {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let input = fx.make(name, &tagged(fmt_args));
    let (report, mp3) = convert(&input, &Mp3Options::default(), &MediaLimits::default()).unwrap();
    for field in ["title", "artist", "album"] {
        assert!(
            report.tags_copied.iter().any(|t| t == field),
            "{name}: {field} not copied: {:?}",
            report.tags_copied
        );
    }

    let tags = mp3_tags(&mp3);
    let has = |want: &dyn Fn(&StandardTag) -> bool| tags.iter().any(want);
    assert!(
        has(&|t| matches!(t, StandardTag::TrackTitle(s) if s.as_str() == TITLE)),
        "{name}: {tags:?}"
    );
    assert!(
        has(&|t| matches!(t, StandardTag::Artist(s) if s.as_str() == "Ärtist Name")),
        "{name}: {tags:?}"
    );
    assert!(
        has(&|t| matches!(t, StandardTag::Album(s) if s.as_str() == "Album X")),
        "{name}: {tags:?}"
    );
    assert!(
        has(&|t| matches!(t, StandardTag::Genre(s) if s.as_str() == "Rock")),
        "{name}: {tags:?}"
    );
    assert!(
        has(&|t| matches!(t, StandardTag::TrackNumber(3))),
        "{name}: {tags:?}"
    );

    // ffprobe reads the same tag: a second, independent ID3 parser.
    if let Ok(out) = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format_tags=title",
            "-of",
            "csv=p=0",
        ])
        .arg(&mp3)
        .output()
    {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), TITLE, "{name}");
    }
    // The tag must not disturb the stream: it still decodes in full.
    assert!((decode_mp3(&mp3).secs() - 3.0).abs() < 0.05);
}

#[test]
fn flac_tags() {
    check_tags("t.flac", &[]);
}

#[test]
fn mp3_tags_are_rewritten() {
    check_tags("t.mp3", &[]);
}

#[test]
fn m4a_tags() {
    check_tags("t.m4a", &["-c:a", "aac"]);
}

#[test]
fn ogg_tags() {
    check_tags("t.ogg", &["-c:a", "libvorbis"]);
}

#[test]
fn matroska_tags() {
    check_tags("t.mkv", &["-c:a", "libvorbis"]);
}

#[test]
fn webm_tags() {
    check_tags("t.webm", &["-c:a", "libopus"]);
}

#[test]
fn untagged_input_writes_no_id3() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let mut args = sine(44_100);
    args.extend(["-map_metadata", "-1", "-fflags", "+bitexact"].map(String::from));
    let input = fx.make("plain.wav", &args);
    let (report, mp3) = convert(&input, &Mp3Options::default(), &MediaLimits::default()).unwrap();
    assert!(report.tags_copied.is_empty(), "{:?}", report.tags_copied);
    let head = std::fs::read(&mp3).unwrap();
    assert_ne!(&head[..3], b"ID3");
}

#[test]
fn default_track_wins() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    // Track 0: mono 3 s; track 1 (flagged default): stereo 2 s.
    let mut args = sine(44_100);
    args.extend(common::lavfi(
        "sine=frequency=880:duration=2:sample_rate=48000",
    ));
    args.extend(
        [
            "-map",
            "0:a",
            "-map",
            "1:a",
            "-ac:a:1",
            "2",
            "-c:a",
            "libvorbis",
            "-disposition:a:1",
            "default",
            "-disposition:a:0",
            "0",
        ]
        .map(String::from),
    );
    let input = fx.make("two.mkv", &args);
    let (report, mp3) = convert(&input, &Mp3Options::default(), &MediaLimits::default()).unwrap();
    assert_eq!(report.channels_in, 2);
    assert_eq!(report.sample_rate_in, 48_000);
    let decoded = decode_mp3(&mp3);
    assert_eq!(decoded.channels, 2);
    assert!((decoded.secs() - 2.0).abs() < 0.05, "{decoded:?}");
}

#[test]
fn first_audio_track_without_default_flags() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let mut args = sine(44_100);
    args.extend(common::lavfi(
        "sine=frequency=880:duration=2:sample_rate=48000",
    ));
    args.extend(["-map", "0:a", "-map", "1:a", "-c:a", "aac"].map(String::from));
    let input = fx.make("two.mp4", &args);
    let (report, _) = convert(&input, &Mp3Options::default(), &MediaLimits::default()).unwrap();
    assert_eq!(report.sample_rate_in, 44_100);
    assert!((report.input_duration_secs - 3.0).abs() < 0.05);
}

#[test]
fn video_only_is_no_audio() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let mut args = testsrc();
    args.extend(["-c:v", "libx264", "-preset", "ultrafast"].map(String::from));
    let input = fx.make("silent.mp4", &args);
    let err = convert(&input, &Mp3Options::default(), &MediaLimits::default()).unwrap_err();
    assert!(matches!(err, MediaError::NoAudio { .. }), "{err:?}");
    assert!(err.is_permanent());
    assert!(err.to_string().contains("h264 video"), "{err}");
}
