//! Any bytes through the metadata worker's image path: the image probe and
//! the EXIF reader (JPEG, PNG, WebP, TIFF containers).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = kiln_workers::extract_metadata(data) {
        // Whatever EXIF holds, what is stored stays small.
        if let Some(exif) = doc.get("exif").and_then(|e| e.as_object()) {
            for (k, v) in exif {
                if let Some(s) = v.as_str() {
                    assert!(
                        s.chars().count() <= 256,
                        "{k} is {} chars",
                        s.chars().count()
                    );
                    assert!(
                        !s.chars().any(char::is_control),
                        "{k} has control characters"
                    );
                }
            }
        }
    }
});
