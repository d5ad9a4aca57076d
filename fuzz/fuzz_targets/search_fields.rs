//! Any metadata document (the metadata worker writes it from a file's own
//! bytes): the searchable fields taken from it must never panic and must be
//! sane enough to index (coordinates on Earth, durations finite).
#![no_main]

use kiln_core::SearchFields;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let f = SearchFields::from_metadata(&doc);
    if let Some(lat) = f.latitude {
        assert!((-90.0..=90.0).contains(&lat));
        assert!(f.longitude.is_some_and(|lon| (-180.0..=180.0).contains(&lon)));
    }
    if let Some(d) = f.duration_secs {
        assert!(d.is_finite() && d >= 0.0);
    }
});
