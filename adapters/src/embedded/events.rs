//! In-process job event fan-out.

use crate::events::{EventBus, EventError};
use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use kiln_proto::JobEvent;
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// Events buffered per subscriber before a slow one starts missing some.
const DEFAULT_CAPACITY: usize = 1024;

/// An [`EventBus`] within one process: a broadcast channel shared by every
/// clone, each subscriber seeing only its job's events.
///
/// A subscriber that falls more than the channel's capacity behind skips the
/// events it missed (delivery is best effort; the store has the state).
#[derive(Debug, Clone)]
pub struct LocalEventBus {
    tx: broadcast::Sender<Arc<JobEvent>>,
}

impl Default for LocalEventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalEventBus {
    /// A bus buffering up to 1024 events per subscriber.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// A bus buffering up to `capacity` events (at least 1) per subscriber.
    pub fn with_capacity(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        LocalEventBus { tx }
    }

    /// Hands `event` to the current subscribers of its job, without a copy
    /// per subscriber until one is delivered.
    pub(crate) fn send(&self, event: JobEvent) {
        // An error only means that no one is subscribed.
        let _ = self.tx.send(Arc::new(event));
    }

    /// The stream of `job_id`'s events sent from now on.
    pub(crate) fn follow(&self, job_id: &str) -> BoxStream<'static, JobEvent> {
        job_events(self.tx.subscribe(), job_id.to_owned())
    }
}

/// Filters a receiver of every job's events down to one job's.
fn job_events(
    rx: broadcast::Receiver<Arc<JobEvent>>,
    job_id: String,
) -> BoxStream<'static, JobEvent> {
    futures::stream::unfold((rx, job_id), |(mut rx, job_id)| async move {
        loop {
            match rx.recv().await {
                Ok(event) if event.job_id == job_id => {
                    let event = JobEvent::clone(&event);
                    return Some((event, (rx, job_id)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(job_id, missed, "slow event subscriber skipped events");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
    .boxed()
}

#[async_trait]
impl EventBus for LocalEventBus {
    async fn publish(&self, event: &JobEvent) -> Result<(), EventError> {
        self.send(event.clone());
        Ok(())
    }

    async fn subscribe(&self, job_id: &str) -> Result<BoxStream<'static, JobEvent>, EventError> {
        Ok(self.follow(job_id))
    }

    async fn ping(&self) -> Result<(), EventError> {
        Ok(())
    }
}
