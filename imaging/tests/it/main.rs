//! The image engine's integration tests, in one binary: one module per area.

mod colour_and_orientation;
mod formats;
mod fuzz_regressions;
mod jpeg_paths;
mod limits;
