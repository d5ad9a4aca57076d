//! The `metadata` job: format, dimensions and embedded metadata (EXIF,
//! XMP, IPTC, ICC; see `kiln_metadata`) of an uploaded image;
//! container, duration and tracks of audio and video.

use crate::{Handler, JobContext, JobError};
use async_trait::async_trait;
use kiln_core::{FileRecord, JobRecord};
use kiln_imaging::{ImageLimits, ImagingError, format_name, probe, sniff};
use kiln_proto::MetadataParams;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

#[cfg(test)]
mod tests;

/// Extracts metadata from the header and embedded metadata, without
/// decoding pixels, and stores it with the file.
#[derive(Debug, Clone, Default)]
pub struct MetadataHandler {
    limits: ImageLimits,
}

impl MetadataHandler {
    /// A handler refusing inputs over `limits.max_input_bytes`.
    pub fn new(limits: ImageLimits) -> Self {
        MetadataHandler { limits }
    }
}

/// The metadata document of an image file. Absent facts are absent keys,
/// never empty strings.
///
/// Best-effort: when the image data is damaged or missing but the file's
/// metadata is readable (a camera file with its picture cut off), the
/// document has what could be read and says what could not in `warnings`.
/// A file with nothing readable at all is still an error.
pub fn extract(data: &[u8], options: &kiln_metadata::Options) -> Result<Value, ImagingError> {
    let mut embedded = kiln_metadata::extract(data, options);
    let probed = match probe(data) {
        Ok(p) => Some(p),
        Err(e @ ImagingError::Corrupt(_)) if embedded.has_facts() => {
            embedded.warnings.extend(kiln_metadata::text::clean_to(
                &format!("image data unreadable: {e}"),
                kiln_metadata::limits::MAX_WARNING_CHARS,
            ));
            None
        }
        Err(e) => return Err(e),
    };
    let mut doc = match serde_json::to_value(embedded) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if let Some(p) = probed {
        doc.insert("format".into(), json!(format_name(p.format)));
        doc.insert("width".into(), json!(p.width));
        doc.insert("height".into(), json!(p.height));
        let orientation = doc
            .get("exif")
            .and_then(|e| e.get("orientation"))
            .and_then(Value::as_u64);
        if let Some(o) = orientation {
            // Rotations by 90° swap what a viewer shows.
            let (w, h) = if (5..=8).contains(&o) {
                (p.height, p.width)
            } else {
                (p.width, p.height)
            };
            doc.insert("display_width".into(), json!(w));
            doc.insert("display_height".into(), json!(h));
        }
    } else if let Ok(f) = sniff(data) {
        doc.insert("format".into(), json!(format_name(f)));
    }
    Ok(Value::Object(doc))
}

#[async_trait]
impl Handler for MetadataHandler {
    type Job = MetadataParams;

    async fn handle(
        &self,
        ctx: &JobContext,
        job: &JobRecord,
        params: MetadataParams,
        _: &CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError> {
        let input = crate::input::record(ctx, job).await?;
        // Media is probed from a stream, never loaded whole like an image.
        if kiln_proto::is_audio_or_video(&input.content_type) {
            let mut doc = crate::media::media_metadata(ctx, &input).await?;
            if let Value::Object(m) = &mut doc {
                m.insert("content_type".into(), json!(input.content_type));
                m.insert("bytes".into(), json!(input.bytes));
            }
            ctx.store.put_metadata(&input.id, &doc).await?;
            return Ok(Vec::new());
        }
        let data = crate::input::read(ctx, &input, &self.limits).await?;
        let span = tracing::Span::current();
        let options = kiln_metadata::Options {
            serial_number: params.serial_number,
        };
        let mut doc =
            tokio::task::spawn_blocking(move || span.in_scope(|| extract(&data, &options)))
                .await
                .map_err(|e| {
                    JobError::Abort(format!("worker crashed reading this input: {e}").into())
                })?
                .map_err(|e| JobError::Abort(e.into()))?;
        if let Value::Object(m) = &mut doc {
            m.insert("content_type".into(), json!(input.content_type));
            m.insert("bytes".into(), json!(input.bytes));
        }
        ctx.store.put_metadata(&input.id, &doc).await?;
        Ok(Vec::new())
    }
}
