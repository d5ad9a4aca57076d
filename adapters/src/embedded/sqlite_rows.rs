//! Schema and row mapping for [`super::SqliteStore`].

use crate::store::{FileRecord, JobRecord};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Row;

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS files (
    id           TEXT PRIMARY KEY,
    owner        TEXT,
    filename     TEXT,
    content_type TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    parent_id    TEXT,
    job_id       TEXT,
    width        INTEGER,
    height       INTEGER,
    created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_job ON files(job_id);
CREATE INDEX IF NOT EXISTS files_parent ON files(parent_id);

CREATE TABLE IF NOT EXISTS jobs (
    id         TEXT PRIMARY KEY,
    owner      TEXT,
    kind       TEXT NOT NULL,
    file_id    TEXT NOT NULL,
    params     TEXT NOT NULL,
    status     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published  INTEGER NOT NULL DEFAULT 0,
    history    TEXT NOT NULL DEFAULT '[]',
    attempt_base INTEGER NOT NULL DEFAULT 0,
    priority   TEXT NOT NULL DEFAULT 'interactive',
    trace      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS jobs_file ON jobs(file_id);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, id);
CREATE INDEX IF NOT EXISTS jobs_kind ON jobs(kind, id);
CREATE INDEX IF NOT EXISTS jobs_outbox ON jobs(published, id) WHERE published = 0;

CREATE TABLE IF NOT EXISTS metadata (
    file_id    TEXT PRIMARY KEY,
    doc        TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Accounts (see `sqlite_accounts.rs`). Like everything above, created on
-- open when missing, so databases from before accounts get them too.
CREATE INDEX IF NOT EXISTS files_owner ON files(owner);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner, id);

CREATE TABLE IF NOT EXISTS users (
    id                   TEXT PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    notify_email         INTEGER NOT NULL DEFAULT 0,
    quota_storage        INTEGER,
    quota_month_transfer INTEGER,
    operator             INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS api_keys (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys(user_id, id);

CREATE TABLE IF NOT EXISTS history (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_user ON history(user_id, id);

CREATE TABLE IF NOT EXISTS transfers (
    user_id    TEXT NOT NULL,
    day        TEXT NOT NULL,
    uploaded   INTEGER NOT NULL DEFAULT 0,
    downloaded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS notifications (
    key        TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    claimed_at TEXT NOT NULL
) WITHOUT ROWID;
"#;

pub(crate) const FILE_COLS: &str = "id, owner, filename, content_type, bytes, sha256, parent_id, job_id, width, height, created_at";

pub(crate) const JOB_COLS: &str = "id, owner, kind, file_id, params, status, attempts, error, created_at, updated_at, published, history, attempt_base, priority, trace";

/// Fixed-width UTC timestamps, so text order is time order.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let s: String = row.get(idx)?;
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
}

pub(crate) fn conversion(idx: usize, msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, msg.into())
}

pub(crate) fn file_from_row(row: &Row<'_>) -> rusqlite::Result<FileRecord> {
    Ok(FileRecord {
        id: row.get(0)?,
        owner: row.get(1)?,
        filename: row.get(2)?,
        content_type: row.get(3)?,
        bytes: row.get::<_, i64>(4)? as u64,
        sha256: row.get(5)?,
        parent_id: row.get(6)?,
        job_id: row.get(7)?,
        width: row.get(8)?,
        height: row.get(9)?,
        created_at: parse_ts(row, 10)?,
    })
}

pub(crate) fn job_from_row(row: &Row<'_>) -> rusqlite::Result<JobRecord> {
    let kind: String = row.get(2)?;
    let params: String = row.get(4)?;
    let status: String = row.get(5)?;
    Ok(JobRecord {
        id: row.get(0)?,
        owner: row.get(1)?,
        kind: kind.into(),
        file_id: row.get(3)?,
        params: serde_json::from_str(&params).map_err(|e| conversion(4, e.to_string()))?,
        status: status.parse().map_err(|e: String| conversion(5, e))?,
        attempts: row.get(6)?,
        error: row.get(7)?,
        created_at: parse_ts(row, 8)?,
        updated_at: parse_ts(row, 9)?,
        published: row.get(10)?,
        history: {
            let h: String = row.get(11)?;
            serde_json::from_str(&h).map_err(|e| conversion(11, e.to_string()))?
        },
        attempt_base: row.get(12)?,
        priority: {
            let p: String = row.get(13)?;
            p.parse().map_err(|e: String| conversion(13, e))?
        },
        trace: {
            let t: String = row.get(14)?;
            serde_json::from_str(&t).map_err(|e| conversion(14, e.to_string()))?
        },
    })
}

pub(crate) fn insert_file(tx: &rusqlite::Transaction<'_>, f: &FileRecord) -> rusqlite::Result<()> {
    tx.execute(
        &format!("INSERT OR REPLACE INTO files ({FILE_COLS}, search_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        rusqlite::params![
            f.id, f.owner, f.filename, f.content_type, f.bytes as i64, f.sha256,
            f.parent_id, f.job_id, f.width, f.height, ts(f.created_at),
            super::sqlite_library_rows::search_text(f.filename.as_deref(), &[], None)
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_job(tx: &rusqlite::Transaction<'_>, j: &JobRecord) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO jobs ({JOB_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        ),
        rusqlite::params![
            j.id,
            j.owner,
            j.kind.as_str(),
            j.file_id,
            j.params.to_string(),
            j.status.as_str(),
            j.attempts,
            j.error,
            ts(j.created_at),
            ts(j.updated_at),
            j.published,
            serde_json::to_string(&j.history).map_err(|e| conversion(11, e.to_string()))?,
            j.attempt_base,
            j.priority.as_str(),
            serde_json::to_string(&j.trace).map_err(|e| conversion(14, e.to_string()))?
        ],
    )?;
    Ok(())
}
