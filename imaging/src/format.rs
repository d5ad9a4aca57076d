//! The encodings the engine writes.
//!
//! The same four as the job contract's `kiln_proto::ImageFormat`, declared
//! here again on purpose: the engine depends on nothing in the workspace,
//! so benchmarks, fuzzing and other programs can use it alone; the
//! thumbnail worker maps one to the other.

/// An output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// All formats.
    pub const ALL: [ImageFormat; 4] = [
        ImageFormat::Jpeg,
        ImageFormat::Webp,
        ImageFormat::Png,
        ImageFormat::Avif,
    ];

    /// Lowercase name and file extension.
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
        let s = s.trim().to_ascii_lowercase();
        let s = if s == "jpg" { "jpeg" } else { s.as_str() };
        ImageFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown format {s:?}; expected jpeg, webp, png or avif"))
    }
}
