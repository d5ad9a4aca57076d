//! A SQLite connection shared by async code.

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Why a database call failed, with SQLite's error as the source.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// SQLite refused or failed the statement.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A call panicked while holding the connection.
    #[error("database lock poisoned")]
    Poisoned,
    /// The blocking task was cancelled or panicked.
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// One SQLite connection behind a mutex; each call runs on the blocking pool.
///
/// A single connection serialises writers, which SQLite does anyway, and keeps
/// `BEGIN IMMEDIATE` transactions free of busy-retry loops.
#[derive(Clone)]
pub(crate) struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database and applies `schema`.
    pub(crate) fn open(path: &Path, schema: &str) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        // WAL lets readers proceed during writes; FULL makes every commit
        // durable, because "accepted" must survive a power cut, not just a crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(schema)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the current thread (start-up only).
    pub(crate) fn call_blocking<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> Result<R, DbError> {
        let mut guard = self.conn.lock().map_err(|_| DbError::Poisoned)?;
        Ok(f(&mut guard)?)
    }

    /// Runs `f` with the connection on the blocking thread pool.
    pub(crate) async fn call<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| DbError::Poisoned)?;
            Ok(f(&mut guard)?)
        })
        .await?
    }
}
