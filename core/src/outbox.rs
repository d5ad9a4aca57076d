//! Handing stored jobs to the broker. A job is always stored first; what
//! the broker refuses stays unpublished for the gateway's outbox relay.

use crate::{Broker, JobRecord, MetaStore};
use tracing::{Instrument, warn};

/// Publishes `jobs` and marks the ones the broker accepted. Returns how many
/// were published; failures are left for the relay.
pub async fn publish_jobs(store: &dyn MetaStore, broker: &dyn Broker, jobs: &[JobRecord]) -> usize {
    if jobs.is_empty() {
        return 0;
    }
    // A step of the request's (or the job's) trace.
    let span = tracing::info_span!("publish", jobs = jobs.len());
    publish(store, broker, jobs).instrument(span).await
}

async fn publish(store: &dyn MetaStore, broker: &dyn Broker, jobs: &[JobRecord]) -> usize {
    let mut done = Vec::new();
    for job in jobs {
        let Some(role) = job.kind.role() else {
            warn!(job = %job.id, kind = %job.kind, "job kind has no worker role; not published");
            continue;
        };
        let msg = job.message();
        match broker
            .publish_in(role, job.priority, &job.file_id, msg.to_bytes().into())
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
