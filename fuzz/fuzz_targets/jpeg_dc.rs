//! Any bytes through Kiln's own JPEG code: header parsing, the
//! low-frequency progressive decoder at 1/8, 1/4 and 1/2 scale and the
//! baseline DC decoder at 1/8 (with libjpeg-turbo as their fallback).
#![no_main]

use kiln_imaging::jpeg;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = jpeg::header::parse(data) {
        // Header dimensions are attacker-chosen: keep the decode bounded.
        if (h.width as u64) * (h.height as u64) <= 4_000_000 {
            let long = h.width.max(h.height);
            for need in [8, long.div_ceil(4), long.div_ceil(2)] {
                let _ = jpeg::decode(data, need);
            }
        }
    }
});
