//! The account store trait: users, API keys, per-user history, transfer
//! counters, and notification dedupe keys.
//!
//! Implemented by the same stores as [`MetaStore`](crate::MetaStore) (SQLite,
//! MongoDB), on the same database, so storage usage can be summed over the
//! files an account owns.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreError;
/// What a history entry records: the API's type, stored as the same name.
pub use kiln_proto::api::HistoryAction;

/// An account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Account id (a time-ordered UUID from [`crate::new_id`]).
    pub id: String,
    /// Sign-in address, stored lowercased (the caller normalises); unique.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The password's argon2id hash in PHC string form. Never logged or
    /// returned by the API.
    pub password_hash: String,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// Whether the user wants an email when any of their jobs ends (also
    /// asked per upload with `notify=email`).
    pub notify_email: bool,
    /// Per-user quota overrides; `None` fields take the configured defaults.
    pub quota: QuotaOverride,
    /// Whether the account may use the operator API (every account's jobs,
    /// dead letters); granted with `kiln admin grant`.
    pub operator: bool,
}

/// Quota overrides of one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaOverride {
    /// Bytes of originals and outputs the account may keep.
    pub storage_bytes: Option<u64>,
    /// Bytes the account may upload plus download per calendar month (UTC).
    pub monthly_transfer_bytes: Option<u64>,
}

/// A machine client's key. Only its hash is stored; the key itself is shown
/// once, when made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Key id (time-ordered UUID).
    pub id: String,
    /// Owning account.
    pub user_id: String,
    /// A label the user chose.
    pub name: String,
    /// The key's first characters (`kiln_` and a few more), to recognise it
    /// in a list.
    pub prefix: String,
    /// Lowercase hex SHA-256 of the whole key; unique.
    pub hash: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; a revoked key authenticates nobody.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One entry of a user's history (`GET /v1/history`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Entry id (time-ordered UUID: the order of the history).
    pub id: String,
    /// Whose history.
    pub user_id: String,
    /// What happened.
    pub action: HistoryAction,
    /// What it happened to (a file or job id), if anything.
    pub subject: Option<String>,
    /// Details (file name, bytes, job kind, reason, ...).
    pub detail: serde_json::Value,
    /// When.
    pub at: DateTime<Utc>,
}

/// Which way bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Into Kiln (uploads).
    Upload,
    /// Out of Kiln (downloads).
    Download,
}

/// Bytes moved over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Transfer {
    /// Bytes uploaded.
    pub uploaded: u64,
    /// Bytes downloaded.
    pub downloaded: u64,
}

/// What an account keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StorageUsage {
    /// Bytes of its uploads.
    pub original_bytes: u64,
    /// Bytes of the outputs derived from them.
    pub output_bytes: u64,
    /// Number of uploads.
    pub files: u64,
    /// Number of jobs.
    pub jobs: u64,
}

/// The state of a notification key when claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had claimed it: the caller sends.
    New,
    /// Claimed before but not confirmed sent (an attempt failed or died):
    /// the caller sends again.
    Pending,
    /// Already sent: the caller does nothing.
    Sent,
}

/// Account store failures.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Another account has this email address.
    #[error("an account with this email address exists")]
    EmailTaken,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Durable record of accounts and what they did.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Stores a new account; [`AccountError::EmailTaken`] if the email is in
    /// use (enforced by a unique index, so two racing sign-ups cannot both win).
    async fn create_user(&self, user: &User) -> Result<(), AccountError>;

    /// The account with this (lowercased) email.
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// The account with this id.
    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError>;

    /// Whether any account exists (so that starting with accounts off can
    /// be refused on data that has owners).
    async fn has_users(&self) -> Result<bool, StoreError>;

    /// Sets the per-user email preference; false if there is no such user.
    async fn set_notify_email(&self, user_id: &str, on: bool) -> Result<bool, StoreError>;

    /// Sets the per-user quota overrides; false if there is no such user.
    async fn set_quota(&self, user_id: &str, quota: QuotaOverride) -> Result<bool, StoreError>;

    /// Grants or revokes the operator role; `false` if no such account.
    async fn set_operator(&self, user_id: &str, on: bool) -> Result<bool, StoreError>;

    /// Stores a new API key.
    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;

    /// The user's keys, revoked ones included, newest first.
    async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKey>, StoreError>;

    /// The key with this hash, revoked or not.
    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError>;

    /// Revokes one of the user's keys; false if the user has no such key
    /// (another user's key id included). Revoking twice is not an error.
    async fn revoke_api_key(&self, user_id: &str, key_id: &str) -> Result<bool, StoreError>;

    /// Appends to a user's history.
    async fn add_history(&self, entry: &HistoryEntry) -> Result<(), StoreError>;

    /// A page of a user's history, newest first, older than entry id
    /// `before` when given.
    async fn history(
        &self,
        user_id: &str,
        before: Option<&str>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError>;

    /// Adds `bytes` to the user's counter for `day` (UTC) in `direction`,
    /// atomically (concurrent requests all count).
    async fn add_transfer(
        &self,
        user_id: &str,
        direction: Direction,
        bytes: u64,
        day: NaiveDate,
    ) -> Result<(), StoreError>;

    /// Bytes moved by the user from day `from` to day `to`, both included.
    async fn transfer(
        &self,
        user_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Transfer, StoreError>;

    /// What the user keeps: sums over the files they own (originals have no
    /// `job_id`, outputs have one) and the count of their jobs.
    async fn storage_usage(&self, user_id: &str) -> Result<StorageUsage, StoreError>;

    /// Claims a notification key (e.g. `JOB_ID:succeeded`) before sending,
    /// insert-if-absent: the first claim gets [`Claim::New`].
    async fn claim_notification(&self, key: &str) -> Result<Claim, StoreError>;

    /// Marks a claimed notification as sent.
    async fn notification_sent(&self, key: &str) -> Result<(), StoreError>;
}
