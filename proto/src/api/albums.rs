//! `/v1/albums`: named, ordered sets of the caller's files.

use super::library::present;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Most files in one album.
pub const MAX_ALBUM_FILES: u64 = 10_000;
/// Most file ids in one request (adding files, setting the order).
pub const MAX_IDS_PER_REQUEST: usize = 1000;

/// `POST /v1/albums`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlbum {
    /// Name, 1 to 255 characters.
    #[schema(min_length = 1, max_length = 255)]
    pub name: String,
    /// Description, at most 2000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// `PATCH /v1/albums/{id}`: a field left out is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbumUpdate {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 255)]
    pub name: Option<String>,
    /// New description, or `null` to remove it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    /// The file shown for the album (one of its files), or `null` for its
    /// first file.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub cover_file_id: Option<Option<String>>,
    /// Files of the album to put first, in this order; the others keep
    /// their order after them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000)]
    pub file_order: Option<Vec<String>>,
}

/// An album.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0190d1f5-0000-7000-8000-000000000001", "name": "Lisbon 2024", "description": null,
    "cover_file_id": "0190d1f4-8a41-7c2e-9d6a-2f1b4c8e7a10",
    "cover_url": "/v1/files/0190d1f4-9b01-7e33-85f6-0a1b2c3d4e5f", "file_count": 12,
    "files_url": "/v1/files?album=0190d1f5-0000-7000-8000-000000000001",
    "created_at": "2024-06-01T12:00:00Z", "updated_at": "2024-06-02T08:30:00Z"
}))]
pub struct AlbumView {
    /// Album id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[schema(required = true)]
    pub description: Option<String>,
    /// The cover file: the one chosen, else the first file; `null` when empty.
    #[schema(required = true)]
    pub cover_file_id: Option<String>,
    /// A thumbnail of the cover, when it has one.
    #[schema(required = true)]
    pub cover_url: Option<String>,
    /// How many files it holds.
    pub file_count: u64,
    /// Its files, in its order (`GET`).
    pub files_url: String,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

/// A page of albums, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlbumList {
    /// The albums of this page.
    pub albums: Vec<AlbumView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `POST /v1/albums/{id}/files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbumFiles {
    /// The caller's uploads to add, in order (at most 1000 at once).
    #[schema(min_items = 1, max_items = 1000)]
    pub file_ids: Vec<String>,
}

/// What adding files did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlbumFilesAdded {
    /// How many were added (files already in it are skipped).
    pub added: u64,
    /// The album now.
    pub album: AlbumView,
}
