//! Keeping room on the disk: uploads stop while the blob store's volume has
//! less than `gateway.min_free_bytes` free, so that the space left is there
//! for what must still work on a full disk (deleting files, recording job
//! results) and the readiness probe turns unready for load balancers.

use crate::{ApiError, AppState};
use axum::http::{HeaderValue, StatusCode, header};
use kiln_core::BlobStore;
use kiln_proto::api::ErrorCode;

/// Why the store is short of room, if it is: free bytes and the minimum.
pub async fn shortage(blobs: &dyn BlobStore, min_free: u64) -> Option<(u64, u64)> {
    match blobs.free_bytes().await {
        Ok(Some(free)) if free < min_free => Some((free, min_free)),
        _ => None,
    }
}

/// Refuses an upload of `declared` bytes (if known) that would leave less
/// than the minimum free, with `507` and `Retry-After`.
pub async fn check_room(s: &AppState, declared: Option<u64>) -> Result<(), ApiError> {
    let need = s
        .config
        .min_free_bytes
        .saturating_add(declared.unwrap_or(0));
    if let Some((free, _)) = shortage(s.backends.blobs.as_ref(), need).await {
        tracing::warn!(free, need, "upload refused: the disk is nearly full");
        let mut e = ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            ErrorCode::InsufficientStorage,
            "the server is low on disk space; uploads resume once space is freed",
        );
        e.headers
            .push((header::RETRY_AFTER, HeaderValue::from_static("60")));
        return Err(e);
    }
    Ok(())
}
