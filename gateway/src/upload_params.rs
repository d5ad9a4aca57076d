//! Which work an upload asks for: `thumbnails`, `formats`, `metadata`,
//! `convert` (with `bitrate` or `quality`), and in which lane (`priority`).

use crate::{ApiError, GatewayConfig};
use kiln_proto::{
    AudioFormat, ConvertParams, ImageFormat, JobSpec, MAX_EDGE, Priority, is_audio_or_video,
};

/// Parameters as given, from the query string or form fields.
#[derive(Debug, Default, Clone)]
pub struct RawParams {
    thumbnails: Option<String>,
    formats: Option<String>,
    metadata: Option<String>,
    serial_number: Option<String>,
    convert: Option<String>,
    bitrate: Option<String>,
    quality: Option<String>,
    notify: Option<String>,
    dedupe: Option<String>,
    priority: Option<String>,
    /// Whether the caller has an account (an email address to write to).
    signed_in: bool,
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
    /// Whether the metadata may include the camera's serial number.
    pub serial_number: bool,
    /// Whether the client named thumbnail sizes (rather than taking the
    /// defaults, which only apply to images).
    pub sizes_explicit: bool,
    /// An audio conversion, if asked for.
    pub convert: Option<ConvertParams>,
    /// `notify=email` (`Some(true)`), `notify=none` (`Some(false)`), or the
    /// account's preference (`None`).
    pub notify: Option<bool>,
    /// Answer the caller's existing file with the same bytes, if any
    /// (`dedupe`, default true), rather than storing a second copy.
    pub dedupe: bool,
    /// The jobs' lane (`priority`, default interactive).
    pub priority: Priority,
}

impl WorkRequest {
    /// The work that fits content of type `mime`: default thumbnails are
    /// dropped for audio and video; asking explicitly for work that cannot
    /// apply is an error naming the parameter (answered 415). (Other types
    /// keep default thumbnails: a text file named `.jpg` then gets a job
    /// that says why it is not a picture.)
    pub fn fit_to(mut self, mime: &str) -> Result<WorkRequest, String> {
        let media = is_audio_or_video(mime);
        if media && !self.sizes.is_empty() {
            if self.sizes_explicit {
                return Err(format!("thumbnails: the upload is {mime}, not an image"));
            }
            self.sizes.clear();
        }
        if self.convert.is_some() && (mime.starts_with("image/") || mime.starts_with("text/")) {
            return Err(format!("convert: the upload is {mime}, not audio or video"));
        }
        Ok(self)
    }
}

/// A yes/no parameter, `true` when absent.
fn switch(name: &str, value: Option<&str>) -> Result<bool, ApiError> {
    match value.map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(true),
        Some(v) if ["true", "1", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["false", "0", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(ApiError::invalid(format!(
            "{name}: {:?} is not true or false",
            kiln_proto::api::excerpt(&v)
        ))),
    }
}

impl RawParams {
    /// Parameters of a caller with (`true`) or without an account.
    pub fn for_caller(signed_in: bool) -> Self {
        RawParams {
            signed_in,
            ..RawParams::default()
        }
    }

    /// Records a parameter; returns false for names that are not parameters.
    pub fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "thumbnails" => &mut self.thumbnails,
            "formats" => &mut self.formats,
            "metadata" => &mut self.metadata,
            "serial_number" => &mut self.serial_number,
            "convert" => &mut self.convert,
            "bitrate" => &mut self.bitrate,
            "quality" => &mut self.quality,
            "notify" => &mut self.notify,
            "dedupe" => &mut self.dedupe,
            "priority" => &mut self.priority,
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
                        "thumbnails: {:?} is not a size; give comma-separated edge lengths from 1 to {MAX_EDGE}",
                        kiln_proto::api::excerpt(s)
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let sizes = dedup_in_order(sizes);
        if sizes.len() > cfg.max_thumbnail_sizes {
            return Err(ApiError::invalid(format!(
                "thumbnails: {} sizes asked for; at most {} per upload",
                sizes.len(),
                cfg.max_thumbnail_sizes
            )));
        }
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
        let metadata = switch("metadata", self.metadata.as_deref())?;
        // Off unless asked for, unlike the other switches.
        let serial_number =
            self.serial_number.is_some() && switch("serial_number", self.serial_number.as_deref())?;
        let dedupe = switch("dedupe", self.dedupe.as_deref())?;
        let priority = match self.priority.as_deref().map(str::trim) {
            None | Some("") => Priority::default(),
            Some(p) => p.parse().map_err(|_| {
                ApiError::invalid(format!(
                    "priority: {:?} is not interactive or bulk",
                    kiln_proto::api::excerpt(p)
                ))
            })?,
        };
        let convert = self.resolve_convert()?;
        let notify = match self
            .notify
            .as_deref()
            .map(|v| v.trim().to_ascii_lowercase())
        {
            None => None,
            Some(v) if v == "email" && self.signed_in => Some(true),
            Some(v) if v == "email" => {
                return Err(ApiError::invalid(
                    "notify: email needs accounts (KILN_AUTH=on); there is nobody to write to",
                ));
            }
            Some(v) if ["none", "off", "false", ""].contains(&v.as_str()) => Some(false),
            Some(v) => {
                return Err(ApiError::invalid(format!(
                    "notify: {:?} is not email or none",
                    kiln_proto::api::excerpt(&v)
                )));
            }
        };
        Ok(WorkRequest {
            sizes,
            formats: dedup_in_order(formats),
            metadata,
            serial_number,
            sizes_explicit: self.thumbnails.is_some(),
            convert,
            notify,
            dedupe,
            priority,
        })
    }

    fn resolve_convert(&self) -> Result<Option<ConvertParams>, ApiError> {
        let number = |name: &str, v: &str| {
            v.trim().parse::<u32>().map_err(|_| {
                ApiError::invalid(format!(
                    "{name}: {:?} is not a whole number",
                    kiln_proto::api::excerpt(v)
                ))
            })
        };
        let bitrate_kbps = self
            .bitrate
            .as_deref()
            .map(|v| number("bitrate", v))
            .transpose()?;
        let quality = match self.quality.as_deref() {
            None => None,
            Some(v) => Some(u8::try_from(number("quality", v)?).map_err(|_| {
                ApiError::invalid(format!("quality: {v} is outside 0 (best) to 9 (smallest)"))
            })?),
        };
        let format = match self.convert.as_deref().map(str::trim) {
            None | Some("" | "none") => {
                if bitrate_kbps.is_some() || quality.is_some() {
                    let name = if bitrate_kbps.is_some() {
                        "bitrate"
                    } else {
                        "quality"
                    };
                    return Err(ApiError::invalid(format!(
                        "{name}: only applies with convert=mp3"
                    )));
                }
                return Ok(None);
            }
            Some(f) => f
                .parse::<AudioFormat>()
                .map_err(|e| ApiError::invalid(format!("convert: {e}")))?,
        };
        let params = ConvertParams {
            format,
            bitrate_kbps,
            quality,
        };
        params.validate().map_err(|e| ApiError::invalid(e.0))?;
        Ok(Some(params))
    }
}

/// `items` without repeats, first occurrences kept in order.
fn dedup_in_order<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
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
    fn conversions() {
        let c = resolve(&[("convert", "MP3"), ("bitrate", "192")]).expect("ok");
        assert_eq!(c.convert.expect("convert").bitrate_kbps, Some(192));
        let c = resolve(&[("convert", "mp3")]).expect("ok");
        assert_eq!(
            c.convert.as_ref().map(|p| (p.bitrate_kbps, p.quality)),
            Some((None, None))
        );
        // Default thumbnails are for images only; asked-for ones on audio are an error.
        let fitted = c.clone().fit_to("audio/mpeg").expect("fits");
        assert!(fitted.sizes.is_empty() && fitted.convert.is_some());
        assert!(
            c.clone()
                .fit_to("image/png")
                .expect_err("image")
                .starts_with("convert")
        );
        let t = resolve(&[("thumbnails", "64")]).expect("ok");
        assert!(
            t.fit_to("video/mp4")
                .expect_err("video")
                .starts_with("thumbnails")
        );
        for (k, v) in [
            ("bitrate", "100"),
            ("bitrate", "fast"),
            ("quality", "10"),
            ("quality", "300"),
        ] {
            let e = resolve(&[("convert", "mp3"), (k, v)]).expect_err(v);
            assert!(e.message.starts_with(k), "{}", e.message);
        }
        let both = resolve(&[("convert", "mp3"), ("bitrate", "128"), ("quality", "2")]);
        assert!(both.expect_err("both").message.contains("not both"));
    }

    #[test]
    fn bad_values_name_the_parameter() {
        for (k, v) in [
            ("thumbnails", "0"),
            ("thumbnails", "big"),
            ("thumbnails", "99999"),
            ("thumbnails", "1,2,3,4,5,6,7,8,9"),
            ("formats", "gif"),
            ("metadata", "maybe"),
            ("convert", "flac"),
            ("bitrate", "128"),
            ("quality", "2"),
            ("notify", "pigeon"),
        ] {
            let e = resolve(&[(k, v)]).expect_err(v);
            assert_eq!(e.code.as_str(), "invalid_parameter");
            assert!(e.message.starts_with(k), "{}", e.message);
        }
    }
}
