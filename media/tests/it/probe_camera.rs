#![allow(clippy::unwrap_used)]
//! What people search phone and camera videos by (location, make and
//! model, when, rotation) agrees with ffprobe on files ffmpeg makes, in the
//! places phones put them.

use crate::common;

use std::path::{Path, PathBuf};

use common::{
    Fixtures, ffprobe_json, ffprobe_tag, have_ffmpeg_and_ffprobe, iso6709, lavfi, probe_path,
};
use kiln_media::MediaInfo;

/// One second of 64x48 H.264 at 5 fps, plus `extra` arguments.
fn clip(fx: &Fixtures, name: &str, extra: &[&str]) -> PathBuf {
    let mut args = lavfi("testsrc=size=64x48:rate=5");
    args.extend(
        ["-t", "1", "-c:v", "libx264", "-preset", "ultrafast"]
            .iter()
            .chain(extra)
            .map(|s| s.to_string()),
    );
    fx.make(name, &args)
}

/// Asserts our location is the one ffprobe shows as `tag`, to 1e-4 degrees
/// (ffmpeg prints a 3GPP `loci` box to 4 decimals).
fn assert_location(info: &MediaInfo, json: &serde_json::Value, tag: &str) {
    let shown = ffprobe_tag(json, tag).unwrap_or_else(|| panic!("ffprobe has no {tag}: {json}"));
    let (lat, lon, alt) = iso6709(&shown);
    let ours = info
        .location
        .unwrap_or_else(|| panic!("no location: {info:?}"));
    assert!(
        (ours.latitude - lat).abs() < 1e-4 && (ours.longitude - lon).abs() < 1e-4,
        "{ours:?} vs ffprobe {shown}"
    );
    match (ours.altitude_m, alt) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-3, "{ours:?} vs ffprobe {shown}"),
        (a, b) => assert_eq!(a, b, "altitude: {ours:?} vs ffprobe {shown}"),
    }
}

fn utc(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .to_utc()
}

/// Android phones and ffmpeg's MOV muxer: `udta/©xyz`, `©mak`, `©mod`,
/// `©swr` (ffprobe: location, make, model, encoder).
#[test]
fn quicktime_user_data() {
    if !have_ffmpeg_and_ffprobe() {
        return;
    }
    let fx = Fixtures::new();
    for (name, location) in [
        ("android.mov", "-33.8568+151.2153/"),
        ("alt.mov", "+48.8584+002.2945+035.000/"),
    ] {
        let path = clip(
            &fx,
            name,
            &[
                "-metadata",
                &format!("location={location}"),
                "-metadata",
                "make=Google",
                "-metadata",
                "model=Pixel 8",
            ],
        );
        let info = probe_path(&path);
        let json = ffprobe_json(&path);
        assert_location(&info, &json, "location");
        assert_eq!(info.make, ffprobe_tag(&json, "make"), "{name}");
        assert_eq!(info.model, ffprobe_tag(&json, "model"), "{name}");
        assert_eq!(info.make.as_deref(), Some("Google"));
        assert_eq!(info.software, ffprobe_tag(&json, "encoder"), "{name}");
    }
}

/// ffmpeg's MP4 muxer writes the location as a 3GPP `loci` box.
#[test]
fn mp4_loci() {
    if !have_ffmpeg_and_ffprobe() {
        return;
    }
    let fx = Fixtures::new();
    for (name, location) in [
        ("paris.mp4", "+48.8584+002.2945+035.000/"),
        ("nyc.mp4", "+40.6892-074.0445/"),
    ] {
        let path = clip(&fx, name, &["-metadata", &format!("location={location}")]);
        assert_location(&probe_path(&path), &ffprobe_json(&path), "location");
    }
}

/// The `meta` keys iPhones and Android's camera write, here as ffmpeg
/// writes them (`-movflags use_metadata_tags`, in `udta/meta`).
#[test]
fn metadata_keys() {
    if !have_ffmpeg_and_ffprobe() {
        return;
    }
    let fx = Fixtures::new();
    let iphone = clip(
        &fx,
        "iphone.mov",
        &[
            "-movflags",
            "use_metadata_tags",
            "-metadata",
            "com.apple.quicktime.location.ISO6709=+35.6586+139.7454+012.500/",
            "-metadata",
            "com.apple.quicktime.make=Apple",
            "-metadata",
            "com.apple.quicktime.model=iPhone 15 Pro",
            "-metadata",
            "com.apple.quicktime.software=17.4.1",
            "-metadata",
            "com.apple.quicktime.creationdate=2024-05-17T14:03:22+0200",
            "-metadata",
            "creation_time=2024-05-17T12:03:30Z",
        ],
    );
    let info = probe_path(&iphone);
    let json = ffprobe_json(&iphone);
    assert_location(&info, &json, "com.apple.quicktime.location.ISO6709");
    assert_eq!(info.make, ffprobe_tag(&json, "com.apple.quicktime.make"));
    assert_eq!(info.model, ffprobe_tag(&json, "com.apple.quicktime.model"));
    assert_eq!(info.model.as_deref(), Some("iPhone 15 Pro"));
    assert_eq!(
        info.software,
        ffprobe_tag(&json, "com.apple.quicktime.software")
    );
    // The local creation date wins over `mvhd` (ffprobe's creation_time).
    let local = ffprobe_tag(&json, "com.apple.quicktime.creationdate").unwrap();
    assert_eq!(utc(info.creation_time.as_deref().unwrap()), utc(&local));
    assert_eq!(info.creation_time.as_deref(), Some("2024-05-17T12:03:22Z"));
    assert_eq!(info.creation_time_offset.as_deref(), Some("+02:00"));

    let android = clip(
        &fx,
        "android.mp4",
        &[
            "-movflags",
            "use_metadata_tags",
            "-metadata",
            "com.android.manufacturer=samsung",
            "-metadata",
            "com.android.model=SM-S918B",
        ],
    );
    let info = probe_path(&android);
    let json = ffprobe_json(&android);
    assert_eq!(info.make, ffprobe_tag(&json, "com.android.manufacturer"));
    assert_eq!(info.model, ffprobe_tag(&json, "com.android.model"));
    assert_eq!(info.model.as_deref(), Some("SM-S918B"));
    assert_eq!(info.location, None);
}

/// Appends a QuickTime `meta` box (`hdlr mdta`, `keys`, `ilst`) to `moov`,
/// which ffmpeg leaves last in the file, where iPhones put it.
fn append_moov_meta(path: &Path, entries: &[(&str, &str)]) {
    fn boxed(kind: &[u8], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }
    let mut hdlr = vec![0u8; 8];
    hdlr.extend_from_slice(b"mdta");
    hdlr.extend_from_slice(&[0; 13]);
    let mut keys = vec![0, 0, 0, 0];
    keys.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    let mut ilst = Vec::new();
    for (i, (key, value)) in entries.iter().enumerate() {
        keys.extend_from_slice(&(key.len() as u32 + 8).to_be_bytes());
        keys.extend_from_slice(b"mdta");
        keys.extend_from_slice(key.as_bytes());
        let mut data = vec![0, 0, 0, 1, 0, 0, 0, 0];
        data.extend_from_slice(value.as_bytes());
        ilst.extend(boxed(&(i as u32 + 1).to_be_bytes(), &boxed(b"data", &data)));
    }
    let meta = boxed(
        b"meta",
        &[
            boxed(b"hdlr", &hdlr),
            boxed(b"keys", &keys),
            boxed(b"ilst", &ilst),
        ]
        .concat(),
    );
    let mut file = std::fs::read(path).unwrap();
    let moov = file.windows(4).rposition(|w| w == b"moov").unwrap() - 4;
    let size = u32::from_be_bytes(file[moov..moov + 4].try_into().unwrap());
    assert_eq!(moov + size as usize, file.len(), "moov is not last");
    file[moov..moov + 4].copy_from_slice(&(size + meta.len() as u32).to_be_bytes());
    file.extend(meta);
    std::fs::write(path, file).unwrap();
}

/// An iPhone's `moov/meta` keys, including the local creation date.
#[test]
fn iphone_moov_meta() {
    if !have_ffmpeg_and_ffprobe() {
        return;
    }
    let fx = Fixtures::new();
    let path = clip(&fx, "IMG_0001.MOV", &["-f", "mov"]);
    append_moov_meta(
        &path,
        &[
            ("com.apple.quicktime.make", "Apple"),
            ("com.apple.quicktime.model", "iPhone 12"),
            (
                "com.apple.quicktime.location.ISO6709",
                "+51.5007-000.1246+012.345/",
            ),
            (
                "com.apple.quicktime.creationdate",
                "2021-12-24T18:30:00-0500",
            ),
        ],
    );
    let info = probe_path(&path);
    let json = ffprobe_json(&path);
    assert_location(&info, &json, "com.apple.quicktime.location.ISO6709");
    assert_eq!(info.make, ffprobe_tag(&json, "com.apple.quicktime.make"));
    assert_eq!(info.model.as_deref(), Some("iPhone 12"));
    assert_eq!(info.model, ffprobe_tag(&json, "com.apple.quicktime.model"));
    assert_eq!(info.creation_time.as_deref(), Some("2021-12-24T23:30:00Z"));
    assert_eq!(info.creation_time_offset.as_deref(), Some("-05:00"));
}

/// Rotation from the `tkhd` matrix, against ffprobe's Display Matrix
/// (counter-clockwise degrees; ours are clockwise).
#[test]
fn rotation() {
    if !have_ffmpeg_and_ffprobe() {
        return;
    }
    let fx = Fixtures::new();
    let base = clip(&fx, "base.mp4", &[]);
    let info = probe_path(&base);
    assert_eq!(info.tracks[0].rotation_deg, None);
    assert_eq!(
        (info.tracks[0].display_width, info.tracks[0].display_height),
        (Some(64), Some(48))
    );
    for (rotate, ext) in [("90", "mp4"), ("180", "mov"), ("270", "mp4")] {
        let path = fx.make(
            &format!("rot{rotate}.{ext}"),
            &[
                "-i",
                base.to_str().unwrap(),
                "-c",
                "copy",
                "-metadata:s:v:0",
                &format!("rotate={rotate}"),
            ]
            .map(String::from),
        );
        let json = ffprobe_json(&path);
        let ffprobe_ccw = json["streams"][0]["side_data_list"]
            .as_array()
            .and_then(|l| l.iter().find_map(|s| s["rotation"].as_f64()))
            .unwrap_or_else(|| panic!("no display matrix: {json}"));
        let expected = (-ffprobe_ccw.round() as i32).rem_euclid(360) as u16;
        let video = &probe_path(&path).tracks[0];
        assert_eq!(video.rotation_deg, Some(expected), "rotate={rotate}");
        let turned = expected % 180 == 90;
        let (w, h) = if turned { (48, 64) } else { (64, 48) };
        assert_eq!(
            (video.display_width, video.display_height),
            (Some(w), Some(h)),
            "rotate={rotate}"
        );
    }
}

/// `creation_time`: MP4/MOV `mvhd`, Matroska/WebM `DateUTC`.
#[test]
fn creation_time() {
    if !have_ffmpeg_and_ffprobe() {
        return;
    }
    let fx = Fixtures::new();
    for name in ["when.mp4", "when.mov", "when.mkv"] {
        let path = clip(
            &fx,
            name,
            &["-metadata", "creation_time=2023-01-02T03:04:05Z"],
        );
        let info = probe_path(&path);
        let json = ffprobe_json(&path);
        let theirs = ffprobe_tag(&json, "creation_time").unwrap();
        assert_eq!(
            utc(info.creation_time.as_deref().unwrap()),
            utc(&theirs),
            "{name}"
        );
        assert_eq!(info.creation_time_offset, None, "{name}");
    }
}
