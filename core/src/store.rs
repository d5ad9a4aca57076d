//! The metadata store trait: files, jobs and extracted metadata.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kiln_proto::{JobKind, JobStatus, Priority};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A stored file: an upload or a worker's output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileRecord {
    /// File id (also its blob id).
    pub id: String,
    /// Owning account; `None` in single-user mode.
    pub owner: Option<String>,
    /// Client-supplied name, if any (never used to decide the type).
    pub filename: Option<String>,
    /// MIME type sniffed from the content.
    pub content_type: String,
    /// Length in bytes.
    pub bytes: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// For outputs: the original file it was derived from.
    pub parent_id: Option<String>,
    /// For outputs: the job that produced it.
    pub job_id: Option<String>,
    /// Pixel width, for images.
    pub width: Option<u32>,
    /// Pixel height, for images.
    pub height: Option<u32>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

impl FileRecord {
    /// The blob bucket holding this file's bytes.
    pub fn bucket(&self) -> crate::Bucket {
        if self.job_id.is_some() {
            crate::Bucket::Derived
        } else {
            crate::Bucket::Originals
        }
    }
}

/// A job and its current state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    /// Job id.
    pub id: String,
    /// Owning account; `None` in single-user mode.
    pub owner: Option<String>,
    /// What to do.
    pub kind: JobKind,
    /// Input file.
    pub file_id: String,
    /// Kind-specific parameters, as sent in the job message.
    pub params: serde_json::Value,
    /// Current status.
    pub status: JobStatus,
    /// Attempts started so far (a crash mid-attempt counts).
    pub attempts: u32,
    /// Reason of the last failure, if any.
    pub error: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Whether the job message has been handed to the broker (the outbox flag).
    pub published: bool,
    /// Every attempt so far, oldest first: when it started and ended, and how.
    pub history: Vec<Attempt>,
    /// Attempts made before the job was last retried by hand: the retry
    /// policy counts only the attempts after it (a fresh budget).
    pub attempt_base: u32,
    /// The lane the job waits in.
    pub priority: Priority,
    /// The trace context of the request that made it (see
    /// [`JobMessage::trace`](kiln_proto::JobMessage::trace)).
    pub trace: BTreeMap<String, String>,
}

/// One attempt at a job, as recorded in [`JobRecord::history`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When a worker started it.
    pub started_at: DateTime<Utc>,
    /// When it ended; `None` while running, or if its worker died mid-attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// `succeeded`, `failed` or `dead` once it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<JobStatus>,
    /// The failure reason, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl JobRecord {
    /// A new `queued`, unpublished job for `job` on `file_id`, with a fresh
    /// id; `notify` asks for an email when it ends.
    pub fn new(
        owner: Option<String>,
        job: &kiln_proto::Job,
        file_id: &str,
        notify: Option<kiln_proto::NotifyBy>,
    ) -> Self {
        JobRecord::queued(owner, job.kind(), file_id, job.to_params(notify))
    }

    /// A new `queued`, unpublished job from its stored parts (parameters as
    /// they travel; see [`JobRecord::new`] for typed ones). It carries the
    /// trace context of the current span (the request, or the job, that
    /// made it), when the process exports traces.
    pub fn queued(
        owner: Option<String>,
        kind: JobKind,
        file_id: &str,
        params: serde_json::Value,
    ) -> Self {
        let now = Utc::now();
        JobRecord {
            id: crate::new_id(),
            owner,
            kind,
            file_id: file_id.to_owned(),
            params,
            status: JobStatus::Queued,
            attempts: 0,
            error: None,
            created_at: now,
            updated_at: now,
            published: false,
            history: Vec::new(),
            attempt_base: 0,
            priority: Priority::Interactive,
            trace: crate::trace::current(),
        }
    }

    /// Attempts counted against the retry policy: those since the last
    /// retry by hand.
    pub fn budget_used(&self) -> u32 {
        self.attempts.saturating_sub(self.attempt_base)
    }

    /// The message that hands this job to its worker.
    pub fn message(&self) -> kiln_proto::JobMessage {
        kiln_proto::JobMessage {
            schema_version: kiln_proto::SCHEMA_VERSION,
            job_id: self.id.clone(),
            kind: self.kind.clone(),
            file_id: self.file_id.clone(),
            params: self.params.clone(),
            created_at: self.created_at,
            priority: self.priority,
            trace: self.trace.clone(),
        }
    }
}

impl JobRecord {
    /// Whether the job asked for a notification when it ends.
    pub fn notify(&self) -> Option<kiln_proto::NotifyBy> {
        kiln_proto::notify_of(&self.params)
    }
}

/// Filters and paging for [`MetaStore::list_jobs`].
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    /// Only jobs in this status.
    pub status: Option<JobStatus>,
    /// Only jobs of this kind.
    pub kind: Option<JobKind>,
    /// Only jobs of this owner.
    pub owner: Option<String>,
    /// Only jobs on this file.
    pub file_id: Option<String>,
    /// Only jobs whose last error contains this text (any case).
    pub error_contains: Option<String>,
    /// Only jobs created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only jobs created before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only jobs older than this job id (ids are time-ordered).
    pub before: Option<String>,
    /// At most this many.
    pub limit: u32,
}

/// How many jobs of one kind are in one status, from [`MetaStore::job_counts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCount {
    /// The kind.
    pub kind: JobKind,
    /// The status.
    pub status: JobStatus,
    /// How many.
    pub count: u64,
}

/// Result of [`MetaStore::start_attempt`].
#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    /// The attempt is recorded; the job is `running` with `attempts` bumped.
    Started(JobRecord),
    /// The job is already terminal (a redelivery): do nothing, acknowledge.
    AlreadyTerminal(JobRecord),
    /// No such job (its file was deleted): acknowledge and drop.
    Missing,
}

/// Result of [`MetaStore::complete_job`] and [`MetaStore::fail_attempt`].
#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    /// This attempt's result was recorded. Carries ids of earlier outputs
    /// that the new set no longer contains, whose blobs should be removed.
    Recorded {
        /// Stale output blob ids.
        stale_outputs: Vec<String>,
    },
    /// Another attempt owns the job now (or it is terminal); nothing changed.
    Superseded,
    /// The job no longer exists (its file was deleted); nothing changed, and
    /// outputs written for it should be removed.
    Gone,
}

/// Metadata store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached or failed; retrying may help.
    #[error("store unavailable: {0}")]
    Unavailable(#[source] crate::Cause),
    /// Stored data could not be read back (a bug or a foreign writer).
    #[error("corrupt record: {0}")]
    Corrupt(#[source] crate::Cause),
}

/// Durable record of files, jobs and metadata.
///
/// Every state change of a job is conditional on the state the caller last
/// saw, so two workers holding the same job (a redelivery racing a slow
/// first attempt) can never both finish or both fail it.
#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    /// Records an upload and its jobs together: either all are stored or none.
    async fn insert_upload(&self, file: &FileRecord, jobs: &[JobRecord]) -> Result<(), StoreError>;

    /// Records one more job on an existing file (a follow-up such as a
    /// notification), unless a job with its id exists already: true if it
    /// was stored. A job for a file that no longer exists is not stored.
    async fn insert_job(&self, job: &JobRecord) -> Result<bool, StoreError>;

    /// A file by id.
    async fn get_file(&self, id: &str) -> Result<Option<FileRecord>, StoreError>;

    /// Removes an original with its jobs, outputs and metadata. Returns the
    /// files removed (the original first) so their blobs can be deleted, or
    /// `None` if there was no such original.
    async fn delete_file(&self, id: &str) -> Result<Option<Vec<FileRecord>>, StoreError>;

    /// A job by id.
    async fn get_job(&self, id: &str) -> Result<Option<JobRecord>, StoreError>;

    /// A page of jobs, newest first.
    async fn list_jobs(&self, query: &JobQuery) -> Result<Vec<JobRecord>, StoreError>;

    /// The files a job produced.
    async fn job_outputs(&self, job_id: &str) -> Result<Vec<FileRecord>, StoreError>;

    /// The files several jobs produced, in one query (for job lists); each
    /// carries its `job_id`.
    async fn jobs_outputs(&self, job_ids: &[String]) -> Result<Vec<FileRecord>, StoreError>;

    /// Marks the job `running` and counts the attempt, unless it is terminal.
    async fn start_attempt(&self, job_id: &str) -> Result<StartOutcome, StoreError>;

    /// Records a successful attempt `attempt` with its outputs, replacing any
    /// outputs recorded by earlier attempts.
    async fn complete_job(
        &self,
        job_id: &str,
        attempt: u32,
        outputs: &[FileRecord],
    ) -> Result<Completion, StoreError>;

    /// Records a failed attempt: `failed` (will retry) or `dead` (terminal).
    async fn fail_attempt(
        &self,
        job_id: &str,
        attempt: u32,
        error: &str,
        dead: bool,
    ) -> Result<Completion, StoreError>;

    /// Jobs accepted but not yet handed to the broker (the outbox), oldest first.
    async fn unpublished_jobs(&self, limit: u32) -> Result<Vec<JobRecord>, StoreError>;

    /// Marks jobs as handed to the broker.
    async fn mark_published(&self, job_ids: &[String]) -> Result<(), StoreError>;

    /// The lease on started work: jobs `running` or `failed` (a retry
    /// pending) whose last change is older than `before` go back to
    /// `queued` and unpublished, for the outbox relay to hand to the broker
    /// again. A worker that lost its job (a write error it could not
    /// record, a crash the broker did not notice) thus never leaves it
    /// stuck; `before` must be further back than any attempt may run.
    /// Returns how many jobs were requeued.
    async fn requeue_stalled(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError>;

    /// Gives a `dead` job another attempt with a fresh attempt budget
    /// ([`JobRecord::attempt_base`] becomes its attempts so far): back to
    /// `queued` and unpublished in lane `priority`, for the outbox to hand
    /// to the broker again. Its attempts, history and output ids are kept,
    /// so outputs are replaced, never duplicated. Returns the job as it now
    /// is, or `None` when it is not dead (or does not exist), in which case
    /// nothing changed.
    async fn retry_dead(
        &self,
        job_id: &str,
        priority: Priority,
    ) -> Result<Option<JobRecord>, StoreError>;

    /// How many jobs there are of each kind in each status, across every
    /// account (pairs with none are left out).
    async fn job_counts(&self) -> Result<Vec<JobCount>, StoreError>;

    /// Stores the metadata extracted from a file, replacing any earlier.
    async fn put_metadata(
        &self,
        file_id: &str,
        metadata: &serde_json::Value,
    ) -> Result<(), StoreError>;

    /// Metadata extracted from a file, if any.
    async fn get_metadata(&self, file_id: &str) -> Result<Option<serde_json::Value>, StoreError>;

    /// Checks the store is usable (for readiness probes).
    async fn ping(&self) -> Result<(), StoreError>;
}
