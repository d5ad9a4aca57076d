//! Publishing jobs, and the outbox relay that publishes what could not be.
//!
//! A job is stored before it is published, so an accepted upload never loses
//! its jobs: if the broker refuses, the job stays unpublished in the store and
//! the relay hands it over later.

use chrono::Utc;
use kiln_core::{Broker, MetaStore, publish_jobs};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

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

/// How often the relay also removes blobs no record points to.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// Runs the relay every `interval` until `shutdown` is cancelled; with
/// it, the two leases on work in progress: jobs started or failed more than
/// `lease` ago and not settled since are requeued (see
/// [`MetaStore::requeue_stalled`]), and blobs older than `lease` (at least
/// an hour) without a record are removed, at start and every ten minutes.
pub async fn run_outbox_relay(
    backends: kiln_core::Backends,
    interval: Duration,
    lease: Duration,
    shutdown: CancellationToken,
) {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    let orphan_age = lease.max(chrono::Duration::hours(1));
    let mut last_sweep: Option<tokio::time::Instant> = None;
    loop {
        match backends.store.requeue_stalled(Utc::now() - lease).await {
            Ok(0) => {}
            Ok(n) => warn!(
                requeued = n,
                "jobs whose worker went silent were queued again"
            ),
            Err(e) => warn!(error = %e, "could not look for stalled jobs"),
        }
        let n = relay_once(backends.store.as_ref(), backends.broker.as_ref(), interval).await;
        if n > 0 {
            info!(published = n, "outbox relay published pending jobs");
        }
        if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
            last_sweep = Some(tokio::time::Instant::now());
            let before = Utc::now() - orphan_age;
            match kiln_core::sweep_orphans(backends.blobs.as_ref(), backends.store.as_ref(), before)
                .await
            {
                Ok(s) if s.removed > 0 => {
                    warn!(
                        removed = s.removed,
                        checked = s.checked,
                        "removed blobs no record points to"
                    )
                }
                Ok(_) => {}
                Err(e) => warn!(error = %e, "orphan sweep stopped early"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
