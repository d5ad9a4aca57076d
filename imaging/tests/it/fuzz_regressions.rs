//! Replays every input kept in `tests/fuzz-regressions/` (crashers the fuzz
//! targets found, and hand-made header lies) through the same calls as the
//! `jpeg_dc` and `thumbnail` targets: a clean error or a result, never a
//! panic.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use kiln_imaging::{ImageFormat, ImageLimits, RenderOptions, jpeg, render_thumbnails};

#[test]
fn regression_inputs_fail_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    // The fuzz target's limits, so a header lie cannot make this test slow.
    let limits = ImageLimits {
        max_pixels: 4_000_000,
        max_dimension: 4096,
        max_input_bytes: 1 << 20,
        max_decoded_bytes: 16 << 20,
        ..ImageLimits::default()
    };
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let replay = std::panic::catch_unwind(|| {
            if let Ok(h) = jpeg::header::parse(&data)
                && u64::from(h.width) * u64::from(h.height) <= 4_000_000
            {
                let long = h.width.max(h.height);
                for need in [8, long.div_ceil(4), long.div_ceil(2)] {
                    let _ = jpeg::decode(&data, need);
                }
            }
            render_thumbnails(
                &data,
                &[64],
                &[ImageFormat::Jpeg],
                &limits,
                &RenderOptions::default(),
            )
            .map(|_| ())
        });
        match replay {
            Ok(Ok(())) => {}
            Ok(Err(e)) => assert!(!e.to_string().is_empty(), "{}", path.display()),
            Err(_) => panic!("{} panicked", path.display()),
        }
        seen += 1;
    }
    assert!(
        seen >= 5,
        "regression inputs missing from {}",
        dir.display()
    );
}
