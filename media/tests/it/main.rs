//! The media engine's integration tests, in one binary: one module per
//! area. `alone.rs` holds the memory test, which needs the process to itself.

mod common;

mod convert_damaged;
mod convert_failures;
mod convert_formats;
mod convert_metadata;
mod fuzz_regressions;
mod probe;
mod probe_camera;
mod probe_colour_tags;
mod probe_hostile;
