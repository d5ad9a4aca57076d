//! Embedded backends for single-process use: no servers needed.
//!
//! * [`FsBlobStore`]: blobs as files under a data directory;
//! * [`SqliteStore`]: files, jobs and metadata in SQLite;
//! * [`EmbeddedBroker`]: a durable in-process queue, also in SQLite.

mod db;
mod events;
mod fs_blob;
mod queue;
mod rate_limit;
mod sqlite_account_rows;
mod sqlite_accounts;
mod sqlite_rows;
mod sqlite_store;

pub use events::LocalEventBus;
pub use fs_blob::FsBlobStore;
pub use queue::{DeadLetter, EmbeddedBroker};
pub use rate_limit::LocalRateLimiter;
pub use sqlite_store::SqliteStore;
