//! Statements and row mapping of the account tables, for
//! `sqlite_accounts.rs` (the tables themselves are in `sqlite_rows::SCHEMA`).

use super::sqlite_rows::{conversion, parse_ts};
use crate::accounts::{ApiKey, HistoryEntry, QuotaOverride, User};
use chrono::NaiveDate;
use rusqlite::Row;

// Statements are written out whole (no `format!`), so every value is bound.
pub(super) const USER_BY_EMAIL: &str =
    "SELECT id, email, name, password_hash, created_at, notify_email,
     quota_storage, quota_month_transfer, operator FROM users WHERE email = ?1";
pub(super) const USER_BY_ID: &str =
    "SELECT id, email, name, password_hash, created_at, notify_email,
     quota_storage, quota_month_transfer, operator FROM users WHERE id = ?1";
pub(super) const KEYS_OF_USER: &str =
    "SELECT id, user_id, name, prefix, hash, created_at, revoked_at
     FROM api_keys WHERE user_id = ?1 ORDER BY id DESC";
pub(super) const KEY_BY_HASH: &str =
    "SELECT id, user_id, name, prefix, hash, created_at, revoked_at
     FROM api_keys WHERE hash = ?1";
// Two statements rather than `(?2 IS NULL OR id < ?2)`, which would keep the
// planner from using `id` as the bound of the index range.
pub(super) const HISTORY_FIRST: &str =
    "SELECT id, user_id, action, subject, detail, at FROM history
     WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2";
pub(super) const HISTORY_BEFORE: &str =
    "SELECT id, user_id, action, subject, detail, at FROM history
     WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";

/// Byte counts are `u64` in Rust and `i64` in SQLite; nothing real comes
/// near the limit, so saturating is enough (and keeps "unlimited" quotas
/// such as `u64::MAX` storable).
pub(super) fn db_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(super) fn uint(row: &Row<'_>, idx: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(idx)?;
    u64::try_from(v).map_err(|e| conversion(idx, e.to_string()))
}

pub(super) fn opt_uint(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<u64>> {
    let v: Option<i64> = row.get(idx)?;
    v.map(|v| u64::try_from(v).map_err(|e| conversion(idx, e.to_string())))
        .transpose()
}

pub(super) fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        password_hash: row.get(3)?,
        created_at: parse_ts(row, 4)?,
        notify_email: row.get(5)?,
        quota: QuotaOverride {
            storage_bytes: opt_uint(row, 6)?,
            monthly_transfer_bytes: opt_uint(row, 7)?,
        },
        operator: row.get(8)?,
    })
}

pub(super) fn key_from_row(row: &Row<'_>) -> rusqlite::Result<ApiKey> {
    let revoked: Option<String> = row.get(6)?;
    Ok(ApiKey {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        prefix: row.get(3)?,
        hash: row.get(4)?,
        created_at: parse_ts(row, 5)?,
        revoked_at: match revoked {
            Some(_) => Some(parse_ts(row, 6)?),
            None => None,
        },
    })
}

pub(super) fn history_from_row(row: &Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let detail: String = row.get(4)?;
    Ok(HistoryEntry {
        id: row.get(0)?,
        user_id: row.get(1)?,
        action: row.get::<_, String>(2)?.into(),
        subject: row.get(3)?,
        detail: serde_json::from_str(&detail).map_err(|e| conversion(4, e.to_string()))?,
        at: parse_ts(row, 5)?,
    })
}

/// `YYYY-MM-DD`: fixed width, so text order is day order.
pub(super) fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}
