//! `GET`/`POST /v1/api-keys` and `DELETE /v1/api-keys/{id}` (`204`, no body).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /v1/api-keys` (optional: no body is an unnamed key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewApiKey {
    /// A label to recognise the key by, at most 100 characters.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name: String,
}

/// `201`: the new key. The key itself is in this answer only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    /// Key id (for `DELETE`).
    pub id: String,
    /// Its label.
    pub name: String,
    /// Its first characters, as lists show them.
    pub prefix: String,
    /// The key (`kiln_` and 40 characters): send it as `Authorization:
    /// Bearer KEY`. Only its hash is stored.
    pub key: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

// The key never reaches a log line.
impl std::fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("prefix", &self.prefix)
            .field("key", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// One of the caller's keys, by prefix only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyInfo {
    /// Key id.
    pub id: String,
    /// Its label.
    pub name: String,
    /// Its first characters.
    pub prefix: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; `null` while it works.
    #[schema(required = true)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The caller's keys, revoked ones included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyList {
    /// The keys, newest first.
    pub keys: Vec<ApiKeyInfo>,
}
