//! Uploads of bytes the caller already has: the existing file is answered
//! (`duplicate_of`), nothing new is stored, and only work not done before
//! is queued. Only the caller's own files are looked at, so an upload
//! tells nobody what anyone else stores.

use crate::auth::Caller;
use crate::{ApiError, AppState};
use kiln_core::{FileRecord, HistoryAction, JobRecord, publish_jobs};
use kiln_proto::api::{QueuedJob, UploadAccepted, file_url, job_url};

/// Parameters without the notification setting: asking for an email does
/// not make the same work new.
fn work_of(params: &serde_json::Value) -> serde_json::Value {
    let mut p = params.clone();
    if let Some(m) = p.as_object_mut() {
        m.remove(kiln_proto::jobs::NOTIFY_PARAM);
    }
    p
}

/// Answers an upload whose bytes match `existing`: its jobs, plus new jobs
/// on it for work in `wanted` that no job of it has done or tried.
pub async fn answer(
    s: &AppState,
    caller: &Caller,
    existing: FileRecord,
    wanted: Vec<JobRecord>,
) -> Result<UploadAccepted, ApiError> {
    let mut jobs = s
        .backends
        .library
        .jobs_of_files(std::slice::from_ref(&existing.id))
        .await?;
    let mut new = Vec::new();
    for w in wanted {
        // Work tried before counts as done, even if it died: the same bytes
        // would die the same way (re-running dead work is an operator's call).
        let done = jobs
            .iter()
            .any(|j| j.kind == w.kind && work_of(&j.params) == work_of(&w.params));
        if !done {
            let job = JobRecord::queued(
                w.owner.clone(),
                w.kind.clone(),
                &existing.id,
                w.params.clone(),
            );
            if s.backends.store.insert_job(&job).await? {
                new.push(job);
            }
        }
    }
    publish_jobs(s.backends.store.as_ref(), s.backends.broker.as_ref(), &new).await;
    tracing::info!(file = %existing.id, new_jobs = new.len(), "upload matched an existing file");
    if let Some(user) = caller.user() {
        let kinds: Vec<&str> = new.iter().map(|j| j.kind.as_str()).collect();
        let detail = serde_json::json!({"filename": existing.filename, "bytes": existing.bytes, "new_jobs": kinds});
        crate::history::record(
            s,
            &user.id,
            HistoryAction::Deduplicated,
            Some(&existing.id),
            detail,
        )
        .await;
    }
    jobs.extend(new);
    Ok(UploadAccepted {
        url: file_url(&existing.id),
        duplicate_of: Some(existing.id.clone()),
        file_id: existing.id,
        filename: existing.filename,
        sha256: existing.sha256,
        bytes: existing.bytes,
        content_type: existing.content_type,
        jobs: jobs
            .into_iter()
            .map(|j| QueuedJob {
                url: job_url(&j.id),
                id: j.id,
                kind: j.kind,
                status: j.status,
            })
            .collect(),
    })
}
