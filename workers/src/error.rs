//! How a handler reports failure.

use kiln_core::{BlobError, StoreError};

/// A job failure, classified by whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Transient: retried with backoff, dead-lettered after the last attempt.
    #[error("{0}")]
    Retry(String),
    /// Permanent: dead-lettered at once.
    #[error("{0}")]
    Abort(String),
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => JobError::Retry(e.to_string()),
            StoreError::Corrupt(_) => JobError::Abort(e.to_string()),
        }
    }
}

impl From<BlobError> for JobError {
    fn from(e: BlobError) -> Self {
        match e {
            // The input vanished: its file was deleted, nothing to retry.
            BlobError::NotFound => JobError::Abort("input file no longer exists".into()),
            BlobError::Source(_) | BlobError::Unavailable(_) => JobError::Retry(e.to_string()),
        }
    }
}
