//! Any bytes through the metadata worker's image path: the image probe and
//! the embedded-metadata reader (JPEG/MPO segments, TIFF and raw IFDs,
//! MakerNotes, XMP, IPTC, ICC, PNG/WebP/GIF blocks), serial numbers on so
//! the MakerNote serial readers run too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Every string in the document is cleaned and capped, however deep.
fn check(key: &str, v: &Value) {
    match v {
        Value::String(s) => {
            let cap = match key {
                "description" | "comment" => 2000,
                "warnings" => 300,
                _ => 256,
            };
            assert!(s.chars().count() <= cap, "{key} is {} chars", s.chars().count());
            assert!(!s.chars().any(char::is_control), "{key} has control characters");
        }
        Value::Array(a) => a.iter().for_each(|x| check(key, x)),
        Value::Object(m) => m.iter().for_each(|(k, x)| check(k, x)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let options = kiln_metadata::Options { serial_number: true };
    if let Ok(doc) = kiln_workers::extract_metadata(data, &options) {
        check("", &doc);
        let lat = doc.pointer("/exif/gps/latitude").and_then(Value::as_f64);
        assert!(lat.is_none_or(|l| l.abs() <= 90.0), "latitude {lat:?}");
    }
});
