//! Kiln's image engine: probing, limits, decoding, resizing and encoding,
//! free of any I/O so it can run on the blocking pool, be benchmarked and be
//! fuzzed on its own.

mod decode;
mod encode;
mod format;
mod frames;
mod icc;
pub mod jpeg;
mod limits;
mod preview;
mod probe;
mod render;

pub use decode::{DecodePath, Source, decode_for};
pub use encode::encode;
pub use format::ImageFormat;
pub use limits::{ImageLimits, check_limits};
pub use probe::{Probe, SUPPORTED, format_name, probe, sniff};
pub use render::{
    RenderOptions, RenderSummary, Rendered, Rendering, render_each, render_thumbnails, target_size,
};

/// Why an image could not be processed. Every variant but
/// [`ImagingError::Stopped`] is permanent: a property of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImagingError {
    /// Not an image format Kiln reads.
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// Over a configured limit; the message carries the numbers.
    #[error("over limit: {0}")]
    OverLimit(String),
    /// The data is damaged or truncated.
    #[error("corrupt image: {0}")]
    Corrupt(String),
    /// The caller asked the rendering to stop (time limit, deleted input,
    /// shutdown, a budget): says nothing about the image.
    #[error("stopped before it finished")]
    Stopped,
}
