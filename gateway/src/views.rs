//! JSON documents the API returns.

use chrono::{DateTime, Utc};
use kiln_core::{Attempt, FileRecord, JobRecord};
use serde::Serialize;

/// A job as clients see it.
#[derive(Debug, Serialize)]
pub struct JobView {
    /// Job id.
    pub id: String,
    /// Job kind.
    pub kind: String,
    /// Input file.
    pub file_id: String,
    /// queued, running, succeeded, failed or dead.
    pub status: String,
    /// Attempts started.
    pub attempts: u32,
    /// Reason of the last failure.
    pub error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Every attempt with its start, end and outcome (shows the backoff).
    pub history: Vec<Attempt>,
    /// Files produced.
    pub outputs: Vec<OutputView>,
}

/// One output file of a job.
#[derive(Debug, Serialize)]
pub struct OutputView {
    /// File id.
    pub file_id: String,
    /// Where to download it.
    pub url: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Pixel width, for images.
    pub width: Option<u32>,
    /// Pixel height, for images.
    pub height: Option<u32>,
    /// Suggested file name.
    pub filename: Option<String>,
}

/// Download path of a file.
pub fn file_url(id: &str) -> String {
    format!("/v1/files/{id}")
}

impl JobView {
    /// Builds the view from a job and its outputs.
    pub fn new(job: JobRecord, outputs: Vec<FileRecord>) -> Self {
        JobView {
            outputs: outputs
                .into_iter()
                .map(|f| OutputView {
                    url: file_url(&f.id),
                    file_id: f.id,
                    content_type: f.content_type,
                    bytes: f.bytes,
                    width: f.width,
                    height: f.height,
                    filename: f.filename,
                })
                .collect(),
            id: job.id,
            kind: job.kind.as_str().to_owned(),
            file_id: job.file_id,
            status: job.status.as_str().to_owned(),
            attempts: job.attempts,
            error: job.error,
            created_at: job.created_at,
            updated_at: job.updated_at,
            history: job.history,
        }
    }
}
