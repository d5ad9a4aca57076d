//! Embedded backends for single-process use: no servers needed.
//!
//! * [`FsBlobStore`]: blobs as files under a data directory;
//! * [`SqliteStore`]: files, jobs and metadata in SQLite;
//! * [`EmbeddedBroker`]: a durable in-process queue, also in SQLite.

mod db;
mod fs_blob;
mod queue;
mod sqlite_rows;
mod sqlite_store;

pub use fs_blob::FsBlobStore;
pub use queue::{DeadLetter, EmbeddedBroker};
pub use sqlite_store::SqliteStore;
