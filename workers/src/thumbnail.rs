//! The `thumbnail` job: several sizes and formats of one uploaded image.

use crate::{Handler, JobContext, JobError};
use async_trait::async_trait;
use chrono::Utc;
use kiln_core::blob::stream_of;
use kiln_core::{Bucket, FileRecord, JobRecord, output_id};
use kiln_imaging::{ImageLimits, ImagingError, RenderOptions, render_thumbnails};
use kiln_proto::{ImageFormat, ThumbnailParams};

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
        JobError::Abort(e.into())
    }
}

#[async_trait]
impl Handler for ThumbnailHandler {
    type Job = ThumbnailParams;

    async fn handle(
        &self,
        ctx: &JobContext,
        job: &JobRecord,
        p: ThumbnailParams,
    ) -> Result<Vec<FileRecord>, JobError> {
        let (input, data) = crate::input::load(ctx, job, &self.limits).await?;
        let (limits, options) = (self.limits, self.options);
        let formats: Vec<_> = p.formats.iter().map(|f| engine_format(*f)).collect();
        // A decoder panic surfaces as a JoinError: this job fails for good and
        // the worker keeps serving (the runtime contains panics, too).
        let rendering = tokio::task::spawn_blocking(move || {
            render_thumbnails(&data, &p.sizes, &formats, &limits, &options)
        })
        .await
        .map_err(|e| {
            JobError::Abort(format!("worker crashed decoding this input: {e}").into())
        })??;
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

/// The engine's name for a format the job asked for (the engine keeps its
/// own enum so that it depends on nothing in the workspace).
fn engine_format(f: ImageFormat) -> kiln_imaging::ImageFormat {
    match f {
        ImageFormat::Jpeg => kiln_imaging::ImageFormat::Jpeg,
        ImageFormat::Webp => kiln_imaging::ImageFormat::Webp,
        ImageFormat::Png => kiln_imaging::ImageFormat::Png,
        ImageFormat::Avif => kiln_imaging::ImageFormat::Avif,
    }
}
