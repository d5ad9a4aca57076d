//! Safety limits, checked against the header before any pixel is decoded.

use crate::{ImagingError, Probe};
use serde::{Deserialize, Serialize};

/// Limits checked from the header, before any pixel is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImageLimits {
    /// Largest width × height accepted (default 50 MP).
    pub max_pixels: u64,
    /// Largest width or height accepted (default 30,000).
    pub max_dimension: u32,
    /// Largest input file accepted, in bytes (default 200 MiB).
    pub max_input_bytes: u64,
    /// Most frames an animation may have (default 1,000).
    pub max_frames: u32,
    /// Largest decoded image, in bytes, before any pixel is decoded: width ×
    /// height × bytes per pixel (default 512 MiB).
    pub max_decoded_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_pixels: 50_000_000,
            max_dimension: 30_000,
            max_input_bytes: 200 * 1024 * 1024,
            max_frames: 1000,
            max_decoded_bytes: 512 * 1024 * 1024,
        }
    }
}

impl ImageLimits {
    /// Bytes the decoder may allocate: the decoded image plus slack for
    /// decoder state.
    pub fn decode_budget(&self) -> u64 {
        self.max_decoded_bytes.saturating_add(64 * 1024 * 1024)
    }
}

/// Checks a probe against the limits; the error names the numbers.
pub fn check_limits(p: &Probe, limits: &ImageLimits) -> Result<(), ImagingError> {
    let pixels = p.width as u64 * p.height as u64;
    if p.width == 0 || p.height == 0 {
        return Err(ImagingError::Corrupt(format!(
            "image has no pixels ({}x{})",
            p.width, p.height
        )));
    }
    if pixels > limits.max_pixels {
        return Err(ImagingError::OverLimit(format!(
            "image is {}x{} = {:.1} MP; the limit is {:.1} MP",
            p.width,
            p.height,
            pixels as f64 / 1e6,
            limits.max_pixels as f64 / 1e6
        )));
    }
    if p.width > limits.max_dimension || p.height > limits.max_dimension {
        return Err(ImagingError::OverLimit(format!(
            "image is {}x{}; the largest dimension allowed is {}",
            p.width, p.height, limits.max_dimension
        )));
    }
    if p.frames > limits.max_frames {
        return Err(ImagingError::OverLimit(format!(
            "image has {} frames; the limit is {}",
            p.frames, limits.max_frames
        )));
    }
    let bytes = pixels.saturating_mul(p.bytes_per_pixel as u64);
    if bytes > limits.max_decoded_bytes {
        return Err(ImagingError::OverLimit(format!(
            "decoding {}x{} at {} bytes per pixel takes {:.0} MiB; the limit is {:.0} MiB",
            p.width,
            p.height,
            p.bytes_per_pixel,
            bytes as f64 / 1048576.0,
            limits.max_decoded_bytes as f64 / 1048576.0
        )));
    }
    Ok(())
}
