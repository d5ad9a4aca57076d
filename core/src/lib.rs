//! Kiln's domain core: what the gateway and the workers program against.
//!
//! * [`BlobStore`]: file bytes, streamed in and out.
//! * [`MetaStore`]: files, jobs and extracted metadata.
//! * [`AccountStore`]: accounts, API keys, history, usage counters.
//! * [`Library`]: listing, search, albums, share links, duplicates.
//! * [`Broker`]: at-least-once job delivery with retry and dead-lettering.
//! * [`EventBus`]: live job status changes.
//! * [`RateLimiter`]: per-client token buckets.
//!
//! This crate names no backend and does no I/O of its own: the
//! implementations live in `kiln-adapters`, each behind a cargo feature,
//! and only the `kiln` binary wires them in. So the embedded single-process
//! mode and the distributed mode run the same code paths, and the compiler
//! keeps handlers from reaching for a concrete backend.

pub mod accounts;
pub mod blob;
pub mod broker;
#[cfg(feature = "testing")]
pub mod contract;
pub mod events;
mod ids;
pub mod library;
pub mod links;
pub mod metrics;
mod outbox;
pub mod rate_limit;
pub mod store;
mod sweep;
pub mod trace;

pub use accounts::{
    AccountError, AccountStore, ApiKey, Claim, Direction, HistoryAction, HistoryEntry,
    QuotaOverride, StorageUsage, Transfer, User,
};
pub use blob::{BlobError, BlobInfo, BlobStore, Bucket, ByteStream};
pub use broker::{Acker, Broker, BrokerError, DeadLetter, Delivery, QueueDepth, Subscription};
pub use events::{EventBus, EventError};
pub use ids::{new_id, output_id};
pub use library::{
    Album, FileChange, FileOrder, FileQuery, Library, LibraryFile, MediaKind, Orientation,
    SearchFields, Share, ShareTarget,
};
pub use links::{LinkError, LinkSigner};
pub use outbox::publish_jobs;
pub use rate_limit::{Decision, RateLimit, RateLimitError, RateLimiter};
pub use store::{
    Attempt, Completion, FileRecord, JobCount, JobQuery, JobRecord, MetaStore, StartOutcome,
    StoreError,
};
pub use sweep::{Swept, sweep_orphans};

use std::sync::Arc;

/// What a backend reported, kept as the `source` of the error it caused so
/// that a log line or an `anyhow` chain shows the whole story. Plain
/// messages convert too (`"why".into()`, `format!(..).into()`).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The backends a gateway or worker runs on, as traits: one bundle, built
/// by the `kiln` binary from its configuration and handed to every service.
#[derive(Clone)]
pub struct Backends {
    /// File bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Files, jobs, metadata.
    pub store: Arc<dyn MetaStore>,
    /// Where jobs are published and consumed.
    pub broker: Arc<dyn Broker>,
    /// Live job status changes.
    pub events: Arc<dyn EventBus>,
    /// Per-client request limits.
    pub limiter: Arc<dyn RateLimiter>,
    /// Accounts, API keys, history, usage counters.
    pub accounts: Arc<dyn AccountStore>,
    /// Listing, search, albums and shares (on the same records as `store`).
    pub library: Arc<dyn Library>,
}
