//! Any values for the search parameters of `GET /v1/files`: parsing them
//! must never panic, and what it accepts must be a query a store can run
//! (coordinates in range, ranges the right way round, no NaN).
#![no_main]

use kiln_gateway::library::list::parse;
use kiln_proto::api::FileListQuery;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 20] = [
    "type", "q", "album", "uploaded_after", "uploaded_before", "camera_make", "camera_model",
    "lens", "taken_after", "taken_before", "has_gps", "bbox", "orientation", "min_width",
    "min_height", "min_duration", "max_duration", "sort", "limit", "cursor",
];

fuzz_target!(|input: Vec<(u8, String)>| {
    let map: serde_json::Map<String, serde_json::Value> = input
        .into_iter()
        .map(|(k, v)| (NAMES[k as usize % NAMES.len()].to_owned(), v.into()))
        .collect();
    let Ok(q) = serde_json::from_value::<FileListQuery>(map.into()) else {
        return;
    };
    if let Ok(q) = parse(q, Some("owner".into())) {
        if let Some([min_lon, min_lat, max_lon, max_lat]) = q.bbox {
            assert!((-90.0..=90.0).contains(&min_lat) && min_lat <= max_lat);
            assert!((-180.0..=180.0).contains(&min_lon) && (-180.0..=180.0).contains(&max_lon));
        }
        for d in [q.min_duration, q.max_duration].into_iter().flatten() {
            assert!(d.is_finite() && d >= 0.0);
        }
        if let (Some(a), Some(b)) = (q.min_duration, q.max_duration) {
            assert!(a <= b);
        }
    }
});
