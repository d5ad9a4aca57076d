//! Embedded backends for single-process use: no servers needed.
//!
//! * [`FsBlobStore`]: blobs as files under a data directory;
//! * [`SqliteStore`]: files, jobs and metadata in SQLite;
//! * [`EmbeddedBroker`]: a durable in-process queue, also in SQLite.

//!
//! The in-process [`LocalEventBus`] and [`LocalRateLimiter`] need nothing
//! and are always built; the rest needs the `embedded` feature.

#[cfg(feature = "embedded")]
pub mod backup;
mod db;
mod events;
#[cfg(feature = "embedded")]
mod fs_blob;
#[cfg(feature = "embedded")]
mod queue;
mod rate_limit;
#[cfg(feature = "embedded")]
mod sqlite_account_rows;
#[cfg(feature = "embedded")]
mod sqlite_accounts;
#[cfg(feature = "embedded")]
mod sqlite_library;
#[cfg(feature = "embedded")]
mod sqlite_library_rows;
#[cfg(feature = "embedded")]
mod sqlite_rows;
#[cfg(feature = "embedded")]
mod sqlite_store;

pub use events::LocalEventBus;
#[cfg(feature = "embedded")]
pub use fs_blob::FsBlobStore;
#[cfg(feature = "embedded")]
pub use queue::EmbeddedBroker;
pub use rate_limit::LocalRateLimiter;
#[cfg(feature = "embedded")]
pub use sqlite_store::SqliteStore;
