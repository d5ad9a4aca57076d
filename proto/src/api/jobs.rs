//! `GET /v1/jobs/{id}` and `GET /v1/jobs`.

use crate::{JobKind, JobStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A job as clients see it: its attempts and its outputs. (Named apart
/// from [`crate::Job`], the parameters a worker receives.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    /// Job id.
    pub id: String,
    /// What the job does.
    pub kind: JobKind,
    /// The input file.
    pub file_id: String,
    /// Where the job is: `failed` will be retried, `dead` will not.
    pub status: JobStatus,
    /// Attempts started.
    pub attempts: u32,
    /// Reason of the last failure; `null` if none.
    pub error: Option<String>,
    /// When the job was made.
    pub created_at: DateTime<Utc>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
    /// Every attempt with its start, end and outcome (shows the backoff).
    pub history: Vec<JobAttempt>,
    /// Files the job produced.
    pub outputs: Vec<JobOutput>,
}

/// One attempt at a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobAttempt {
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When a worker started it.
    pub started_at: DateTime<Utc>,
    /// When it ended; absent while running, or if its worker died mid-attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// `succeeded`, `failed` or `dead`, once it ended; absent before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<JobStatus>,
    /// The failure reason, if it failed; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One file a job produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobOutput {
    /// File id.
    pub file_id: String,
    /// Where to download it.
    pub url: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Pixel width, for images; `null` otherwise.
    pub width: Option<u32>,
    /// Pixel height, for images; `null` otherwise.
    pub height: Option<u32>,
    /// Suggested file name (after the original: `photo-256.jpeg`); `null`
    /// when the original had none.
    pub filename: Option<String>,
}

/// Filters and paging of `GET /v1/jobs`. The values are strings as given,
/// so that a bad one answers `422` naming the parameter; an empty one counts
/// as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobListQuery {
    /// Only jobs with this status (`queued`, `running`, `succeeded`,
    /// `failed`, `dead`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Only jobs of this kind (`thumbnail`, `metadata`, `convert`, `notify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Only jobs on this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// Page size, 1 to 200; default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobList {
    /// The jobs of this page.
    pub jobs: Vec<JobView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
