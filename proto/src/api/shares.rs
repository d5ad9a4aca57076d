//! `/v1/shares` and the public `/s/{token}`: showing files or an album to
//! people without an account.

use super::library::Thumbnail;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/shares`: exactly one of `file_id` and `album_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"album_id": "0190d1f5-0000-7000-8000-000000000001", "expires_in_secs": 604800, "download": false}))]
pub struct NewShare {
    /// One of the caller's uploads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// One of the caller's albums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_id: Option<String>,
    /// How long the link works, seconds; absent: until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub expires_in_secs: Option<u64>,
    /// Whether visitors may download originals (default `false`:
    /// thumbnails only).
    #[serde(default)]
    pub download: bool,
}

/// `201`: the link. Its token is shown this once; only a hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShareCreated {
    /// Share id (to list and revoke it).
    pub id: String,
    /// The secret part of the link.
    pub token: String,
    /// The link, relative to the gateway (`/s/{token}`).
    pub url: String,
    /// The share.
    pub share: ShareView,
}

/// A share as its owner sees it (without the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShareView {
    /// Share id.
    pub id: String,
    /// `file` or `album`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The file or album id.
    pub target_id: String,
    /// Whether originals may be downloaded.
    pub download: bool,
    /// When it stops working; `null`: until revoked.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it has expired.
    pub expired: bool,
    /// Made at.
    pub created_at: DateTime<Utc>,
}

/// A page of shares, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShareList {
    /// The shares of this page.
    pub shares: Vec<ShareView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `GET /s/{token}` with `Accept: application/json`: what is shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SharedPage {
    /// `file` or `album`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The album's name, or the file's.
    #[schema(required = true)]
    pub title: Option<String>,
    /// The album's description, or the file's.
    #[schema(required = true)]
    pub description: Option<String>,
    /// Whether originals may be downloaded.
    pub download: bool,
    /// When the link stops working.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The files (an album's in its order, 100 at a time).
    pub files: Vec<SharedFile>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One shared file; every URL works under the share's token alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SharedFile {
    /// File id.
    pub id: String,
    /// Name.
    #[schema(required = true)]
    pub filename: Option<String>,
    /// MIME type.
    pub content_type: String,
    /// `image`, `video`, `audio` or `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Width as displayed.
    #[schema(required = true)]
    pub width: Option<u32>,
    /// Height as displayed.
    #[schema(required = true)]
    pub height: Option<u32>,
    /// When it was taken.
    #[schema(required = true)]
    pub taken_at: Option<DateTime<Utc>>,
    /// Its thumbnails.
    pub thumbnails: Vec<Thumbnail>,
    /// The original, when the share allows downloads; else `null`.
    #[schema(required = true)]
    pub url: Option<String>,
}
