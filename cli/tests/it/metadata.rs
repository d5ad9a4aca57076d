//! The metadata a person sees through `GET /v1/files/{id}/metadata`, over
//! real HTTP on port 0: damaged camera files, and the serial-number opt-in.

#![allow(clippy::unwrap_used)]

use crate::common::{TestApp, jpeg_with_exif};
use exif::{Field, In, Tag, Value};
use kiln_proto::Role;
use kiln_workers::Outcome;

fn ascii(tag: Tag, s: &str) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![s.as_bytes().to_vec()]),
    }
}

/// A camera JPEG cut right after its EXIF segment: no frame, no scan.
fn camera_file_without_its_picture() -> Vec<u8> {
    let full = jpeg_with_exif(
        64,
        48,
        &[
            ascii(Tag::Make, "Canon"),
            ascii(Tag::Model, "Canon EOS R5"),
            ascii(Tag::BodySerialNumber, "012345678901"),
        ],
    );
    let app1 = usize::from(u16::from_be_bytes([full[4], full[5]]));
    let mut cut = full[..4 + app1].to_vec();
    cut.extend_from_slice(&[0xFF, 0xD9]);
    cut
}

#[tokio::test]
async fn a_camera_file_without_its_picture_keeps_its_exif_and_the_serial_is_opt_in() {
    let t = TestApp::spawn().await;
    let bytes = camera_file_without_its_picture();
    for (query, serial) in [
        ("dedupe=false", None),
        ("dedupe=false&serial_number=true", Some("012345678901")),
    ] {
        let (code, up) = t.upload_raw(bytes.clone(), "IMG_0001.JPG", query).await;
        assert_eq!(code, 202, "{up}");
        // The thumbnail cannot be made: there is no picture.
        assert!(matches!(
            t.run_one(Role::Thumbnail).await,
            Outcome::Dead { .. }
        ));
        // The metadata is still read, and says what it could not read.
        assert!(matches!(
            t.run_one(Role::Metadata).await,
            Outcome::Succeeded { .. }
        ));
        let id = up["file_id"].as_str().unwrap();
        let (code, meta) = t.get_json(&format!("/v1/files/{id}/metadata")).await;
        assert_eq!(code, 200);
        assert_eq!(meta["exif"]["make"], "Canon", "{meta}");
        assert_eq!(meta["exif"]["model"], "Canon EOS R5");
        assert_eq!(meta["format"], "jpeg");
        assert!(
            meta.get("width").is_none(),
            "no size without a frame: {meta}"
        );
        let warnings = meta["warnings"].as_array().unwrap();
        assert!(
            warnings
                .iter()
                .any(|w| w.as_str().unwrap().contains("image data unreadable")),
            "{meta}"
        );
        assert_eq!(meta["exif"]["serial_number"].as_str(), serial, "{query}");
    }
    // A bad switch is named.
    let (code, err) = t.upload_raw(bytes, "x.jpg", "serial_number=maybe").await;
    assert_eq!(code, 422);
    assert!(err.to_string().contains("serial_number"), "{err}");
}
