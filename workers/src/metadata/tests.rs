//! The metadata document of hostile images: huge or control-laden EXIF
//! strings, and every input the fuzzer kept (`tests/fuzz-regressions/`).

#![allow(clippy::unwrap_used)]

use kiln_metadata::text::MAX_CHARS;

fn extract(data: &[u8]) -> Result<serde_json::Value, kiln_imaging::ImagingError> {
    super::extract(data, &kiln_metadata::Options::default())
}

/// An EXIF APP1 segment whose IFD0 holds one ASCII `Make` (tag 0x010F).
fn exif_app1(make: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\x00\x08\x00\x00\x00".to_vec();
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x010Fu16.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes()); // ASCII
    tiff.extend_from_slice(&(make.len() as u32 + 1).to_le_bytes());
    tiff.extend_from_slice(&26u32.to_le_bytes()); // value right after the IFD
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    tiff.extend_from_slice(make);
    tiff.push(0);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&(u16::try_from(2 + 6 + tiff.len()).unwrap()).to_be_bytes());
    seg.extend_from_slice(b"Exif\x00\x00");
    seg.extend_from_slice(&tiff);
    seg
}

/// A JPEG's header up to its frame: SOI, the EXIF segment, SOF0 (16×8, one
/// component), EOI. The metadata job reads headers only.
fn jpeg_with_make(make: &[u8]) -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend(exif_app1(make));
    jpeg.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
    ]);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

#[test]
fn a_65_kb_make_is_stored_capped() {
    let make = "Canon".repeat(13_000); // 65,000 bytes, the most APP1 holds
    let doc = extract(&jpeg_with_make(make.as_bytes())).unwrap();
    let stored = doc["exif"]["make"].as_str().unwrap();
    assert_eq!(stored.chars().count(), MAX_CHARS);
    assert!(make.starts_with(stored));
    assert_eq!(doc["width"], 16);
}

#[test]
fn control_characters_never_reach_the_document() {
    let doc = extract(&jpeg_with_make(b"\x1b[2JEvil\x07 Cam\x00era\x7f")).unwrap();
    // A NUL ends an EXIF ASCII string (TIFF 6.0): what follows it is not
    // part of the make.
    assert_eq!(doc["exif"]["make"], "[2JEvil Cam");
    // Nothing left once cleaned is no value, not an empty one.
    let doc = extract(&jpeg_with_make(b"\x01\x02 \x03")).unwrap();
    assert!(doc.get("exif").is_none(), "{doc}");
}

/// Every file the fuzzer kept for the metadata extractor, plus hand-made
/// hostile headers: each is a clean error or a document, never a panic,
/// with every string capped.
#[test]
fn fuzz_regressions_replay_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let name = path.display();
        let result = std::panic::catch_unwind(|| extract(&data));
        let Ok(result) = result else {
            panic!("{name} panicked");
        };
        if let Ok(doc) = result {
            for k in [
                "title",
                "description",
                "date_created",
                "comment",
                "icc_profile",
            ] {
                if let Some(s) = doc[k].as_str() {
                    assert!(!s.chars().any(char::is_control), "{name}: {k}");
                }
            }
            for (k, v) in doc["exif"].as_object().into_iter().flatten() {
                if let Some(s) = v.as_str() {
                    assert!(s.chars().count() <= MAX_CHARS, "{name}: {k}");
                    assert!(!s.chars().any(char::is_control), "{name}: {k}");
                }
            }
            // Warnings quote parsers, which may quote the file.
            for w in doc["warnings"].as_array().into_iter().flatten() {
                let w = w.as_str().unwrap();
                let cap = kiln_metadata::limits::MAX_WARNING_CHARS;
                assert!(
                    w.chars().count() <= cap,
                    "{name}: a warning of {} chars",
                    w.len()
                );
                assert!(!w.chars().any(char::is_control), "{name}: {w}");
            }
        }
        seen += 1;
    }
    assert!(
        seen >= 3,
        "the regression folder {} is missing",
        dir.display()
    );
}

#[test]
fn a_camera_file_without_its_picture_still_gives_its_exif() {
    // EXIF intact, frame header and scan cut off (exiftool: "Missing JPEG
    // SOS"): the document has the camera and says what is missing.
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend(exif_app1(b"Canon"));
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    let doc = extract(&jpeg).unwrap();
    assert_eq!(doc["exif"]["make"], "Canon");
    assert_eq!(doc["format"], "jpeg");
    let warnings = doc["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("image data unreadable")),
        "{doc}"
    );
    // Nothing readable at all stays an error, as a thumbnail job's would.
    assert!(extract(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
}
