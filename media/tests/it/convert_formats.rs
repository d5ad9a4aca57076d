#![allow(clippy::unwrap_used)]
//! Every supported container/codec converts to an MP3 that decodes back to
//! the source's duration (±50 ms), at the expected rate and channel count.

use crate::common;

use common::{
    Fixtures, assert_close, convert, decode_mp3, ffmpeg_decoded_secs, ffprobe_duration,
    have_ffmpeg, lavfi, sine, testsrc,
};
use kiln_media::{ConversionReport, MediaLimits, Mp3Options};

/// Generates `name` from `args`, converts it, and checks the MP3 with
/// symphonia and ffmpeg.
fn check(
    name: &str,
    args: Vec<String>,
    codec: &str,
    rate_out: u32,
    channels_out: usize,
) -> Option<ConversionReport> {
    if !have_ffmpeg() {
        return None;
    }
    let fx = Fixtures::new();
    let input = fx.make(name, &args);
    let (report, mp3) = convert(&input, &Mp3Options::default(), &MediaLimits::default()).unwrap();

    assert_eq!(report.codec, codec, "{name}");
    assert_eq!(report.sample_rate_out, rate_out, "{name}");
    assert_eq!(report.channels_out as usize, channels_out, "{name}");
    assert_close(
        &format!("{name} report input"),
        report.input_duration_secs,
        3.0,
    );
    assert_eq!(
        report.bytes_written,
        std::fs::metadata(&mp3).unwrap().len(),
        "{name}"
    );

    let decoded = decode_mp3(&mp3);
    assert_eq!(decoded.rate, rate_out, "{name}");
    assert_eq!(decoded.channels, channels_out, "{name}");
    assert_close(&format!("{name} symphonia read-back"), decoded.secs(), 3.0);

    if let Some(secs) = ffmpeg_decoded_secs(&mp3, rate_out) {
        assert_close(&format!("{name} ffmpeg read-back"), secs, 3.0);
    }
    // ffprobe's container duration counts whole MP3 frames, encoder delay
    // and padding included (ffmpeg 5.1 is not gapless-aware there), so it
    // may exceed the audio by up to one frame on top of the tolerance.
    if let Some(secs) = ffprobe_duration(&mp3) {
        let frame = 1152.0 / f64::from(rate_out);
        assert!(
            (secs - 3.0).abs() <= 0.050 + frame,
            "{name}: ffprobe says {secs} s"
        );
    }
    Some(report)
}

fn with(mut base: Vec<String>, extra: &[&str]) -> Vec<String> {
    base.extend(extra.iter().map(|s| s.to_string()));
    base
}

fn stereo(rate: u32) -> Vec<String> {
    with(sine(rate), &["-ac", "2"])
}

#[test]
fn mp4_aac() {
    check(
        "a.mp4",
        with(stereo(44_100), &["-c:a", "aac"]),
        "aac",
        44_100,
        2,
    );
}

#[test]
fn m4a_aac() {
    check(
        "a.m4a",
        with(sine(44_100), &["-c:a", "aac"]),
        "aac",
        44_100,
        1,
    );
}

#[test]
fn mov_alac() {
    check(
        "a.mov",
        with(stereo(44_100), &["-c:a", "alac"]),
        "alac",
        44_100,
        2,
    );
}

#[test]
fn m4a_alac() {
    check(
        "alac.m4a",
        with(sine(48_000), &["-c:a", "alac"]),
        "alac",
        48_000,
        1,
    );
}

#[test]
fn mp4_mp3() {
    check(
        "mp3.mp4",
        with(stereo(44_100), &["-c:a", "libmp3lame"]),
        "mp3",
        44_100,
        2,
    );
}

#[test]
fn mkv_vorbis() {
    check(
        "a.mkv",
        with(stereo(44_100), &["-c:a", "libvorbis"]),
        "vorbis",
        44_100,
        2,
    );
}

#[test]
fn mkv_flac() {
    check(
        "flac.mkv",
        with(stereo(48_000), &["-c:a", "flac"]),
        "flac",
        48_000,
        2,
    );
}

#[test]
fn webm_opus() {
    check(
        "a.webm",
        with(stereo(48_000), &["-c:a", "libopus"]),
        "opus",
        48_000,
        2,
    );
}

#[test]
fn ogg_vorbis() {
    check(
        "a.ogg",
        with(sine(44_100), &["-c:a", "libvorbis"]),
        "vorbis",
        44_100,
        1,
    );
}

#[test]
fn ogg_opus() {
    check(
        "opus.ogg",
        with(stereo(48_000), &["-c:a", "libopus"]),
        "opus",
        48_000,
        2,
    );
}

#[test]
fn wav_pcm() {
    check("a.wav", stereo(44_100), "pcm_s16le", 44_100, 2);
}

#[test]
fn flac() {
    check("a.flac", stereo(44_100), "flac", 44_100, 2);
}

#[test]
fn mp3() {
    check("a.mp3", stereo(44_100), "mp3", 44_100, 2);
}

#[test]
fn mp4_h264_aac_video_is_skipped() {
    let mut args = testsrc();
    args.extend(stereo(44_100));
    let args = with(
        args,
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
        ],
    );
    check("v.mp4", args, "aac", 44_100, 2);
}

#[test]
fn webm_vp9_opus_video_is_skipped() {
    let mut args = testsrc();
    args.extend(stereo(48_000));
    let args = with(
        args,
        &[
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
            "-shortest",
        ],
    );
    check("v.webm", args, "opus", 48_000, 2);
}

#[test]
fn surround_aac_is_downmixed_to_stereo() {
    // Six distinct tones so every channel carries signal.
    let spec = "sine=f=220:d=3:r=48000[a];sine=f=330:d=3:r=48000[b];sine=f=440:d=3:r=48000[c];\
                sine=f=55:d=3:r=48000[d];sine=f=550:d=3:r=48000[e];sine=f=660:d=3:r=48000[f];\
                [a][b][c][d][e][f]join=inputs=6:channel_layout=5.1";
    let args = with(lavfi(spec), &["-c:a", "aac"]);
    if let Some(report) = check("surround.mp4", args, "aac", 48_000, 2) {
        assert_eq!(report.channels_in, 6);
    }
}

#[test]
fn hi_res_wav_is_resampled_to_48k() {
    if let Some(report) = check(
        "hires.wav",
        with(stereo(96_000), &["-c:a", "pcm_s24le"]),
        "pcm_s24le",
        48_000,
        2,
    ) {
        assert_eq!(report.sample_rate_in, 96_000);
    }
}

#[test]
fn mono_stays_mono() {
    if let Some(report) = check("mono.flac", sine(22_050), "flac", 22_050, 1) {
        assert_eq!(report.channels_in, 1);
    }
}
