//! `GET /v1/me` and `PATCH /v1/me`: the caller's account and preferences.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The caller's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// Account id.
    pub id: String,
    /// Sign-in address, lowercased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// Whether an email goes out whenever any of the account's jobs ends.
    pub notify_email: bool,
    /// The account's own quotas, set by an operator (`kiln quota`).
    pub quota: QuotaOverrides,
}

/// Quotas set for one account; `null` means the installation's default
/// applies (`GET /v1/usage` shows the effective ones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuotaOverrides {
    /// Bytes of uploads and outputs the account may keep.
    #[schema(required = true)]
    pub storage_bytes: Option<u64>,
    /// Bytes the account may upload plus download per calendar month (UTC).
    #[schema(required = true)]
    pub monthly_transfer_bytes: Option<u64>,
}

/// Body of `PATCH /v1/me`: the preferences to change; absent ones stay.
/// Unknown fields are refused (`422`), so a typo does not pass silently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Email me when any of my jobs ends (as `notify=email` on every upload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_email: Option<bool>,
}
