//! [`AccountStore`] on the same SQLite database as [`SqliteStore`]'s files
//! and jobs (tables in `sqlite_rows::SCHEMA`).
//!
//! Every call runs on the store's one connection, so a read-then-write in a
//! single closure (a claim, a revoke) cannot interleave with another call.

use super::sqlite_account_rows::{
    HISTORY_BEFORE, HISTORY_FIRST, KEY_BY_HASH, KEYS_OF_USER, USER_BY_EMAIL, USER_BY_ID, day_key,
    db_int, history_from_row, key_from_row, uint, user_from_row,
};
use super::sqlite_rows::ts;
use super::sqlite_store::SqliteStore;
use crate::accounts::{
    AccountError, AccountStore, ApiKey, Claim, Direction, HistoryEntry, QuotaOverride,
    StorageUsage, Transfer, User,
};
use crate::store::StoreError;
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

impl SqliteStore {
    async fn one_user(&self, sql: &'static str, arg: String) -> Result<Option<User>, StoreError> {
        self.call(move |conn| conn.query_row(sql, [arg], user_from_row).optional())
            .await
    }
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_user(&self, user: &User) -> Result<(), AccountError> {
        let u = user.clone();
        // `DO NOTHING` only on the email: a clash of ids is a bug and errors.
        let inserted = self
            .call(move |conn| {
                conn.execute(
                    "INSERT INTO users (id, email, name, password_hash, created_at, notify_email,
                                        quota_storage, quota_month_transfer, operator)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(email) DO NOTHING",
                    params![
                        u.id,
                        u.email,
                        u.name,
                        u.password_hash,
                        ts(u.created_at),
                        u.notify_email,
                        u.quota.storage_bytes.map(db_int),
                        u.quota.monthly_transfer_bytes.map(db_int),
                        u.operator
                    ],
                )
            })
            .await?;
        if inserted == 0 {
            return Err(AccountError::EmailTaken);
        }
        Ok(())
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.one_user(USER_BY_EMAIL, email.to_owned()).await
    }

    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        self.one_user(USER_BY_ID, id.to_owned()).await
    }

    async fn has_users(&self) -> Result<bool, StoreError> {
        self.call(|conn| conn.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0)))
            .await
    }

    async fn set_notify_email(&self, user_id: &str, on: bool) -> Result<bool, StoreError> {
        let id = user_id.to_owned();
        let changed = self.call(move |conn| {
            conn.execute(
                "UPDATE users SET notify_email = ?1 WHERE id = ?2",
                params![on, id],
            )
        });
        Ok(changed.await? > 0)
    }

    async fn set_quota(&self, user_id: &str, quota: QuotaOverride) -> Result<bool, StoreError> {
        let id = user_id.to_owned();
        let changed = self.call(move |conn| {
            conn.execute(
                "UPDATE users SET quota_storage = ?1, quota_month_transfer = ?2 WHERE id = ?3",
                params![
                    quota.storage_bytes.map(db_int),
                    quota.monthly_transfer_bytes.map(db_int),
                    id
                ],
            )
        });
        Ok(changed.await? > 0)
    }

    async fn set_operator(&self, user_id: &str, on: bool) -> Result<bool, StoreError> {
        let id = user_id.to_owned();
        let changed = self.call(move |conn| {
            conn.execute(
                "UPDATE users SET operator = ?1 WHERE id = ?2",
                params![on, id],
            )
        });
        Ok(changed.await? > 0)
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let k = key.clone();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO api_keys (id, user_id, name, prefix, hash, created_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    k.id,
                    k.user_id,
                    k.name,
                    k.prefix,
                    k.hash,
                    ts(k.created_at),
                    k.revoked_at.map(ts)
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKey>, StoreError> {
        let id = user_id.to_owned();
        self.call(move |conn| {
            conn.prepare(KEYS_OF_USER)?
                .query_map([id], key_from_row)?
                .collect()
        })
        .await
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let hash = hash.to_owned();
        self.call(move |conn| conn.query_row(KEY_BY_HASH, [hash], key_from_row).optional())
            .await
    }

    async fn revoke_api_key(&self, user_id: &str, key_id: &str) -> Result<bool, StoreError> {
        let (user, key) = (user_id.to_owned(), key_id.to_owned());
        // COALESCE keeps the first revocation time when revoked again.
        let changed = self.call(move |conn| {
            conn.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?1)
                 WHERE id = ?2 AND user_id = ?3",
                params![ts(Utc::now()), key, user],
            )
        });
        Ok(changed.await? > 0)
    }

    async fn add_history(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        let e = entry.clone();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO history (id, user_id, action, subject, detail, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    e.id,
                    e.user_id,
                    e.action.as_str(),
                    e.subject,
                    e.detail.to_string(),
                    ts(e.at)
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn history(
        &self,
        user_id: &str,
        before: Option<&str>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let (user, before) = (user_id.to_owned(), before.map(str::to_owned));
        self.call(move |conn| match &before {
            Some(b) => conn
                .prepare(HISTORY_BEFORE)?
                .query_map(params![user, b, limit], history_from_row)?
                .collect(),
            None => conn
                .prepare(HISTORY_FIRST)?
                .query_map(params![user, limit], history_from_row)?
                .collect(),
        })
        .await
    }

    async fn add_transfer(
        &self,
        user_id: &str,
        direction: Direction,
        bytes: u64,
        day: NaiveDate,
    ) -> Result<(), StoreError> {
        let (user, day, bytes) = (user_id.to_owned(), day_key(day), db_int(bytes));
        let sql = match direction {
            Direction::Upload => {
                "INSERT INTO transfers (user_id, day, uploaded) VALUES (?1, ?2, ?3)
                 ON CONFLICT(user_id, day) DO UPDATE SET uploaded = uploaded + ?3"
            }
            Direction::Download => {
                "INSERT INTO transfers (user_id, day, downloaded) VALUES (?1, ?2, ?3)
                 ON CONFLICT(user_id, day) DO UPDATE SET downloaded = downloaded + ?3"
            }
        };
        self.call(move |conn| conn.execute(sql, params![user, day, bytes]).map(|_| ()))
            .await
    }

    async fn transfer(
        &self,
        user_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Transfer, StoreError> {
        let (user, from, to) = (user_id.to_owned(), day_key(from), day_key(to));
        self.call(move |conn| {
            conn.query_row(
                "SELECT COALESCE(SUM(uploaded), 0), COALESCE(SUM(downloaded), 0)
                 FROM transfers WHERE user_id = ?1 AND day BETWEEN ?2 AND ?3",
                params![user, from, to],
                |r| {
                    Ok(Transfer {
                        uploaded: uint(r, 0)?,
                        downloaded: uint(r, 1)?,
                    })
                },
            )
        })
        .await
    }

    async fn storage_usage(&self, user_id: &str) -> Result<StorageUsage, StoreError> {
        let user = user_id.to_owned();
        self.call(move |conn| {
            let (original_bytes, output_bytes, files) = conn.query_row(
                "SELECT COALESCE(SUM(CASE WHEN job_id IS NULL THEN bytes END), 0),
                        COALESCE(SUM(CASE WHEN job_id IS NOT NULL THEN bytes END), 0),
                        COUNT(CASE WHEN job_id IS NULL THEN 1 END)
                 FROM files WHERE owner = ?1",
                [&user],
                |r| Ok((uint(r, 0)?, uint(r, 1)?, uint(r, 2)?)),
            )?;
            let jobs =
                conn.query_row("SELECT COUNT(*) FROM jobs WHERE owner = ?1", [&user], |r| {
                    uint(r, 0)
                })?;
            Ok(StorageUsage {
                original_bytes,
                output_bytes,
                files,
                jobs,
            })
        })
        .await
    }

    async fn claim_notification(&self, key: &str) -> Result<Claim, StoreError> {
        let key = key.to_owned();
        self.call(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO notifications (key, state, claimed_at) VALUES (?1, 'pending', ?2)
                 ON CONFLICT(key) DO NOTHING",
                params![key, ts(Utc::now())],
            )?;
            if inserted > 0 {
                return Ok(Claim::New);
            }
            let state: String = conn.query_row(
                "SELECT state FROM notifications WHERE key = ?1",
                [&key],
                |r| r.get(0),
            )?;
            Ok(if state == "sent" {
                Claim::Sent
            } else {
                Claim::Pending
            })
        })
        .await
    }

    async fn notification_sent(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO notifications (key, state, claimed_at) VALUES (?1, 'sent', ?2)
                 ON CONFLICT(key) DO UPDATE SET state = 'sent'",
                params![key, ts(Utc::now())],
            )
            .map(|_| ())
        })
        .await
    }
}
