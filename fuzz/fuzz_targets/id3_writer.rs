//! Arbitrary tag strings through the ID3v2.3 writer: it must never panic and
//! must write a tag whose sizes describe exactly what follows them.
#![no_main]

use kiln_media::fuzzing::{TAG_NAMES, id3_tag};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|tags: Vec<(u8, String)>| {
    let named: Vec<(&str, &str)> = tags
        .iter()
        .map(|(n, v)| (TAG_NAMES[usize::from(*n) % TAG_NAMES.len()], v.as_str()))
        .collect();
    let tag = id3_tag(&named);
    if tag.is_empty() {
        return;
    }
    assert_eq!(&tag[..6], b"ID3\x03\x00\x00", "header");
    let size = tag[6..10].iter().fold(0usize, |acc, &b| {
        assert!(b < 0x80, "size bytes are syncsafe");
        (acc << 7) | usize::from(b)
    });
    assert_eq!(
        size,
        tag.len() - 10,
        "the tag size is what follows the header"
    );
    // The frames tile the body exactly: a reader walking them by their sizes
    // ends at the end of the tag, having seen only frames we write.
    let mut at = 10;
    while at < tag.len() {
        assert!(at + 10 <= tag.len(), "frame header cut off");
        let id = &tag[at..at + 4];
        assert!(
            [
                b"TIT2", b"TPE1", b"TALB", b"TPE2", b"TRCK", b"TYER", b"TCON", b"TCOM", b"COMM"
            ]
            .iter()
            .any(|k| k.as_slice() == id),
            "unexpected frame {id:?}"
        );
        let len = u32::from_be_bytes([tag[at + 4], tag[at + 5], tag[at + 6], tag[at + 7]]) as usize;
        let body = &tag[at + 10..at + 10 + len];
        assert!(matches!(body.first(), Some(0 | 1)), "encoding byte");
        if body[0] == 1 {
            let text = if id == b"COMM" {
                &body[8..]
            } else {
                &body[1..]
            };
            assert_eq!(&text[..2], [0xFF, 0xFE], "UTF-16 text has its BOM");
            assert_eq!(text.len() % 2, 0, "UTF-16 text is whole code units");
        } else {
            assert!(body.is_ascii(), "encoding 0 is only used for ASCII");
        }
        at += 10 + len;
    }
    assert_eq!(at, tag.len());
});
