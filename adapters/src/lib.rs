//! Kiln's backends: implementations of the traits of `kiln-core`.
//!
//! * `embedded`: files on disk, SQLite, a durable in-process queue (feature
//!   `embedded`); the in-process event bus and rate limiter are always here;
//! * `mongo`: GridFS and MongoDB collections (feature `mongodb`);
//! * `rabbitmq`, `kafka`: the production brokers (features of those names);
//! * `redis`: status fan-out and shared rate limits (feature `redis`).
//!
//! Only the `kiln` binary depends on this crate: the gateway and the
//! workers see `kiln-core`'s traits, never a backend.

pub mod embedded;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(any(feature = "rabbitmq", feature = "kafka"))]
mod lanes;
#[cfg(feature = "mongodb")]
pub mod mongo;
#[cfg(feature = "rabbitmq")]
pub mod rabbitmq;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "testing")]
pub mod test_servers;

// The traits and records this crate implements, under the paths its modules
// (and older callers) use.
#[cfg(feature = "testing")]
pub use kiln_core::contract;
pub use kiln_core::{
    AccountError, AccountStore, ApiKey, Attempt, BlobError, BlobInfo, BlobStore, Broker,
    BrokerError, Bucket, ByteStream, Claim, Completion, Decision, Delivery, Direction, EventBus,
    EventError, FileRecord, HistoryAction, HistoryEntry, JobCount, JobQuery, JobRecord, MetaStore,
    QuotaOverride, RateLimit, RateLimitError, RateLimiter, StartOutcome, StorageUsage, StoreError,
    Subscription, Transfer, User, new_id, output_id, publish_jobs,
};
pub use kiln_core::{
    Album, FileChange, FileOrder, FileQuery, Library, LibraryFile, MediaKind, Share, ShareTarget,
};
pub use kiln_core::{accounts, blob, broker, events, library, rate_limit, store};
