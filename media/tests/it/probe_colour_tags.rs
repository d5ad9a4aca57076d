#![allow(clippy::unwrap_used)]
//! Colour description (HDR) of video tracks and descriptive tags of audio
//! files agree with ffprobe on files ffmpeg makes.

use crate::common;

use common::{Fixtures, ffprobe_json, ffprobe_tag, have_ffmpeg_and_ffprobe, lavfi, probe_path};

/// `color_transfer`, `color_primaries`, `color_space` and `hdr` from MP4
/// `colr nclx`, QuickTime `colr nclc` and Matroska `Colour`.
#[test]
fn colour_matches_ffprobe() {
    if !have_ffmpeg_and_ffprobe() {
        return;
    }
    let fx = Fixtures::new();
    let pq = [
        "-color_trc",
        "smpte2084",
        "-color_primaries",
        "bt2020",
        "-colorspace",
        "bt2020nc",
    ];
    let hlg = [
        "-color_trc",
        "arib-std-b67",
        "-color_primaries",
        "bt2020",
        "-colorspace",
        "bt2020nc",
    ];
    let sdr = [
        "-color_trc",
        "bt709",
        "-color_primaries",
        "bt709",
        "-colorspace",
        "bt709",
    ];
    let x264 = ["-c:v", "libx264", "-preset", "ultrafast"];
    // x265's "info" SEI makes an hvcC over symphonia's 1 KiB atom limit.
    let x265 = [
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-x265-params",
        "log-level=error:info=0",
        "-pix_fmt",
        "yuv420p10le",
    ];
    let vp9 = [
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
    ];
    let cases: [(&str, &[&str], &[&str], bool); 5] = [
        ("pq.mp4", &x264, &pq, true),
        ("hlg.mov", &x265, &hlg, true),
        ("hlg.mp4", &x265, &hlg, true),
        ("pq.webm", &vp9, &pq, true),
        ("sdr.mkv", &["-c:v", "mpeg4"], &sdr, false),
    ];
    for (name, codec, colour, hdr) in cases {
        let mut args = lavfi("testsrc=size=64x48:rate=5");
        // 4:2:0 so that VP9 does not code the RGB test pattern as GBR
        // (ffprobe would then report the bitstream's `gbr` matrix).
        args.extend(
            ["-t", "1", "-pix_fmt", "yuv420p"]
                .iter()
                .chain(codec)
                .chain(colour)
                .map(|s| s.to_string()),
        );
        let path = fx.make(name, &args);
        let json = ffprobe_json(&path);
        let stream = &json["streams"][0];
        let info = probe_path(&path);
        let video = &info.tracks[0];
        for (ours, field) in [
            (&video.color_transfer, "color_transfer"),
            (&video.color_primaries, "color_primaries"),
            (&video.color_space, "color_space"),
        ] {
            assert_eq!(
                ours.as_deref(),
                stream[field].as_str(),
                "{name}: {field} in {video:?}"
            );
        }
        assert_eq!(video.hdr, Some(hdr), "{name}");
    }

    // No colour stated: nothing reported, as ffprobe.
    let mut args = lavfi("testsrc=size=64x48:rate=5");
    args.extend(["-t", "1", "-c:v", "mpeg4"].map(String::from));
    let path = fx.make("plain.mp4", &args);
    let json = ffprobe_json(&path);
    let video = &probe_path(&path).tracks[0];
    assert_eq!(
        video.color_transfer.as_deref(),
        json["streams"][0]["color_transfer"]
            .as_str()
            .filter(|s| *s != "unknown")
    );
    assert_eq!(video.hdr, None);
}

/// Every descriptive tag ffmpeg writes reads back as ffprobe shows it, in
/// every container the worker sees audio in.
#[test]
fn audio_tags_match_ffprobe() {
    if !have_ffmpeg_and_ffprobe() {
        return;
    }
    let fx = Fixtures::new();
    let tags = [
        ("title", "Probe Me"),
        ("artist", "Someone"),
        ("album", "The Album"),
        ("album_artist", "Band"),
        ("track", "3/12"),
        ("date", "2024-05-01"),
        ("genre", "Jazz"),
        ("composer", "Comp"),
        ("comment", "Nice one"),
    ];
    for (name, codec) in [
        ("t.m4a", "aac"),
        ("t.mp4", "aac"),
        ("t.mov", "aac"),
        ("t.mkv", "flac"),
        ("t.webm", "libopus"),
        ("t.ogg", "libvorbis"),
        ("t.opus", "libopus"),
        ("t.flac", "flac"),
        ("t.mp3", "libmp3lame"),
        ("t.wav", "pcm_s16le"),
    ] {
        let mut args = lavfi("sine=duration=1");
        args.extend(["-c:a", codec].map(String::from));
        for (key, value) in tags {
            args.extend(["-metadata".to_owned(), format!("{key}={value}")]);
        }
        let path = fx.make(name, &args);
        let json = ffprobe_json(&path);
        let info = probe_path(&path);
        for (key, written) in tags {
            let theirs = ffprobe_tag(&json, key);
            assert_eq!(
                info.tags.get(key),
                theirs.as_ref(),
                "{name}: {key} (ffprobe: {})",
                json["format"]
            );
            // What a container cannot hold (WAV has no composer) is
            // absent from both; what it holds is what was written.
            if let Some(theirs) = theirs {
                assert_eq!(theirs, written, "{name}: {key}");
            }
        }
    }
}
