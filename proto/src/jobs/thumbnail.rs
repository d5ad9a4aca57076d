//! The `thumbnail` job: several sizes and formats of one image.

use super::{InvalidParams, JobSpec};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Largest thumbnail edge a client may ask for.
pub const MAX_EDGE: u32 = 8192;

/// Most sizes one thumbnail job may carry, whatever a gateway allows
/// (its own limit, 8 by default, is lower): a message over it is refused by
/// the worker before any work.
pub const MAX_SIZES: usize = 32;

/// Output encodings the thumbnailer can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// Baseline JPEG (no alpha; composited on white).
    Jpeg,
    /// Lossy WebP, alpha preserved.
    Webp,
    /// PNG, alpha preserved.
    Png,
    /// AVIF (AV1), alpha preserved; smallest files, slowest to encode.
    Avif,
}

impl ImageFormat {
    /// All formats, in the order they are listed to clients.
    pub const ALL: [ImageFormat; 4] = [
        ImageFormat::Jpeg,
        ImageFormat::Webp,
        ImageFormat::Png,
        ImageFormat::Avif,
    ];

    /// Wire name and file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Webp => "webp",
            ImageFormat::Png => "png",
            ImageFormat::Avif => "avif",
        }
    }

    /// The MIME type of files in this format.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Png => "image/png",
            ImageFormat::Avif => "image/avif",
        }
    }
}

impl std::str::FromStr for ImageFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => Ok(ImageFormat::Jpeg),
            "webp" => Ok(ImageFormat::Webp),
            "png" => Ok(ImageFormat::Png),
            "avif" => Ok(ImageFormat::Avif),
            other => Err(format!(
                "unknown format {:?}; expected jpeg, webp, png or avif",
                crate::api::excerpt(other)
            )),
        }
    }
}

/// Parameters of a [`JobKind::Thumbnail`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThumbnailParams {
    /// Target lengths of the longer edge, in pixels. Never upscaled.
    pub sizes: Vec<u32>,
    /// Encodings to write for every size.
    pub formats: Vec<ImageFormat>,
}

impl JobSpec for ThumbnailParams {
    const NAME: &'static str = "thumbnail";
    const TIME_LIMIT: Duration = Duration::from_secs(300);
    const NOUN: &'static str = "thumbnails";

    fn validate(&self) -> Result<(), InvalidParams> {
        if self.sizes.is_empty() || self.formats.is_empty() {
            return Err(InvalidParams(
                "thumbnails: a thumbnail job needs at least one size and one format".into(),
            ));
        }
        if self.sizes.len() > MAX_SIZES || self.formats.len() > ImageFormat::ALL.len() {
            return Err(InvalidParams(format!(
                "thumbnails: {} sizes in {} formats; at most {MAX_SIZES} sizes in {} formats",
                self.sizes.len(),
                self.formats.len(),
                ImageFormat::ALL.len()
            )));
        }
        match self.sizes.iter().find(|s| **s == 0 || **s > MAX_EDGE) {
            Some(bad) => Err(InvalidParams(format!(
                "thumbnails: size {bad} is outside 1..={MAX_EDGE}"
            ))),
            None => Ok(()),
        }
    }
}
