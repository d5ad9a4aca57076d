#![allow(clippy::unwrap_used)]
//! Location and camera metadata from hostile or damaged files: a malformed
//! `©xyz` string, boxes cut short or lying about their sizes. No location
//! comes out of them, and nothing panics.

use crate::common;

use std::io::Cursor;

use common::{Fixtures, have_ffmpeg, lavfi};
use kiln_media::{Hint, MediaInfo, fuzzing, probe};

fn boxed(kind: &[u8], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// Probes in-memory bytes; `Ok(None)` for a clean error, a panic is a bug.
fn probe_bytes(data: Vec<u8>, ext: &str) -> Option<MediaInfo> {
    let side = fuzzing::sidecar(&data);
    assert!(side.is_ok(), "side readers failed: {side:?}");
    let hint = Hint::new().with_extension(ext);
    match probe(Box::new(Cursor::new(data)), &hint) {
        Ok(info) => Some(info),
        Err(e) => {
            assert!(e.is_permanent(), "retryable error from memory: {e}");
            None
        }
    }
}

/// A QuickTime file whose `©xyz` says something other than a position.
#[test]
fn malformed_xyz_is_no_location() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let good = "+48.8584+002.2945/";
    let mut args = lavfi("testsrc=size=64x48:rate=5");
    args.extend(
        [
            "-t",
            "1",
            "-c:v",
            "mpeg4",
            "-metadata",
            &format!("location={good}"),
        ]
        .map(String::from),
    );
    let original = std::fs::read(fx.make("xyz.mov", &args)).unwrap();
    let at = original
        .windows(good.len())
        .position(|w| w == good.as_bytes())
        .unwrap();
    let info = probe_bytes(original.clone(), "mov").unwrap();
    assert!(info.location.is_some(), "{info:?}");
    for bad in [
        "+98.8584+002.2945/",
        "+48.8584+202.2945/",
        "-48.8584-182.2945/",
        "+48.85x4+002.2945/",
        "+48.8584+002.2945+",
        "NaN0.000+inf0.000/",
        "++8.8584+002.2945/",
        "+48.8584/002.2945/",
        "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        "+4.8584e10+02.294/",
    ] {
        assert_eq!(bad.len(), good.len());
        let mut data = original.clone();
        data[at..at + bad.len()].copy_from_slice(bad.as_bytes());
        let info = probe_bytes(data, "mov").unwrap();
        assert_eq!(info.location, None, "{bad:?}");
    }
    // The string's 16-bit length claims more than the atom holds.
    let mut data = original.clone();
    data[at - 4..at - 2].copy_from_slice(&[0xFF, 0xFF]);
    let _ = probe_bytes(data, "mov");
    // Cut anywhere in the movie header: clean answers only.
    let moov = original.windows(4).rposition(|w| w == b"moov").unwrap() - 4;
    for cut in (moov..original.len()).step_by(7) {
        if let Some(info) = probe_bytes(original[..cut].to_vec(), "mov") {
            assert!(
                info.location
                    .is_none_or(|l| (l.latitude - 48.8584).abs() < 1e-9),
                "cut at {cut}: {info:?}"
            );
        }
    }
}

/// A hand-made movie header whose metadata boxes lie in every way: a
/// string longer than its atom, a `loci` cut short, a `keys` box claiming
/// 4 billion keys, `ilst` items naming keys that do not exist, a `meta`
/// box smaller than its header, and an ISO 6709 key 10 KB long.
#[test]
fn lying_metadata_boxes() {
    let mut keys = vec![0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
    keys.extend_from_slice(&44u32.to_be_bytes());
    keys.extend_from_slice(b"mdta");
    keys.extend_from_slice(b"com.apple.quicktime.location.ISO6709");
    keys.extend_from_slice(&0u32.to_be_bytes());
    let mut long = vec![0, 0, 0, 1, 0, 0, 0, 0];
    long.extend_from_slice(b"+48.8584+002.2945");
    long.extend(std::iter::repeat_n(b'0', 10_000));
    long.push(b'/');
    let ilst = [
        boxed(&1u32.to_be_bytes(), &boxed(b"data", &long)),
        boxed(&0u32.to_be_bytes(), &boxed(b"data", b"\0\0\0\x01\0\0\0\0x")),
        boxed(&u32::MAX.to_be_bytes(), &boxed(b"data", b"\0\0\0\x01")),
        boxed(&7u32.to_be_bytes(), b""),
    ]
    .concat();
    let mut hdlr = vec![0u8; 8];
    hdlr.extend_from_slice(b"mdta");
    let meta = boxed(
        b"meta",
        &[
            boxed(b"hdlr", &hdlr),
            boxed(b"keys", &keys),
            boxed(b"ilst", &ilst),
        ]
        .concat(),
    );
    let udta = boxed(
        b"udta",
        &[
            boxed(b"\xa9xyz", &[0x7F, 0xFF, 0x15, 0xC7, b'+', b'4']),
            boxed(b"\xa9mak", &[0, 0]),
            boxed(b"loci", &[0, 0, 0, 0, 0x15, 0xC7, b'P', b'a']),
        ]
        .concat(),
    );
    let smaller_than_header = boxed(b"udta", &[0, 0, 0, 4, b'm', b'e', b't', b'a']);
    let mut mvhd = vec![0u8; 100];
    mvhd[15] = 1; // timescale 1
    let moov = boxed(
        b"moov",
        &[boxed(b"mvhd", &mvhd), udta, smaller_than_header, meta].concat(),
    );
    let file = [boxed(b"ftyp", b"qt  \0\0\0\0qt  "), moov].concat();
    let side = fuzzing::sidecar(&file).unwrap();
    assert!(side.contains("location: None"), "{side}");
    assert!(side.contains("make: None"), "{side}");
    if let Some(info) = probe_bytes(file.clone(), "mov") {
        assert_eq!(info.location, None);
    }
    // And cut at every length.
    for cut in 0..file.len() {
        let side = fuzzing::sidecar(&file[..cut]).unwrap();
        assert!(side.contains("location: None"), "cut at {cut}: {side}");
        let _ = probe_bytes(file[..cut].to_vec(), "mov");
    }
}
