//! JPEG decoding at the smallest scale the requested thumbnails need.
//!
//! - Progressive files whose 1/8-, 1/4- or 1/2-scale image is large enough:
//!   only the DC scans and the coarse passes of the lowest AC bands are
//!   decoded ([`lowpass`]); the rest (most of the file) is skipped.
//! - Baseline files at 1/8 scale: the same decoder keeps each block's DC
//!   and steps over the rest ([`sequential`]).
//! - Everything else: libjpeg-turbo's scaled inverse DCT ([`turbo`]).

mod bits;
mod color;
pub mod header;
mod idct;
mod lowpass;
mod sequential;
mod tables;
mod turbo;

use crate::ImagingError;
use header::{Coding, Header};
use image::RgbImage;

/// Which decoder produced the image, for metrics and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JpegPath {
    /// DC coefficients only (1/8 scale) of a progressive file.
    DcOnly,
    /// A progressive file's DC and lowest AC coefficients, coarse passes
    /// only, at 2/8 or 4/8 scale.
    LowFrequency {
        /// The scale in eighths: 2 or 4.
        eighths: u8,
    },
    /// A baseline file's DC coefficients (1/8 scale), every AC code stepped
    /// over: libjpeg-turbo's 1/8 decode, faster.
    BaselineDc,
    /// libjpeg-turbo at M/8 scale.
    Scaled {
        /// M, the scale in eighths.
        eighths: u8,
    },
}

/// A decoded JPEG.
#[derive(Debug, Clone)]
pub struct DecodedJpeg {
    /// Pixels, as stored (EXIF orientation not yet applied).
    pub image: RgbImage,
    /// How it was decoded.
    pub path: JpegPath,
    /// Why the low-frequency path was tried and given up, if it was: the
    /// output is right but slower, and operators should hear of files that
    /// do this.
    pub dc_fallback: Option<ImagingError>,
}

/// Decodes `data` so that its longer edge is at least `need` pixels (or the
/// full size, when smaller), and 1.5 × `need` unless the low-frequency path
/// serves.
pub fn decode(data: &[u8], need: u32) -> Result<DecodedJpeg, ImagingError> {
    decode_parsed(data, &header::parse(data)?, need)
}

/// [`decode`], for a caller that has parsed the header already.
pub fn decode_parsed(data: &[u8], h: &Header<'_>, need: u32) -> Result<DecodedJpeg, ImagingError> {
    let long = h.width.max(h.height);
    // libjpeg-turbo's scaled IDCT costs little more at a larger scale (the
    // entropy decoding dominates), so leave Lanczos3 at least 1.5× to reduce:
    // a reduction of 1.2× from a box-filtered image measurably aliases
    // (benches/README.md, quality). The progressive low-frequency path's
    // speed is worth its rarer small margins, and its reduction is no box
    // filter; a baseline file keeps the margin, as its decode is exact, and
    // only 1/8 scale is faster than libjpeg-turbo.
    let want = need.saturating_mul(3).div_ceil(2).min(long);
    let progressive = h.coding == Coding::Progressive;
    let target = if progressive { need.min(long) } else { want };
    // The smallest reduced scale whose image is large enough.
    let eighths = [1u32, 2, 4]
        .into_iter()
        .find(|&n| (long * n).div_ceil(8) >= target);
    let mut dc_fallback = None;
    if let Some(n) = eighths
        && (progressive || (h.coding == Coding::Baseline && n == 1))
        && h.precision == 8
        && matches!(h.components.len(), 1 | 3)
    {
        // Any surprise here falls back to libjpeg-turbo, which is more
        // forgiving of damaged files and decides what is corrupt.
        let n = n as usize;
        match lowpass::decode(data, h, n).and_then(|p| color::to_rgb(&p, h, n)) {
            Ok(image) => {
                let path = match n {
                    _ if !progressive => JpegPath::BaselineDc,
                    1 => JpegPath::DcOnly,
                    _ => JpegPath::LowFrequency { eighths: n as u8 },
                };
                return Ok(DecodedJpeg {
                    image,
                    path,
                    dc_fallback: None,
                });
            }
            Err(e) => dc_fallback = Some(e),
        }
    }
    let (image, f) = turbo::decode(data, want, h.adobe_transform.is_some())?;
    Ok(DecodedJpeg {
        image,
        path: JpegPath::Scaled {
            eighths: (f.num() * 8 / f.denom()) as u8,
        },
        dc_fallback,
    })
}
