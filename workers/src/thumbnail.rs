//! The `thumbnail` job: several sizes and formats of one uploaded image.
//!
//! The engine renders on a blocking thread and hands each output over as
//! soon as it is encoded; this side counts it against the job's budgets and
//! stores it. Going over a budget, or the attempt's `stop`, ends the
//! rendering after the step in progress.

use crate::budget::WorkBudget;
use crate::{Handler, JobContext, JobError};
use async_trait::async_trait;
use chrono::Utc;
use kiln_core::blob::stream_of;
use kiln_core::{Bucket, FileRecord, JobRecord, output_id};
use kiln_imaging::{ImageLimits, ImagingError, RenderOptions, Rendered, probe, render_each};
use kiln_proto::{ImageFormat, ThumbnailParams};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_util::sync::CancellationToken;

/// Makes thumbnails with [`render_each`] and stores each as a file.
#[derive(Debug, Clone, Default)]
pub struct ThumbnailHandler {
    limits: ImageLimits,
    options: RenderOptions,
    budget: WorkBudget,
}

impl ThumbnailHandler {
    /// A handler enforcing `limits` and `budget`, encoding with `options`.
    pub fn new(limits: ImageLimits, options: RenderOptions, budget: WorkBudget) -> Self {
        ThumbnailHandler {
            limits,
            options,
            budget,
        }
    }
}

impl From<ImagingError> for JobError {
    fn from(e: ImagingError) -> Self {
        match e {
            ImagingError::Stopped => JobError::Retry(e.into()),
            other => JobError::Abort(other.into()),
        }
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
        stop: &CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError> {
        let (input, data) = crate::input::load(ctx, job, &self.limits).await?;
        let mut meter = self
            .budget
            .output_meter(ctx, input.owner.as_deref())
            .await?;
        // The whole decoded image at full size: shrink-on-load may need less,
        // never more (the header limits have bounded it already).
        let decoded = probe(&data)
            .map(|p| u64::from(p.width) * u64::from(p.height) * 4)
            .map_err(JobError::from)?
            .min(self.limits.max_decoded_bytes);
        let _decoding = tokio::select! {
            permit = self.budget.decode_permit(decoded) => permit,
            _ = stop.cancelled() => return Err(JobError::Retry(ImagingError::Stopped.into())),
        };
        let (limits, options) = (self.limits, self.options);
        let formats: Vec<_> = p.formats.iter().map(|f| engine_format(*f)).collect();
        let halt = Arc::new(AtomicBool::new(false));
        let _halt_on_drop = crate::raise_on_drop::RaiseOnDrop(halt.clone());
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Rendered>(1);
        let (flag, token) = (halt.clone(), stop.clone());
        // A decoder panic surfaces as a JoinError: this job fails for good and
        // the worker keeps serving (the runtime contains panics, too).
        // The job's span goes along, so what the engine logs names the job.
        let span = tracing::Span::current();
        let mut rendering = tokio::task::spawn_blocking(move || {
            let _in = span.enter();
            let should_stop = || flag.load(Ordering::Relaxed) || token.is_cancelled();
            render_each(
                &data,
                &p.sizes,
                &formats,
                &limits,
                &options,
                &should_stop,
                &mut |r| {
                    // The receiver is gone only when this side gave up.
                    tx.blocking_send(r).map_err(|_| ImagingError::Stopped)
                },
            )
        });

        let stem = input
            .filename
            .as_deref()
            .and_then(|n| std::path::Path::new(n).file_stem())
            .and_then(|s| s.to_str())
            .unwrap_or("image")
            .to_owned();
        let mut outputs = Vec::new();
        let mut failed = None;
        while let Some(r) = rx.recv().await {
            if let Err(e) = meter.add(r.bytes.len() as u64) {
                failed = Some(e);
                break;
            }
            match store(ctx, job, &input, &stem, r).await {
                Ok(f) => outputs.push(f),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if failed.is_some() {
            halt.store(true, Ordering::Relaxed);
            drop(rx);
        }
        let summary = (&mut rendering).await.map_err(|e| {
            JobError::Abort(format!("worker crashed decoding this input: {e}").into())
        })?;
        if let Some(e) = failed {
            // What was written is dropped with the job's other outputs: a
            // failed attempt leaves no files behind for anyone to count.
            for o in &outputs {
                let _ = ctx.blobs.delete(Bucket::Derived, &o.id).await;
            }
            return Err(e);
        }
        let summary = summary?;
        tracing::debug!(path = ?summary.path, bytes = meter.written(), "rendered");
        if let Some(why) = &summary.dc_fallback {
            tracing::info!(%why, file = %job.file_id, "DC-only JPEG decode gave up; decoded in full instead");
        }
        Ok(outputs)
    }
}

/// Stores one output and describes it.
async fn store(
    ctx: &JobContext,
    job: &JobRecord,
    input: &FileRecord,
    stem: &str,
    r: Rendered,
) -> Result<FileRecord, JobError> {
    let ext = r.format.as_str();
    let id = output_id(&job.id, &format!("{}.{ext}", r.size));
    let info = ctx
        .blobs
        .put(Bucket::Derived, &id, stream_of(r.bytes))
        .await?;
    Ok(FileRecord {
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
    })
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
