//! How a handler reports failure.

use kiln_core::{BlobError, Cause, StoreError};

/// A job failure, classified by whether trying again can help. Each keeps
/// what caused it (a store, codec or mail error, or a message) as its
/// source; the job's recorded `error` is its text.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Transient: retried with backoff, dead-lettered after the last attempt.
    #[error("{0}")]
    Retry(#[source] Cause),
    /// Permanent: dead-lettered at once.
    #[error("{0}")]
    Abort(#[source] Cause),
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => JobError::Retry(e.into()),
            StoreError::Corrupt(_) => JobError::Abort(e.into()),
        }
    }
}

impl From<BlobError> for JobError {
    fn from(e: BlobError) -> Self {
        match e {
            // The input vanished: its file was deleted, nothing to retry.
            BlobError::NotFound => JobError::Abort("input file no longer exists".into()),
            BlobError::Source(_) | BlobError::Unavailable(_) => JobError::Retry(e.into()),
        }
    }
}
