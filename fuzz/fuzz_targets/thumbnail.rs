//! Any bytes through the whole engine: probe, limits, decode, resize, encode.
#![no_main]

use kiln_imaging::{ImageLimits, RenderOptions, render_thumbnails};
use kiln_imaging::ImageFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast; the limit checks themselves are fuzzed.
    let limits = ImageLimits {
        max_pixels: 4_000_000,
        max_dimension: 4096,
        max_input_bytes: 1 << 20,
        max_decoded_bytes: 16 << 20,
        ..ImageLimits::default()
    };
    for preview in [false, true] {
        let opts = RenderOptions { embedded_preview: preview, ..RenderOptions::default() };
        let _ = render_thumbnails(data, &[64, 16], &[ImageFormat::Jpeg, ImageFormat::Png], &limits, &opts);
    }
});
