//! Removing blobs no record points to.
//!
//! The gateway writes an upload's bytes before its record and a worker its
//! outputs before completing the job, so a crash in between leaves bytes
//! nobody can reach or delete. Blobs older than a cutoff (longer than any
//! upload or attempt may take, so work in progress is never touched) whose
//! id has no file record are removed.

use crate::{BlobStore, Bucket, MetaStore};
use chrono::{DateTime, Utc};

/// What one sweep found and removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Blobs old enough to be looked at.
    pub checked: usize,
    /// Of those, removed for having no record.
    pub removed: usize,
}

/// Removes the blobs written before `before` that no file record names.
/// Stops at the first store error (the next sweep goes on).
pub async fn sweep_orphans(
    blobs: &dyn BlobStore,
    store: &dyn MetaStore,
    before: DateTime<Utc>,
) -> Result<Swept, crate::Cause> {
    let mut swept = Swept::default();
    for bucket in [Bucket::Originals, Bucket::Derived] {
        for id in blobs.written_before(bucket, before).await? {
            swept.checked += 1;
            if store.get_file(&id).await?.is_none() {
                blobs.delete(bucket, &id).await?;
                swept.removed += 1;
            }
        }
    }
    Ok(swept)
}
