//! `GET /v1/files`, `PATCH /v1/files/{id}` and `POST /v1/files/{id}/links`:
//! the caller's files as a library, searchable by what was extracted.

use crate::{JobKind, JobStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Most tags on one file.
pub const MAX_TAGS: usize = 32;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;
/// Longest file or album name, in characters.
pub const MAX_NAME_CHARS: usize = 255;
/// Longest description of a file or album, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Longest text search (`q`), in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Filters and paging of `GET /v1/files`, as given (strings, so that a bad
/// value answers `422` naming its parameter; an empty one counts as absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FileListQuery {
    /// `image`, `video`, `audio` or `other`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^(image|video|audio|other)$", example = "image")]
    pub kind: Option<String>,
    /// Text in the name, a tag or the description (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(max_length = 200, example = "beach")]
    pub q: Option<String>,
    /// Only files in this album.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    /// Uploaded at or after (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(format = DateTime, example = "2024-06-01T00:00:00Z")]
    pub uploaded_after: Option<String>,
    /// Uploaded before (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(format = DateTime)]
    pub uploaded_before: Option<String>,
    /// Camera maker, whole, case-insensitive (EXIF `Make`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(example = "Canon")]
    pub camera_make: Option<String>,
    /// Camera model, whole, case-insensitive (EXIF `Model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_model: Option<String>,
    /// Lens, whole, case-insensitive (EXIF `LensModel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lens: Option<String>,
    /// Taken at or after (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(format = DateTime, example = "2024-06-01T00:00:00Z")]
    pub taken_after: Option<String>,
    /// Taken before (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(format = DateTime)]
    pub taken_before: Option<String>,
    /// `true`: only files with a GPS position; `false`: only without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<bool>)]
    pub has_gps: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat` (decimal degrees; `min_lon >
    /// max_lon` crosses the antimeridian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(example = "-9.5,38.6,-9.0,38.9")]
    pub bbox: Option<String>,
    /// `portrait` or `landscape` (as displayed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^(portrait|landscape)$", example = "portrait")]
    pub orientation: Option<String>,
    /// At least this many pixels wide (as displayed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, example = 1024)]
    pub min_width: Option<String>,
    /// At least this many pixels tall (as displayed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>)]
    pub min_height: Option<String>,
    /// At least this long, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<f64>, minimum = 0)]
    pub min_duration: Option<String>,
    /// At most this long, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<f64>, minimum = 0)]
    pub max_duration: Option<String>,
    /// `newest` (default), `oldest`, or `album` (the album's own order;
    /// needs `album`, and is its default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^(newest|oldest|album)$", example = "oldest")]
    pub sort: Option<String>,
    /// Page size, 1 to 200; default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page of files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileList {
    /// The files of this page.
    pub files: Vec<FileView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// An uploaded file as its owner sees it in the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileView {
    /// File id.
    pub id: String,
    /// Where to download it (with credentials).
    pub url: String,
    /// Its name; `null` when it was uploaded without one.
    #[schema(required = true)]
    pub filename: Option<String>,
    /// MIME type sniffed from the bytes.
    pub content_type: String,
    /// `image`, `video`, `audio` or `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
    /// Width as displayed (EXIF orientation applied), once extracted.
    #[schema(required = true)]
    pub width: Option<u32>,
    /// Height as displayed, once extracted.
    #[schema(required = true)]
    pub height: Option<u32>,
    /// Duration of audio or video, seconds, once extracted.
    #[schema(required = true)]
    pub duration_secs: Option<f64>,
    /// Owner-given tags.
    pub tags: Vec<String>,
    /// Owner-given description.
    #[schema(required = true)]
    pub description: Option<String>,
    /// When it was taken (EXIF `DateTimeOriginal`, or the container's
    /// creation time), once extracted.
    #[schema(required = true)]
    pub taken_at: Option<DateTime<Utc>>,
    /// Camera and lens, when recorded.
    #[schema(required = true)]
    pub camera: Option<Camera>,
    /// Where it was taken, when recorded.
    #[schema(required = true)]
    pub location: Option<Location>,
    /// Its thumbnails, smallest first.
    pub thumbnails: Vec<Thumbnail>,
    /// Its jobs, oldest first.
    pub jobs: Vec<FileJob>,
}

/// Camera and lens of a picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Camera {
    /// Maker (EXIF `Make`).
    #[schema(required = true)]
    pub make: Option<String>,
    /// Model (EXIF `Model`).
    #[schema(required = true)]
    pub model: Option<String>,
    /// Lens (EXIF `LensModel`).
    #[schema(required = true)]
    pub lens: Option<String>,
}

/// A GPS position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Location {
    /// Decimal degrees, north positive.
    pub latitude: f64,
    /// Decimal degrees, east positive.
    pub longitude: f64,
}

/// One thumbnail of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Thumbnail {
    /// Output file id.
    pub file_id: String,
    /// Where to get it.
    pub url: String,
    /// MIME type.
    pub content_type: String,
    /// Pixel width.
    #[schema(required = true)]
    pub width: Option<u32>,
    /// Pixel height.
    #[schema(required = true)]
    pub height: Option<u32>,
    /// Size in bytes.
    pub bytes: u64,
}

/// One job of a file, in brief (`GET /v1/jobs/{id}` has the whole job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FileJob {
    /// Job id.
    pub id: String,
    /// What it does.
    pub kind: JobKind,
    /// Where it is.
    pub status: JobStatus,
    /// Where to follow it.
    pub url: String,
}

/// `PATCH /v1/files/{id}`: what to change; a field left out is kept, a
/// `description` of `null` is removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileUpdate {
    /// New name (1 to 255 characters; no path, no control characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 255)]
    pub filename: Option<String>,
    /// New tags, replacing the old (at most 32, each 1 to 64 characters;
    /// repeats are dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 32)]
    pub tags: Option<Vec<String>>,
    /// New description (at most 2000 characters), or `null` to remove it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
}

/// A field that may be `null`: absent is `None`, `null` is `Some(None)`.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /v1/files/{id}/links`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// How long the link works, seconds (default 3600; at most the
    /// server's `gateway.max_link_secs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub expires_in_secs: Option<u64>,
}

/// A signed download link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"url": "/d/0190d1f4-8a41-7c2e-9d6a-2f1b4c8e7a10?expires=1717246800&sig=3q2-7w",
                          "expires_at": "2024-06-01T13:00:00Z"}))]
pub struct SignedLink {
    /// Path and query that download the file with no credentials, relative
    /// to the gateway (`/d/{id}?expires=…&sig=…`).
    pub url: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}
