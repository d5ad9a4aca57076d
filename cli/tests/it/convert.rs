//! `convert=mp3`: every listed input format becomes an MP3 that a real
//! decoder plays to the source's length; bad input fails cleanly; the job
//! runs the same on the production backends.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestApp;
use common::media::{
    SECS, TOLERANCE, convert, decode, ffmpeg_available, make, picture, source, tone,
};
use kiln_workers::Outcome;

/// (file name, whether it has a picture, ffmpeg output arguments, channels)
const FORMATS: &[(&str, bool, &str, u32)] = &[
    ("aac.mp4", false, "-c:a aac -b:a 128k -ac 2", 2),
    ("alac.mov", false, "-c:a alac", 1),
    ("aac.m4a", false, "-c:a aac -b:a 96k", 1),
    ("mp3-in.mp4", false, "-c:a libmp3lame -q:a 4 -ac 2", 2),
    ("vorbis.mkv", false, "-c:a libvorbis -ac 2", 2),
    ("flac.mkv", false, "-c:a flac", 1),
    ("opus.webm", false, "-c:a libopus -b:a 64k -ac 2", 2),
    ("vorbis.ogg", false, "-c:a libvorbis", 1),
    ("opus.ogg", false, "-c:a libopus -b:a 48k", 1),
    ("pcm.wav", false, "-c:a pcm_s16le -ac 2", 2),
    ("lossless.flac", false, "-c:a flac", 1),
    ("lame.mp3", false, "-c:a libmp3lame -b:a 128k -ac 2", 2),
    (
        "h264-aac.mp4",
        true,
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -ac 2 -shortest",
        2,
    ),
    (
        "vp9-opus.webm",
        true,
        "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus -ac 2 -shortest",
        2,
    ),
    (
        "h264-mp3.mkv",
        true,
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a libmp3lame -ac 2 -shortest",
        2,
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_listed_format_becomes_a_playable_mp3_of_the_same_length() {
    if !ffmpeg_available() {
        return;
    }
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for &(name, video, args, channels) in FORMATS {
        let bytes = source(dir.path(), name, video, args);
        let (outcome, job) = convert(&t, bytes, name, "").await;
        if !matches!(outcome, Outcome::Succeeded { .. }) {
            failures.push(format!("{name}: {outcome:?}"));
            continue;
        }
        let out = &job["outputs"][0];
        assert_eq!(out["content_type"], "audio/mpeg", "{name}");
        let stem = name.rsplit_once('.').unwrap().0;
        assert_eq!(out["filename"], format!("{stem}.mp3"), "{name}");
        let resp = t
            .http
            .get(format!("{}{}", t.base, out["url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let disposition = resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.contains(&format!("filename=\"{stem}.mp3\"")),
            "{disposition}"
        );
        let mp3 = resp.bytes().await.unwrap();
        let d = decode(dir.path(), &mp3);
        assert_eq!((d.codec.as_str(), d.channels), ("mp3", channels), "{name}");
        if (d.seconds - SECS).abs() > TOLERANCE {
            failures.push(format!(
                "{name}: decodes to {:.4} s, source is {SECS} s",
                d.seconds
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_bitrate_and_the_original_name_carry_over() {
    if !ffmpeg_available() {
        return;
    }
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let tagged = make(
        dir.path(),
        "tagged.flac",
        &tone(SECS),
        "-c:a flac -metadata title=Café_☕ -metadata artist=Kiln_Quartet -metadata album=Fired",
    );
    let (outcome, job) = convert(&t, tagged, "Café ☕.flac", "bitrate=192").await;
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    let out = &job["outputs"][0];
    assert_eq!(out["filename"], "Café ☕.mp3");
    let mp3 = t.get_bytes(out["url"].as_str().unwrap()).await;
    let d = decode(dir.path(), &mp3);
    assert_eq!(d.tags["title"], "Café_☕");
    assert_eq!(d.tags["artist"], "Kiln_Quartet");
    assert_eq!(d.tags["album"], "Fired");
    // Constant 192 kbit/s: the size follows from the length.
    let expected = 192_000.0 / 8.0 * SECS;
    let size = mp3.len() as f64;
    assert!(
        (size - expected).abs() / expected < 0.10,
        "{size} bytes for 3 s at 192k"
    );

    // A lower VBR quality gives a smaller file than a higher one.
    let bytes = make(dir.path(), "q.wav", &tone(SECS), "-c:a pcm_s16le -ac 2");
    let mut sizes = Vec::new();
    for q in [0, 9] {
        let (outcome, job) = convert(&t, bytes.clone(), "q.wav", &format!("quality={q}")).await;
        assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
        sizes.push(job["outputs"][0]["bytes"].as_u64().unwrap());
    }
    assert!(
        sizes[0] > sizes[1],
        "quality 0 {} bytes, quality 9 {}",
        sizes[0],
        sizes[1]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn video_only_truncated_and_garbage_inputs_die_at_once_with_a_reason() {
    if !ffmpeg_available() {
        return;
    }
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let silent = make(
        dir.path(),
        "silent.mp4",
        &picture(SECS),
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p",
    );
    // ffmpeg writes the MP4 index last: half a file has no index.
    let full = source(dir.path(), "full.mp4", false, "-c:a aac");
    let cut_mp4 = full[..full.len() / 2].to_vec();
    let mut garbage = b"OggS".to_vec();
    garbage.extend((0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    for (name, bytes, reason) in [
        ("silent.mp4", silent, "no audio"),
        ("cut.mp4", cut_mp4, ""),
        ("noise.ogg", garbage, ""),
    ] {
        let (outcome, job) = convert(&t, bytes, name, "").await;
        assert!(
            matches!(outcome, Outcome::Dead { .. }),
            "{name}: {outcome:?}"
        );
        assert_eq!(
            (job["status"].as_str(), job["attempts"].as_u64()),
            (Some("dead"), Some(1)),
            "{name}"
        );
        let error = job["error"].as_str().unwrap();
        assert!(error.contains(reason), "{name}: {error}");
        assert!(job["outputs"].as_array().unwrap().is_empty());
    }
    // A cut MP3 or FLAC plays up to the cut: either a shorter file or a
    // clear failure, never a hang or a crash.
    for (name, args) in [
        ("cut.mp3", "-c:a libmp3lame"),
        ("cut.flac", "-c:a flac"),
        ("cut.ogg", "-c:a libvorbis"),
    ] {
        let full = source(dir.path(), name, false, args);
        let cut = full[..full.len() * 6 / 10].to_vec();
        let (outcome, job) = convert(&t, cut, name, "").await;
        match outcome {
            Outcome::Succeeded { .. } => {
                let mp3 = t
                    .get_bytes(job["outputs"][0]["url"].as_str().unwrap())
                    .await;
                let d = decode(dir.path(), &mp3);
                assert!(d.seconds > 0.5 && d.seconds < SECS, "{name}: {}", d.seconds);
            }
            Outcome::Dead { .. } => assert_eq!(job["attempts"], 1, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    // No output blob was left behind by any failure.
    assert!(t.blob_files("derived").len() <= 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_reject_long_inputs_and_stop_slow_conversions() {
    if !ffmpeg_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let long = make(
        dir.path(),
        "long.flac",
        &tone(600.0),
        "-c:a flac -compression_level 0",
    );
    let t = TestApp::spawn_with(|c| c.media.limits.max_duration_secs = 60.0).await;
    let (outcome, job) = convert(&t, long.clone(), "long.flac", "").await;
    assert!(matches!(outcome, Outcome::Dead { .. }), "{outcome:?}");
    let error = job["error"].as_str().unwrap();
    assert!(error.contains("60") && error.contains("600"), "{error}");

    let t = TestApp::spawn_with(|c| c.media.max_input_bytes = 1000).await;
    let (outcome, job) = convert(&t, long.clone(), "long.flac", "").await;
    assert!(matches!(outcome, Outcome::Dead { .. }), "{outcome:?}");
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("limit is 1000 bytes"),
        "{job}"
    );

    // Ten minutes of audio cannot be encoded in one second: the job dies
    // with the reason, and the encoder thread stops with it.
    let t = TestApp::spawn_with(|c| c.media.timeout_secs = 1).await;
    let (outcome, job) = convert(&t, long, "long.flac", "").await;
    assert!(matches!(outcome, Outcome::Dead { .. }), "{outcome:?}");
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("longer than the limit of 1 s"),
        "{job}"
    );
    assert!(t.blob_files("derived").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_refuses_conversions_that_cannot_apply() {
    let t = TestApp::spawn().await;
    let png = common::png_header_only(10, 10);
    let (code, body) = t.upload_raw(png, "a.png", "convert=mp3").await;
    let error = &body["error"];
    assert_eq!(
        (code, error["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "{body}"
    );
    assert!(error["message"].as_str().unwrap().starts_with("convert:"));
    for (query, field) in [
        ("convert=mp3&bitrate=100", "bitrate"),
        ("convert=mp3&quality=12", "quality"),
        ("convert=ogg", "convert"),
        ("bitrate=128", "bitrate"),
    ] {
        let (code, body) = t.upload_raw(b"RIFF....WAVE".to_vec(), "a.wav", query).await;
        assert_eq!(code, 422, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{query}: {body}");
    }
    // Nothing was kept of any refused upload.
    assert!(t.blob_files("originals").is_empty());
}
