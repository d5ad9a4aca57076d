//! Layouts built to hurt: cut, looping or oversized structures, and
//! parser messages that quote the file. Each ends with warnings, never a
//! panic or a large allocation.

#![allow(clippy::unwrap_used)]

use super::{segment, xmp_segment};
use crate::{Options, extract};

#[test]
fn hostile_layouts_end_with_warnings_not_panics() {
    let mut cases: Vec<Vec<u8>> = vec![
        vec![0xFF, 0xD8],
        [
            vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF],
            b"Exif\0\0II*\0".to_vec(),
        ]
        .concat(),
        [b"\x89PNG\r\n\x1a\n".as_slice(), &[0xFF; 8]].concat(),
        b"RIFF\0\0\0\0WEBPEXIF\xff\xff\xff\xff".to_vec(),
        b"GIF89a\x01\0\x01\0\xf7\0\0".to_vec(),
        b"II*\0\xff\xff\xff\xff".to_vec(),
    ];
    // A JPEG of nothing but 5,000 empty APP segments.
    cases.push([vec![0xFF, 0xD8], segment(0xE5, &[]).repeat(5000)].concat());
    for c in cases {
        let _ = extract(
            &c,
            &Options {
                serial_number: true,
            },
        );
    }
    let many = [vec![0xFF, 0xD8], segment(0xE5, &[]).repeat(5000)].concat();
    assert!(
        extract(&many, &Options::default())
            .warnings
            .iter()
            .any(|w| w.contains("segments"))
    );
}

#[test]
fn entries_that_all_point_at_one_big_value_are_refused_not_copied() {
    // 5,000 entries, each an UNDEFINED value of 60,000 bytes at the same
    // offset: 300 MB if every value were copied.
    let n = 5000u16;
    let blob_at = 8 + 2 + 12 * usize::from(n) + 4;
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    t.extend_from_slice(&n.to_le_bytes());
    for i in 0..n {
        t.extend_from_slice(&(0x9000 + i).to_le_bytes());
        t.extend_from_slice(&7u16.to_le_bytes());
        t.extend_from_slice(&60_000u32.to_le_bytes());
        t.extend_from_slice(&(blob_at as u32).to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    t.resize(blob_at + 60_000, 0x41);
    let e = extract(&t, &Options::default());
    assert!(e.exif.is_none());
    assert!(
        e.warnings.iter().any(|w| w.contains("refer to more than")),
        "{:?}",
        e.warnings
    );
}

#[test]
fn a_parser_message_quoting_the_file_is_capped_and_cleaned() {
    // quick-xml's error names the mismatched tags, which the file chose.
    let long = "T".repeat(5000);
    let xml = format!("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><a{long}>\u{1b}[2J</b{long}>");
    let jpeg = [vec![0xFF, 0xD8], xmp_segment(&xml), segment(0xDA, &[0; 8])].concat();
    let e = extract(&jpeg, &Options::default());
    assert!(!e.warnings.is_empty());
    for w in &e.warnings {
        assert!(
            w.chars().count() <= crate::limits::MAX_WARNING_CHARS,
            "{} chars",
            w.len()
        );
        assert!(!w.chars().any(char::is_control));
    }
}
