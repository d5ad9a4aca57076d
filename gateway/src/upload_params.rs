//! Which work an upload asks for: `thumbnails`, `formats`, `metadata`.

use crate::{ApiError, GatewayConfig};
use kiln_proto::ImageFormat;

/// Largest thumbnail edge a client may ask for.
const MAX_EDGE: u32 = 8192;

/// Parameters as given, from the query string or form fields.
#[derive(Debug, Default, Clone)]
pub struct RawParams {
    thumbnails: Option<String>,
    formats: Option<String>,
    metadata: Option<String>,
}

/// The work to schedule for an upload.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkRequest {
    /// Thumbnail edge sizes; empty means no thumbnail job.
    pub sizes: Vec<u32>,
    /// Thumbnail formats.
    pub formats: Vec<ImageFormat>,
    /// Whether to extract metadata.
    pub metadata: bool,
}

impl RawParams {
    /// Records a parameter; returns false for names that are not parameters.
    pub fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "thumbnails" => &mut self.thumbnails,
            "formats" => &mut self.formats,
            "metadata" => &mut self.metadata,
            _ => return false,
        };
        *slot = Some(value);
        true
    }

    /// Validates against the defaults, naming the offending parameter.
    pub fn resolve(&self, cfg: &GatewayConfig) -> Result<WorkRequest, ApiError> {
        let sizes = match self.thumbnails.as_deref().map(str::trim) {
            None => cfg.default_sizes.clone(),
            Some("" | "none" | "false") => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|s| match s.trim().parse::<u32>() {
                    Ok(n) if (1..=MAX_EDGE).contains(&n) => Ok(n),
                    _ => Err(ApiError::invalid(format!(
                        "thumbnails: {s:?} is not a size; give comma-separated edge lengths from 1 to {MAX_EDGE}"
                    ))),
                })
                .collect::<Result<_, _>>()?,
        };
        let formats = match self.formats.as_deref().map(str::trim) {
            None | Some("") => cfg.default_formats.clone(),
            Some(list) => list
                .split(',')
                .map(|s| {
                    s.parse::<ImageFormat>()
                        .map_err(|e| ApiError::invalid(format!("formats: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let metadata = match self
            .metadata
            .as_deref()
            .map(|s| s.trim().to_ascii_lowercase())
        {
            None => true,
            Some(v) if ["true", "1", "yes", "on"].contains(&v.as_str()) => true,
            Some(v) if ["false", "0", "no", "off"].contains(&v.as_str()) => false,
            Some(v) => {
                return Err(ApiError::invalid(format!(
                    "metadata: {v:?} is not true or false"
                )));
            }
        };
        let mut formats_dedup = Vec::new();
        for f in formats {
            if !formats_dedup.contains(&f) {
                formats_dedup.push(f);
            }
        }
        Ok(WorkRequest {
            sizes,
            formats: formats_dedup,
            metadata,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(pairs: &[(&str, &str)]) -> Result<WorkRequest, ApiError> {
        let mut p = RawParams::default();
        for (k, v) in pairs {
            assert!(p.set(k, v.to_string()));
        }
        p.resolve(&GatewayConfig::default())
    }

    #[test]
    fn defaults_and_overrides() {
        let d = resolve(&[]).expect("defaults");
        assert_eq!(
            (d.sizes, d.formats, d.metadata),
            (vec![256, 1024], vec![ImageFormat::Jpeg], true)
        );
        let w = resolve(&[
            ("thumbnails", "64, 128"),
            ("formats", "webp,png,webp"),
            ("metadata", "no"),
        ])
        .expect("ok");
        assert_eq!(
            (w.sizes, w.formats, w.metadata),
            (
                vec![64, 128],
                vec![ImageFormat::Webp, ImageFormat::Png],
                false
            )
        );
        assert!(
            resolve(&[("thumbnails", "none")])
                .expect("ok")
                .sizes
                .is_empty()
        );
    }

    #[test]
    fn bad_values_name_the_parameter() {
        for (k, v) in [
            ("thumbnails", "0"),
            ("thumbnails", "big"),
            ("thumbnails", "99999"),
            ("formats", "gif"),
            ("metadata", "maybe"),
        ] {
            let e = resolve(&[(k, v)]).expect_err(v);
            assert_eq!(e.code, "invalid_parameter");
            assert!(e.message.starts_with(k), "{}", e.message);
        }
    }
}
