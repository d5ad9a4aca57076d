//! Job status fan-out: every status change is published, and any gateway
//! replica can follow one job's changes live (Server-Sent Events).

use async_trait::async_trait;
use futures::stream::BoxStream;
use kiln_proto::JobEvent;

/// Event bus failures.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The bus cannot be reached; the change is still in the store.
    #[error("event bus unavailable: {0}")]
    Unavailable(#[source] crate::Cause),
}

/// Publish/subscribe of [`JobEvent`]s.
///
/// Delivery is best effort, by design: the store is the record of truth and
/// subscribers read it first, so a lost event delays a live update but never
/// loses a state. Subscribers see only events published after they subscribed.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Announces a status change to every current subscriber of its job.
    async fn publish(&self, event: &JobEvent) -> Result<(), EventError>;

    /// Follows one job's changes. The stream ends only when the subscriber
    /// drops it (or the bus shuts down).
    async fn subscribe(&self, job_id: &str) -> Result<BoxStream<'static, JobEvent>, EventError>;

    /// Checks the bus is usable (for readiness probes).
    async fn ping(&self) -> Result<(), EventError>;
}
