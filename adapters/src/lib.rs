//! Storage and messaging for Kiln, behind three small traits.
//!
//! * [`BlobStore`]: file bytes, streamed in and out (local disk; GridFS later).
//! * [`MetaStore`]: files, jobs and extracted metadata (SQLite; MongoDB later).
//! * [`Broker`]: at-least-once job delivery with retry and dead-lettering
//!   (an in-process durable queue; RabbitMQ and Kafka later).
//!
//! Gateway and workers only see the traits, so the embedded single-process
//! mode and the distributed mode run the same code paths.

pub mod accounts;
pub mod blob;
pub mod broker;
#[cfg(any(test, feature = "testing"))]
pub mod contract;
pub mod embedded;
pub mod events;
pub mod kafka;
pub mod mongo;
mod outbox;
pub mod rabbitmq;
pub mod rate_limit;
pub mod redis;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod test_servers;

pub use accounts::{
    AccountError, AccountStore, ApiKey, Claim, Direction, HistoryEntry, QuotaOverride,
    StorageUsage, Transfer, User,
};
pub use blob::{BlobError, BlobInfo, BlobStore, Bucket, ByteStream};
pub use broker::{Acker, Broker, BrokerError, Delivery, Subscription};
pub use events::{EventBus, EventError};
pub use outbox::publish_jobs;
pub use rate_limit::{Decision, RateLimit, RateLimitError, RateLimiter};
pub use store::{
    Attempt, Completion, FileRecord, JobQuery, JobRecord, MetaStore, StartOutcome, StoreError,
};

/// A new time-ordered id (UUIDv7), used for files and jobs.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The deterministic id of a job's output, so that a redelivered job
/// overwrites its earlier outputs instead of adding duplicates.
pub fn output_id(job_id: &str, variant: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("kiln:{job_id}:{variant}").as_bytes(),
    )
    .to_string()
}
