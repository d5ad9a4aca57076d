//! The operator API under `/v1/admin/`: every account's jobs, per-kind
//! counts, re-runs of dead jobs and each role's dead-letter queue.

use super::jobs::JobView;
use crate::{JobKind, JobStatus, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest text an `error` filter may hold.
pub const MAX_ERROR_FILTER_CHARS: usize = 200;

/// Most dead jobs one `POST /v1/admin/jobs/retry` re-runs; the answer says
/// whether more match, so a script repeats until none do.
pub const MAX_RETRY_BATCH: u32 = 1_000;

/// Filters and paging of `GET /v1/admin/jobs`, across every account. The
/// values are strings as given, so that a bad one answers `422` naming the
/// parameter; an empty one counts as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminJobQuery {
    /// Only jobs with this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<JobStatus>)]
    pub status: Option<String>,
    /// Only jobs of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<JobKind>)]
    pub kind: Option<String>,
    /// Only jobs of this account (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Only jobs whose last error contains this text (any case; at most
    /// 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Only jobs created at or after this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<DateTime<Utc>>)]
    pub since: Option<String>,
    /// Only jobs created before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<DateTime<Utc>>)]
    pub until: Option<String>,
    /// Page size, 1 to 200; default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A job of any account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminJob {
    /// The owning account's id; `null` in single-user mode.
    #[schema(required = true)]
    pub owner: Option<String>,
    /// The job as its owner sees it.
    #[serde(flatten)]
    pub job: JobView,
}

/// A page of jobs of every account, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminJobList {
    /// The jobs of this page.
    pub jobs: Vec<AdminJob>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// How many jobs of one kind are in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobCountRow {
    /// The kind.
    pub kind: JobKind,
    /// The status.
    pub status: JobStatus,
    /// How many jobs.
    pub count: u64,
}

/// Jobs per kind and status, across every account (pairs with no jobs are
/// left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobCounts {
    /// One row per kind and status.
    pub counts: Vec<JobCountRow>,
}

/// Which dead jobs `POST /v1/admin/jobs/retry` re-runs; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryFilter {
    /// Only jobs of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<JobKind>,
    /// Only jobs of this account (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Only jobs whose error contains this text (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Only jobs created at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Only jobs created before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// What a batch re-run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetryReport {
    /// Dead jobs queued again, in the bulk lane with a fresh attempt budget.
    pub retried: u64,
    /// Their ids.
    pub job_ids: Vec<String>,
    /// Whether more dead jobs match (the batch stopped at 1000): ask again.
    pub more: bool,
}

/// Paging of `GET /v1/admin/dead-letters/{role}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadLetterQuery {
    /// How many, oldest first: 1 to 200; default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
}

/// A message in a role's dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeadLetterView {
    /// The job it was for; `null` when the message could not be read.
    #[schema(required = true)]
    pub job_id: Option<String>,
    /// The job's kind, when readable.
    #[schema(required = true)]
    pub kind: Option<JobKind>,
    /// The job's input file, when readable.
    #[schema(required = true)]
    pub file_id: Option<String>,
    /// Why it was given up on.
    pub reason: String,
    /// When, if the broker recorded it.
    #[schema(required = true)]
    pub dead_at: Option<DateTime<Utc>>,
    /// The message bytes as text (lossy), cut to 2000 characters.
    pub payload: String,
}

/// Some of a role's dead letters, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeadLetterList {
    /// The role.
    pub role: Role,
    /// Messages in the queue in all (`null` if the broker cannot say).
    #[schema(required = true)]
    pub total: Option<u64>,
    /// The first messages.
    pub messages: Vec<DeadLetterView>,
}

/// What a purge removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PurgeReport {
    /// The role.
    pub role: Role,
    /// Messages removed.
    pub purged: u64,
}
