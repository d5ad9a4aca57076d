#![allow(clippy::unwrap_used)]
//! Truncated and garbage inputs end in a clean error (or, where a cut is
//! invisible, a shorter MP3), promptly and without panicking.

use crate::common;

use std::io::Cursor;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{Fixtures, convert, have_ffmpeg, sine};
use kiln_media::{Hint, MediaError, MediaLimits, Mp3Options, convert_to_mp3};

fn with(mut base: Vec<String>, extra: &[&str]) -> Vec<String> {
    base.extend(extra.iter().map(|s| s.to_string()));
    base
}

/// A truncated file ends in Corrupt (permanent) or, where the cut is
/// invisible, in a shorter MP3 — quickly either way.
fn check_truncated(name: &str, args: Vec<String>, fraction: f64) {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let whole = fx.make(name, &args);
    let cut = fx.truncated(&whole, &format!("cut-{name}"), fraction);
    let started = Instant::now();
    match convert(&cut, &Mp3Options::default(), &MediaLimits::default()) {
        Err(MediaError::Corrupt(msg)) => assert!(msg.contains("truncated"), "{name}: {msg}"),
        Ok((report, _)) => assert!(report.input_duration_secs < 2.9, "{name}: {report:?}"),
        Err(other) => panic!("{name}: unexpected {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{name} took too long"
    );
}

#[test]
fn truncated_mp4() {
    check_truncated("a.mp4", with(sine(44_100), &["-c:a", "aac"]), 0.5);
}

#[test]
fn truncated_faststart_mp4() {
    check_truncated(
        "fs.mp4",
        with(sine(44_100), &["-c:a", "aac", "-movflags", "+faststart"]),
        0.5,
    );
}

#[test]
fn truncated_mp3() {
    check_truncated("a.mp3", sine(44_100), 0.6);
}

#[test]
fn truncated_ogg() {
    check_truncated("a.ogg", with(sine(44_100), &["-c:a", "libvorbis"]), 0.6);
}

#[test]
fn truncated_flac() {
    check_truncated("a.flac", sine(44_100), 0.6);
}

#[test]
fn truncated_webm() {
    check_truncated("a.webm", with(sine(48_000), &["-c:a", "libopus"]), 0.6);
}

#[test]
fn truncated_wav() {
    check_truncated("a.wav", sine(44_100), 0.6);
}

fn convert_bytes(bytes: Vec<u8>) -> Result<kiln_media::ConversionReport, MediaError> {
    let mut out = Cursor::new(Vec::new());
    let cancel = AtomicBool::new(false);
    convert_to_mp3(
        Box::new(Cursor::new(bytes)),
        &Hint::new(),
        &mut out,
        &Mp3Options::default(),
        &MediaLimits::default(),
        &cancel,
    )
}

#[test]
fn garbage_is_unsupported() {
    // Deterministic noise with no container signature.
    let noise: Vec<u8> = (0u32..64_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let err = convert_bytes(noise).unwrap_err();
    assert!(matches!(err, MediaError::Unsupported(_)), "{err:?}");
    assert!(err.is_permanent());
    assert!(matches!(
        convert_bytes(Vec::new()).unwrap_err(),
        MediaError::Unsupported(_)
    ));
}
