//! The `convert` job: an audio or video upload to an MP3 file.
//!
//! Bytes stream from the blob store into the decoder on a blocking thread
//! ([`super::BlobReader`]), the encoder writes to a scratch file, and the finished
//! file streams into the blob store. Memory does not grow with the length of
//! the media.

use super::{MediaSettings, open_input};
use crate::{Handler, JobContext, JobError};
use async_trait::async_trait;
use chrono::Utc;
use futures::StreamExt;
use kiln_core::{Bucket, FileRecord, JobRecord, output_id};
use kiln_media::{MediaError, Mp3Options, convert_to_mp3};
use kiln_proto::ConvertParams;
use std::io::{Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Converts audio and video uploads to MP3 with [`convert_to_mp3`].
#[derive(Debug, Clone, Default)]
pub struct ConvertHandler {
    settings: MediaSettings,
}

impl ConvertHandler {
    /// A handler with these limits and scratch space.
    pub fn new(settings: MediaSettings) -> Self {
        ConvertHandler { settings }
    }
}

impl From<MediaError> for JobError {
    fn from(e: MediaError) -> Self {
        if e.is_permanent() {
            JobError::Abort(e.into())
        } else {
            JobError::Retry(e.into())
        }
    }
}

#[async_trait]
impl Handler for ConvertHandler {
    type Job = ConvertParams;

    async fn handle(
        &self,
        ctx: &JobContext,
        job: &JobRecord,
        p: ConvertParams,
        stop: &CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError> {
        let opts = Mp3Options {
            bitrate_kbps: p.bitrate_kbps,
            vbr_quality: p.quality,
        };
        let input = ctx
            .store
            .get_file(&job.file_id)
            .await?
            .ok_or_else(|| JobError::Abort("input file no longer exists".into()))?;
        let max = self.settings.max_input_bytes;
        if input.bytes > max {
            return Err(JobError::Abort(
                format!(
                    "over limit: input is {} bytes; the limit is {max} bytes",
                    input.bytes
                )
                .into(),
            ));
        }
        let scratch = match &self.settings.scratch_dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        }
        .map_err(|e| JobError::Retry(format!("no scratch space for the output: {e}").into()))?;

        let (reader, hint) = open_input(ctx, &input);
        let limits = self.settings.limits.clone();
        let cancel = Arc::new(AtomicBool::new(false));
        let _guard = crate::raise_on_drop::RaiseOnDrop(cancel.clone());
        let flag = cancel.clone();
        // The job's span goes along, so what the decoders log names the job.
        let span = tracing::Span::current();
        let mut task = tokio::task::spawn_blocking(move || {
            let _in = span.enter();
            let mut out = scratch;
            let report = convert_to_mp3(Box::new(reader), &hint, &mut out, &opts, &limits, &flag);
            (out, report)
        });
        let limit = Duration::from_secs(self.settings.timeout_secs);
        let finished = tokio::select! {
            r = tokio::time::timeout(limit, &mut task) => r,
            _ = stop.cancelled() => {
                // The encoder checks the flag between packets: wait for it to
                // let go, so no conversion overlaps the next attempt.
                cancel.store(true, Ordering::Relaxed);
                let _ = task.await;
                return Err(JobError::Retry(MediaError::Cancelled.into()));
            }
        };
        let (mut out, report) = match finished {
            Ok(Ok((out, report))) => (out, report?),
            Ok(Err(join)) => {
                return Err(JobError::Abort(
                    format!("worker crashed converting this input: {join}").into(),
                ));
            }
            Err(_) => {
                cancel.store(true, Ordering::Relaxed);
                let _ = task.await;
                return Err(JobError::Abort(
                    format!(
                        "conversion took longer than the limit of {} s",
                        limit.as_secs()
                    )
                    .into(),
                ));
            }
        };
        tracing::info!(
            file = %input.id,
            seconds = report.output_duration_secs,
            codec = %report.codec,
            container = %report.container,
            bytes = report.bytes_written,
            "converted"
        );

        out.seek(SeekFrom::Start(0))
            .map_err(|e| JobError::Retry(format!("reading back the output: {e}").into()))?;
        let body =
            tokio_util::io::ReaderStream::with_capacity(tokio::fs::File::from_std(out), 256 * 1024)
                .boxed();
        let id = output_id(&job.id, "mp3");
        let info = ctx.blobs.put(Bucket::Derived, &id, body).await?;
        let stem = input
            .filename
            .as_deref()
            .and_then(|n| std::path::Path::new(n).file_stem())
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty())
            .unwrap_or("audio");
        Ok(vec![FileRecord {
            id,
            owner: input.owner.clone(),
            filename: Some(format!("{stem}.mp3")),
            content_type: "audio/mpeg".into(),
            bytes: info.bytes,
            sha256: info.sha256,
            parent_id: Some(input.id.clone()),
            job_id: Some(job.id.clone()),
            width: None,
            height: None,
            created_at: Utc::now(),
        }])
    }
}
