//! The broker trait: at-least-once delivery of job messages to worker roles.

use async_trait::async_trait;
use bytes::Bytes;
use kiln_proto::{Priority, Role};
use std::time::Duration;

/// Broker failures.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The broker cannot be reached or refused the operation; retry later.
    #[error("broker unavailable: {0}")]
    Unavailable(#[source] crate::Cause),
    /// The subscription was closed (shutdown).
    #[error("subscription closed")]
    Closed,
}

/// Messages of one role, as [`Broker::depth`] counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    /// Waiting for a worker, or held by one.
    pub queued: u64,
    /// In the dead-letter queue.
    pub dead: u64,
}

/// A message in a role's dead-letter queue, as [`Broker::dead_letters`]
/// shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The message bytes.
    pub payload: Bytes,
    /// Why it was given up on.
    pub reason: String,
    /// Deliveries it had, where the broker counts them.
    pub deliveries: Option<u32>,
    /// When it was dead-lettered, where recorded.
    pub dead_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A job-message transport with the semantics Kiln relies on:
///
/// * a publish returns only once the message is durably accepted;
/// * each message is delivered to one consumer of its role at a time, and
///   delivered again if that consumer goes away before settling it;
/// * a consumer settles a delivery exactly once: ack, retry after a delay, or
///   dead-letter with a reason.
#[async_trait]
pub trait Broker: Send + Sync + 'static {
    /// Publishes `payload` to `role`'s queue in `lane`. `key` groups
    /// related messages (the file id), for brokers that order by key.
    ///
    /// Consumers take interactive messages before bulk ones: the embedded
    /// queue strictly, the brokers with separate bulk queues or topics
    /// leaving bulk work a small share while both lanes wait.
    async fn publish_in(
        &self,
        role: Role,
        lane: Priority,
        key: &str,
        payload: Bytes,
    ) -> Result<(), BrokerError>;

    /// Publishes to `role`'s interactive lane.
    async fn publish(&self, role: Role, key: &str, payload: Bytes) -> Result<(), BrokerError> {
        self.publish_in(role, Priority::Interactive, key, payload)
            .await
    }

    /// Starts consuming `role`'s queue, holding at most `prefetch` unsettled
    /// deliveries at a time (the consumer's concurrency).
    async fn subscribe(
        &self,
        role: Role,
        prefetch: usize,
    ) -> Result<Box<dyn Subscription>, BrokerError>;

    /// Checks the broker is usable (for readiness probes).
    async fn ping(&self) -> Result<(), BrokerError>;

    /// How many messages wait in `role`'s queue and its dead letters, for
    /// metrics; `None` where the broker cannot say cheaply.
    async fn depth(&self, role: Role) -> Result<Option<QueueDepth>, BrokerError> {
        let _ = role;
        Ok(None)
    }

    /// The first `limit` messages of `role`'s dead-letter queue, oldest
    /// first, left where they are (for operators to inspect).
    async fn dead_letters(&self, role: Role, limit: usize) -> Result<Vec<DeadLetter>, BrokerError>;

    /// Empties `role`'s dead-letter queue; returns how many messages went.
    /// The jobs' records are not touched (they stay `dead`, and can still
    /// be re-run).
    async fn purge_dead_letters(&self, role: Role) -> Result<u64, BrokerError>;

    /// Leaves cleanly at shutdown, after the last delivery is settled:
    /// consumers record what they finished and leave, so their share of the
    /// work moves to the others at once rather than after a timeout.
    async fn close(&self) {}
}

/// A consumer's view of one role's queue.
#[async_trait]
pub trait Subscription: Send {
    /// Waits for the next delivery.
    async fn next(&mut self) -> Result<Delivery, BrokerError>;

    /// The next delivery if one is due now, without waiting.
    async fn try_next(&mut self) -> Result<Option<Delivery>, BrokerError>;
}

/// One delivery of a message. Dropping it unsettled leaves the message with
/// the broker, which delivers it again (to this process after a restart).
pub struct Delivery {
    /// The message bytes.
    pub payload: Bytes,
    /// How many times the broker has handed this message out, this one included.
    pub delivery_count: u32,
    acker: Box<dyn Acker>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("bytes", &self.payload.len())
            .field("delivery_count", &self.delivery_count)
            .finish()
    }
}

impl Delivery {
    /// Wraps a broker-specific settlement handle.
    pub fn new(payload: Bytes, delivery_count: u32, acker: Box<dyn Acker>) -> Self {
        Delivery {
            payload,
            delivery_count,
            acker,
        }
    }

    /// Done: remove the message.
    pub async fn ack(self) -> Result<(), BrokerError> {
        self.acker.ack().await
    }

    /// Deliver again after `delay`.
    pub async fn retry(self, delay: Duration) -> Result<(), BrokerError> {
        self.acker.retry(delay).await
    }

    /// Move to the role's dead-letter queue with `reason`.
    pub async fn dead_letter(self, reason: &str) -> Result<(), BrokerError> {
        self.acker.dead_letter(reason).await
    }
}

/// Broker-specific settlement of one delivery.
#[async_trait]
pub trait Acker: Send + Sync {
    /// See [`Delivery::ack`].
    async fn ack(self: Box<Self>) -> Result<(), BrokerError>;
    /// See [`Delivery::retry`].
    async fn retry(self: Box<Self>, delay: Duration) -> Result<(), BrokerError>;
    /// See [`Delivery::dead_letter`].
    async fn dead_letter(self: Box<Self>, reason: &str) -> Result<(), BrokerError>;
}
