//! What follows a job's end: an entry in its owner's history, and, when the
//! upload asked for one (`"notify": "email"` in the job's parameters), a
//! `notify` job, stored before the delivery is acknowledged so no ending
//! goes untold.

use super::Worker;
use chrono::Utc;
use kiln_core::{HistoryAction, HistoryEntry, JobRecord, StoreError, new_id};
use kiln_proto::{JobKind, JobStatus, NotifyBy, NotifyParams};
use serde_json::json;
use tracing::warn;

/// The id of the notify job for `job` ending in `status`: the same for every
/// delivery of that ending, so recording it twice keeps one.
fn notify_job_id(job_id: &str, status: JobStatus) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("kiln:notify:{job_id}:{}", status.as_str()).as_bytes(),
    )
    .to_string()
}

fn wants_email(job: &JobRecord) -> bool {
    job.kind.notifies_owner() && job.notify() == Some(NotifyBy::Email)
}

impl Worker {
    /// Records the ending in the owner's history (best effort) and makes
    /// sure the notification job exists. An error means the notification
    /// could not be recorded: the caller keeps the delivery to try again.
    pub(super) async fn follow_up(
        &self,
        job: &JobRecord,
        status: JobStatus,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        if let Some(owner) = &job.owner {
            let entry = HistoryEntry {
                id: new_id(),
                user_id: owner.clone(),
                action: match (&job.kind, status) {
                    (JobKind::Notify, JobStatus::Succeeded) => HistoryAction::EmailSent,
                    (JobKind::Notify, _) => HistoryAction::EmailFailed,
                    (_, JobStatus::Succeeded) => HistoryAction::JobSucceeded,
                    (_, JobStatus::Dead) => HistoryAction::JobDead,
                    (_, other) => HistoryAction::from(format!("job_{}", other.as_str())),
                },
                subject: Some(job.id.clone()),
                detail: json!({"kind": job.kind.as_str(), "file_id": job.file_id, "error": error}),
                at: Utc::now(),
            };
            if let Err(e) = self.ctx.accounts.add_history(&entry).await {
                warn!(error = %e, "could not record the job's end in its owner's history");
            }
        }
        self.ensure_notification(job, status).await
    }

    /// Stores (once) and publishes the notify job of a terminal job that
    /// asked for one.
    pub(super) async fn ensure_notification(
        &self,
        job: &JobRecord,
        status: JobStatus,
    ) -> Result<(), StoreError> {
        if !wants_email(job) || !status.is_terminal() {
            return Ok(());
        }
        let params = NotifyParams {
            job_id: job.id.clone(),
            status,
        };
        let mut notify = JobRecord::new(job.owner.clone(), &params.into(), &job.file_id, None);
        notify.id = notify_job_id(&job.id, status);
        if !self.ctx.store.insert_job(&notify).await? {
            return Ok(());
        }
        // What the broker refuses now, the gateway's outbox relay publishes later.
        kiln_core::publish_jobs(self.ctx.store.as_ref(), self.ctx.broker.as_ref(), &[notify]).await;
        Ok(())
    }
}
