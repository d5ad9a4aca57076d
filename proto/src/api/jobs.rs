//! `GET /v1/jobs/{id}` and `GET /v1/jobs`.

use crate::{JobKind, JobStatus, Priority};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A job as clients see it: its attempts and its outputs. (Named apart
/// from [`crate::Job`], the parameters a worker receives.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0190d1f4-8a52-7b11-a3c4-5d6e7f801234",
    "kind": "thumbnail",
    "file_id": "0190d1f4-8a41-7c2e-9d6a-2f1b4c8e7a10",
    "status": "succeeded",
    "attempts": 1,
    "priority": "interactive",
    "error": null,
    "created_at": "2024-06-01T12:00:00Z",
    "updated_at": "2024-06-01T12:00:02Z",
    "history": [{"attempt": 1, "started_at": "2024-06-01T12:00:01Z",
                 "finished_at": "2024-06-01T12:00:02Z", "outcome": "succeeded"}],
    "outputs": [{"file_id": "0190d1f4-9b01-7e33-85f6-0a1b2c3d4e5f",
                 "url": "/v1/files/0190d1f4-9b01-7e33-85f6-0a1b2c3d4e5f",
                 "content_type": "image/jpeg", "bytes": 18234, "width": 256, "height": 171,
                 "filename": "photo-256.jpeg"}]
}))]
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
    /// The lane it waits in: `bulk` jobs run when no `interactive` one waits.
    pub priority: Priority,
    /// Reason of the last failure; `null` if none.
    #[schema(required = true)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
    #[schema(required = true)]
    pub width: Option<u32>,
    /// Pixel height, for images; `null` otherwise.
    #[schema(required = true)]
    pub height: Option<u32>,
    /// Suggested file name (after the original: `photo-256.jpeg`); `null`
    /// when the original had none.
    #[schema(required = true)]
    pub filename: Option<String>,
}

/// Filters and paging of `GET /v1/jobs`. The values are strings as given,
/// so that a bad one answers `422` naming the parameter; an empty one counts
/// as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobListQuery {
    /// Only jobs with this status (`queued`, `running`, `succeeded`,
    /// `failed`, `dead`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<JobStatus>)]
    pub status: Option<String>,
    /// Only jobs of this kind (`thumbnail`, `metadata`, `convert`, `notify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<JobKind>)]
    pub kind: Option<String>,
    /// Only jobs on this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// Page size, 1 to 200; default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobList {
    /// The jobs of this page.
    pub jobs: Vec<JobView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}
