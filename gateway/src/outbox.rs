//! Publishing jobs, and the outbox relay that publishes what could not be.
//!
//! A job is stored before it is published, so an accepted upload never loses
//! its jobs: if the broker refuses, the job stays unpublished in the store and
//! the relay hands it over later.

use chrono::Utc;
use kiln_adapters::{Broker, JobRecord, MetaStore};
use kiln_proto::JobMessage;
use std::time::Duration;
use tokio::sync::watch;
use tracing::{info, warn};

/// Publishes `jobs` and marks the ones the broker accepted. Returns how many
/// were published; failures are left for the relay.
pub async fn publish_jobs(store: &dyn MetaStore, broker: &dyn Broker, jobs: &[JobRecord]) -> usize {
    let mut done = Vec::new();
    for job in jobs {
        let Some(role) = job.kind.role() else {
            warn!(job = %job.id, kind = %job.kind, "job kind has no worker role; not published");
            continue;
        };
        let msg = JobMessage {
            schema_version: kiln_proto::SCHEMA_VERSION,
            job_id: job.id.clone(),
            kind: job.kind.clone(),
            file_id: job.file_id.clone(),
            params: job.params.clone(),
            created_at: job.created_at,
        };
        match broker
            .publish(role, &job.file_id, msg.to_bytes().into())
            .await
        {
            Ok(()) => done.push(job.id.clone()),
            Err(e) => {
                warn!(job = %job.id, error = %e, "publish failed; the outbox relay will retry");
                break;
            }
        }
    }
    if !done.is_empty()
        && let Err(e) = store.mark_published(&done).await
    {
        // Published but not marked: the relay publishes again, and workers
        // treat the duplicate as a no-op.
        warn!(error = %e, "could not mark jobs published");
    }
    done.len()
}

/// One relay pass: publishes unpublished jobs older than `min_age` (younger
/// ones are still being published by the request that created them).
pub async fn relay_once(store: &dyn MetaStore, broker: &dyn Broker, min_age: Duration) -> usize {
    let cutoff = Utc::now() - chrono::Duration::from_std(min_age).unwrap_or_default();
    let mut total = 0;
    loop {
        let pending = match store.unpublished_jobs(200).await {
            Ok(p) => p
                .into_iter()
                .filter(|j| j.created_at <= cutoff)
                .collect::<Vec<_>>(),
            Err(e) => {
                warn!(error = %e, "outbox relay cannot read the store");
                return total;
            }
        };
        if pending.is_empty() {
            return total;
        }
        let n = publish_jobs(store, broker, &pending).await;
        total += n;
        if n < pending.len() {
            return total;
        }
    }
}

/// Runs the relay every `interval` until `shutdown` turns true.
pub async fn run_outbox_relay(
    store: std::sync::Arc<dyn MetaStore>,
    broker: std::sync::Arc<dyn Broker>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let n = relay_once(store.as_ref(), broker.as_ref(), interval).await;
        if n > 0 {
            info!(published = n, "outbox relay published pending jobs");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}
