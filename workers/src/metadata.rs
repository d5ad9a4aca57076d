//! The `metadata` job: format, dimensions and EXIF of an uploaded image;
//! container, duration and tracks of audio and video.

use crate::{Handler, JobContext, JobError};
use async_trait::async_trait;
use kiln_core::{FileRecord, JobRecord};
use kiln_imaging::{ImageLimits, ImagingError, format_name, probe};
use kiln_proto::MetadataParams;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

mod exif_fields;
#[cfg(test)]
mod tests;
pub(crate) mod text;

/// Extracts metadata from the header and EXIF, without decoding pixels, and
/// stores it with the file.
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
pub fn extract(data: &[u8]) -> Result<Value, ImagingError> {
    let p = probe(data)?;
    let mut doc = Map::new();
    doc.insert("format".into(), json!(format_name(p.format)));
    doc.insert("width".into(), json!(p.width));
    doc.insert("height".into(), json!(p.height));
    if let Some(exif) = exif_fields::read(data) {
        if let Some(o) = exif.get("orientation").and_then(Value::as_u64) {
            // Rotations by 90° swap what a viewer shows.
            let swap = (5..=8).contains(&o);
            let (w, h) = if swap {
                (p.height, p.width)
            } else {
                (p.width, p.height)
            };
            doc.insert("display_width".into(), json!(w));
            doc.insert("display_height".into(), json!(h));
        }
        doc.insert("exif".into(), Value::Object(exif));
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
        _: MetadataParams,
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
        let mut doc = tokio::task::spawn_blocking(move || span.in_scope(|| extract(&data)))
            .await
            .map_err(|e| JobError::Abort(format!("worker crashed reading this input: {e}").into()))?
            .map_err(|e| JobError::Abort(e.into()))?;
        if let Value::Object(m) = &mut doc {
            m.insert("content_type".into(), json!(input.content_type));
            m.insert("bytes".into(), json!(input.bytes));
        }
        ctx.store.put_metadata(&input.id, &doc).await?;
        Ok(Vec::new())
    }
}
