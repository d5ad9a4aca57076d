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

/// Runs the relay every `interval` until `shutdown` is cancelled.
pub async fn run_outbox_relay(
    store: std::sync::Arc<dyn MetaStore>,
    broker: std::sync::Arc<dyn Broker>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    loop {
        let n = relay_once(store.as_ref(), broker.as_ref(), interval).await;
        if n > 0 {
            info!(published = n, "outbox relay published pending jobs");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
