//! BSON documents of the account collections, for `accounts.rs`: how
//! users, API keys and history entries are stored and read back. Field
//! types follow `docs.rs` (string `_id`s, BSON dates, Int64 byte counts).

use super::docs::{
    boolean, bson_to_json, date, get_time, int, json_to_bson, opt_string, opt_time, opt_uint,
    string,
};
use crate::accounts::{ApiKey, HistoryEntry, QuotaOverride, User};
use crate::store::StoreError;
use chrono::NaiveDate;
use mongodb::bson::{Bson, Document, doc};

/// Byte counts are `u64` in Rust and Int64 in BSON; saturating keeps
/// "unlimited" quotas such as `u64::MAX` storable.
pub(super) fn long(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(super) fn quota_doc(q: QuotaOverride) -> Document {
    doc! {
        "storage_bytes": q.storage_bytes.map(long),
        "monthly_transfer_bytes": q.monthly_transfer_bytes.map(long),
    }
}

pub(super) fn user_from_doc(d: &Document) -> Result<User, StoreError> {
    let quota = match d.get("quota") {
        Some(Bson::Document(q)) => QuotaOverride {
            storage_bytes: opt_uint(q, "storage_bytes")?,
            monthly_transfer_bytes: opt_uint(q, "monthly_transfer_bytes")?,
        },
        _ => QuotaOverride::default(),
    };
    Ok(User {
        id: string(d, "_id")?,
        email: string(d, "email")?,
        name: string(d, "name")?,
        password_hash: string(d, "password_hash")?,
        created_at: get_time(d, "created_at")?,
        notify_email: boolean(d, "notify_email")?,
        quota,
        // Accounts made before the role existed have no field.
        operator: match d.get("operator") {
            None => false,
            Some(_) => boolean(d, "operator")?,
        },
    })
}

pub(super) fn key_from_doc(d: &Document) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        id: string(d, "_id")?,
        user_id: string(d, "user_id")?,
        name: string(d, "name")?,
        prefix: string(d, "prefix")?,
        hash: string(d, "hash")?,
        created_at: get_time(d, "created_at")?,
        revoked_at: opt_time(d, "revoked_at")?,
    })
}

pub(super) fn history_from_doc(d: &Document) -> Result<HistoryEntry, StoreError> {
    Ok(HistoryEntry {
        id: string(d, "_id")?,
        user_id: string(d, "user_id")?,
        action: string(d, "action")?.into(),
        subject: opt_string(d, "subject")?,
        detail: d
            .get("detail")
            .map_or(Ok(serde_json::Value::Null), bson_to_json)?,
        at: get_time(d, "at")?,
    })
}

/// A transfer counter's `_id`: one document per user and day, so adding is
/// one upsert and a range of days is a range of `_id`s (user ids hold no `:`).
pub(super) fn day_id(user_id: &str, day: NaiveDate) -> String {
    format!("{user_id}:{}", day.format("%Y-%m-%d"))
}

/// A summed field of an aggregation result (Int32, Int64 or Double,
/// depending on the server and the sizes); absent when nothing matched.
pub(super) fn sum(d: Option<&Document>, k: &str) -> Result<u64, StoreError> {
    let Some(v) = d.and_then(|d| d.get(k)) else {
        return Ok(0);
    };
    u64::try_from(int(k, v)?).map_err(|_| StoreError::Corrupt(format!("negative `{k}`").into()))
}

/// The document of a user.
pub(super) fn user_to_doc(user: &User) -> Document {
    doc! {
        "_id": &user.id,
        "email": &user.email,
        "name": &user.name,
        "password_hash": &user.password_hash,
        "created_at": date(user.created_at),
        "notify_email": user.notify_email,
        "operator": user.operator,
        "quota": quota_doc(user.quota),
    }
}

/// The document of an API key.
pub(super) fn key_to_doc(key: &ApiKey) -> Document {
    doc! {
        "_id": &key.id,
        "user_id": &key.user_id,
        "name": &key.name,
        "prefix": &key.prefix,
        "hash": &key.hash,
        "created_at": date(key.created_at),
        "revoked_at": key.revoked_at.map(date),
    }
}

/// The document of a history entry.
pub(super) fn history_to_doc(entry: &HistoryEntry) -> Document {
    doc! {
        "_id": &entry.id,
        "user_id": &entry.user_id,
        "action": entry.action.as_str(),
        "subject": entry.subject.as_deref(),
        "detail": json_to_bson(&entry.detail),
        "at": date(entry.at),
    }
}
