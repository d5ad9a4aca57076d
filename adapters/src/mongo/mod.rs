//! MongoDB production backends:
//!
//! * [`GridFsBlobStore`]: blobs in the GridFS buckets `originals` and
//!   `derived`;
//! * [`MongoStore`]: files, jobs and metadata in the collections `files`,
//!   `jobs` and `metadata`; accounts (its [`AccountStore`](crate::AccountStore)
//!   side) in `users`, `api_keys`, `history`, `transfers` and `notifications`;
//!   the library (its [`Library`](kiln_core::Library) side) in the `files`
//!   documents and `albums`, `album_entries` and `shares`.
//!
//! Both work on a standalone server (no multi-document transactions are
//! used). [`connect`] opens both on one client and creates their indexes.

mod account_docs;
mod accounts;
mod docs;
mod gridfs;
mod jobs;
mod library;
mod library_backfill;
mod library_docs;
mod library_files;
mod store;

pub use gridfs::GridFsBlobStore;
pub use store::MongoStore;

use crate::store::{MetaStore, StoreError};
use mongodb::options::ClientOptions;
use std::time::Duration;

/// How long an operation waits for a usable server before failing, unless
/// the connection string sets `serverSelectionTimeoutMS`.
pub const DEFAULT_SERVER_SELECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// How long opening a connection may take, unless the connection string
/// sets `connectTimeoutMS`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Parses a connection string, filling in Kiln's defaults for what it does
/// not set: short timeouts (an outage surfaces as an error within seconds
/// instead of a hang) and the application name `kiln`.
pub async fn client_options(uri: &str) -> Result<ClientOptions, StoreError> {
    let mut options = ClientOptions::parse(uri).await.map_err(|e| {
        StoreError::Unavailable(format!("bad MongoDB connection string: {e}").into())
    })?;
    options
        .server_selection_timeout
        .get_or_insert(DEFAULT_SERVER_SELECTION_TIMEOUT);
    options
        .connect_timeout
        .get_or_insert(DEFAULT_CONNECT_TIMEOUT);
    options.app_name.get_or_insert_with(|| "kiln".to_owned());
    Ok(options)
}

/// Connects to the MongoDB at `uri`, opens the blob store and the metadata
/// store on `database`, and, with `create_indexes`, creates their indexes
/// (idempotent; turned off where a DBA manages indexes). Fails if the server
/// cannot be reached within the server selection timeout.
pub async fn connect(
    uri: &str,
    database: &str,
    create_indexes: bool,
) -> Result<(GridFsBlobStore, MongoStore), StoreError> {
    let client =
        mongodb::Client::with_options(client_options(uri).await?).map_err(store::unavailable)?;
    let db = client.database(database);
    let blobs = GridFsBlobStore::new(db.clone());
    let store = MongoStore::new(db);
    if create_indexes {
        store.create_indexes().await?;
        blobs
            .create_indexes()
            .await
            .map_err(|e| StoreError::Unavailable(e.into()))?;
    } else {
        // Still fail fast when the server is away, as index creation would.
        store.ping().await?;
    }
    Ok((blobs, store))
}
