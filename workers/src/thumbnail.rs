//! The `thumbnail` job: several sizes and formats of one uploaded image.

use crate::{Handler, JobContext, JobError};
use async_trait::async_trait;
use chrono::Utc;
use kiln_core::blob::stream_of;
use kiln_core::{Bucket, FileRecord, JobRecord, output_id};
use kiln_imaging::{ImageLimits, ImagingError, RenderOptions, render_thumbnails};
use kiln_proto::{Role, ThumbnailParams};

/// Largest thumbnail edge a client may ask for.
pub const MAX_EDGE: u32 = 8192;

/// Makes thumbnails with [`render_thumbnails`] and stores each as a file.
#[derive(Debug, Clone, Default)]
pub struct ThumbnailHandler {
    limits: ImageLimits,
    options: RenderOptions,
}

impl ThumbnailHandler {
    /// A handler enforcing `limits`, encoding with `options`.
    pub fn new(limits: ImageLimits, options: RenderOptions) -> Self {
        ThumbnailHandler { limits, options }
    }
}

impl From<ImagingError> for JobError {
    fn from(e: ImagingError) -> Self {
        JobError::Abort(e.to_string())
    }
}

fn params(job: &JobRecord) -> Result<ThumbnailParams, JobError> {
    let p: ThumbnailParams = serde_json::from_value(job.params.clone())
        .map_err(|e| JobError::Abort(format!("invalid thumbnail parameters: {e}")))?;
    if p.sizes.is_empty() || p.formats.is_empty() {
        return Err(JobError::Abort(
            "thumbnail job needs at least one size and one format".into(),
        ));
    }
    if let Some(bad) = p.sizes.iter().find(|s| **s == 0 || **s > MAX_EDGE) {
        return Err(JobError::Abort(format!(
            "thumbnail size {bad} is outside 1..={MAX_EDGE}"
        )));
    }
    Ok(p)
}

#[async_trait]
impl Handler for ThumbnailHandler {
    fn role(&self) -> Role {
        Role::Thumbnail
    }

    async fn handle(&self, ctx: &JobContext, job: &JobRecord) -> Result<Vec<FileRecord>, JobError> {
        let p = params(job)?;
        let (input, data) = crate::input::load(ctx, job, &self.limits).await?;
        let (limits, options) = (self.limits, self.options);
        // A decoder panic surfaces as a JoinError: this job fails for good and
        // the worker keeps serving (the runtime contains panics, too).
        let rendering = tokio::task::spawn_blocking(move || {
            render_thumbnails(&data, &p.sizes, &p.formats, &limits, &options)
        })
        .await
        .map_err(|e| JobError::Abort(format!("worker crashed decoding this input: {e}")))??;
        tracing::debug!(path = ?rendering.path, "decoded");
        if let Some(why) = &rendering.dc_fallback {
            tracing::info!(%why, file = %job.file_id, "DC-only JPEG decode gave up; decoded in full instead");
        }

        let stem = input
            .filename
            .as_deref()
            .and_then(|n| std::path::Path::new(n).file_stem())
            .and_then(|s| s.to_str())
            .unwrap_or("image")
            .to_owned();
        let mut outputs = Vec::with_capacity(rendering.outputs.len());
        for r in rendering.outputs {
            let ext = r.format.as_str();
            let id = output_id(&job.id, &format!("{}.{ext}", r.size));
            let info = ctx
                .blobs
                .put(Bucket::Derived, &id, stream_of(r.bytes))
                .await?;
            outputs.push(FileRecord {
                id,
                owner: input.owner.clone(),
                filename: Some(format!("{stem}-{}.{ext}", r.size)),
                content_type: r.format.mime().to_owned(),
                bytes: info.bytes,
                sha256: info.sha256,
                parent_id: Some(input.id.clone()),
                job_id: Some(job.id.clone()),
                width: Some(r.width),
                height: Some(r.height),
                created_at: Utc::now(),
            });
        }
        Ok(outputs)
    }
}
