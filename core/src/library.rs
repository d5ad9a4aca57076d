//! The library: what a person does with their files once stored. Listing
//! and searching them (by name, tags and what the metadata worker
//! extracted), renaming and tagging, albums, share links, and finding a
//! file already stored with the same bytes.

use crate::store::{FileRecord, JobRecord, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

mod search;
pub use search::{SearchFields, fold, search_text};

/// What kind of media a file is, from its sniffed type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// `image/*`.
    Image,
    /// `video/*`.
    Video,
    /// `audio/*` and Ogg.
    Audio,
    /// Anything else.
    Other,
}

impl MediaKind {
    /// The kind of content of type `mime`.
    pub fn of(mime: &str) -> MediaKind {
        if mime.starts_with("image/") {
            MediaKind::Image
        } else if mime.starts_with("video/") {
            MediaKind::Video
        } else if mime.starts_with("audio/") || mime == "application/ogg" {
            MediaKind::Audio
        } else {
            MediaKind::Other
        }
    }

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Other => "other",
        }
    }
}

impl std::str::FromStr for MediaKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "image" => Ok(MediaKind::Image),
            "video" => Ok(MediaKind::Video),
            "audio" => Ok(MediaKind::Audio),
            "other" => Ok(MediaKind::Other),
            _ => Err("must be image, video, audio or other".into()),
        }
    }
}

/// An album's order after putting `first` (those of them in it) at the
/// front, in that order; the rest keep their order after them.
pub fn reordered(current: &[String], first: &[String]) -> Vec<String> {
    use std::collections::HashSet;
    let present: HashSet<&String> = current.iter().collect();
    let mut placed: HashSet<&String> = HashSet::new();
    let mut order: Vec<String> = Vec::with_capacity(current.len());
    for id in first.iter().chain(current) {
        if present.contains(id) && placed.insert(id) {
            order.push(id.clone());
        }
    }
    order
}

/// An original with what the library adds to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryFile {
    /// The stored file.
    pub file: FileRecord,
    /// Owner-given tags, in the order given.
    pub tags: Vec<String>,
    /// Owner-given description.
    pub description: Option<String>,
    /// Searchable facts from its metadata (empty until extracted).
    pub search: SearchFields,
    /// Its position in the album of [`FileQuery::album`] when listed with
    /// one (the cursor of [`FileOrder::Album`]); `None` otherwise.
    pub album_position: Option<i64>,
}

/// The order of a file list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FileOrder {
    /// Newest upload first (the default).
    #[default]
    Newest,
    /// Oldest upload first.
    Oldest,
    /// An album's own order (requires [`FileQuery::album`]).
    Album,
}

/// Portrait (taller than wide) or landscape (wider than tall); square
/// pictures are neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Height > width.
    Portrait,
    /// Width > height.
    Landscape,
}

/// Filters and paging for [`Library::list_files`]. Every filter narrows;
/// text filters match case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct FileQuery {
    /// Only this owner's files (`None`: single-user mode's unowned files).
    pub owner: Option<String>,
    /// Only this kind.
    pub kind: Option<MediaKind>,
    /// Text within the name, a tag or the description.
    pub text: Option<String>,
    /// Only files in this album.
    pub album: Option<String>,
    /// Uploaded at or after.
    pub uploaded_after: Option<DateTime<Utc>>,
    /// Uploaded before.
    pub uploaded_before: Option<DateTime<Utc>>,
    /// Camera maker, whole (case-insensitive).
    pub camera_make: Option<String>,
    /// Camera model, whole (case-insensitive).
    pub camera_model: Option<String>,
    /// Lens, whole (case-insensitive).
    pub lens: Option<String>,
    /// Taken at or after.
    pub taken_after: Option<DateTime<Utc>>,
    /// Taken before.
    pub taken_before: Option<DateTime<Utc>>,
    /// Whether it has a GPS position.
    pub has_gps: Option<bool>,
    /// Within `[min_lon, min_lat, max_lon, max_lat]` (`min_lon > max_lon`
    /// crosses the antimeridian).
    pub bbox: Option<[f64; 4]>,
    /// Portrait or landscape.
    pub orientation: Option<Orientation>,
    /// At least this wide (as displayed).
    pub min_width: Option<u32>,
    /// At least this tall (as displayed).
    pub min_height: Option<u32>,
    /// At least this long, seconds.
    pub min_duration: Option<f64>,
    /// At most this long, seconds.
    pub max_duration: Option<f64>,
    /// Order of the list.
    pub order: FileOrder,
    /// Continue after this position: a file id, or for [`FileOrder::Album`]
    /// the album position of the last file seen.
    pub after: Option<String>,
    /// At most this many.
    pub limit: u32,
}

/// A change to a file's library fields; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct FileChange {
    /// New name.
    pub filename: Option<String>,
    /// New tags (replacing the old).
    pub tags: Option<Vec<String>>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
}

/// An album: a named, ordered set of an owner's files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Album {
    /// Album id (time-ordered).
    pub id: String,
    /// Owning account; `None` in single-user mode.
    pub owner: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The file shown for it; when unset, its first file.
    pub cover_file_id: Option<String>,
    /// Files in it (filled in when read).
    pub file_count: u64,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Last changed at (name, description, cover or contents).
    pub updated_at: DateTime<Utc>,
}

/// What a share link opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum ShareTarget {
    /// One file (an original, with its outputs).
    File(String),
    /// An album's files.
    Album(String),
}

/// A share link. Only a hash of its token is stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    /// Share id (not the token).
    pub id: String,
    /// Owning account; `None` in single-user mode.
    pub owner: Option<String>,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// What it opens.
    pub target: ShareTarget,
    /// Whether originals may be downloaded (else thumbnails only).
    pub download: bool,
    /// When it stops working; `None`: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// Made at.
    pub created_at: DateTime<Utc>,
}

/// Files, albums and shares as a person organises them. Implemented by
/// the same stores as [`crate::MetaStore`], on the same records: deleting
/// a file there also takes it out of albums and removes its shares.
#[async_trait]
pub trait Library: Send + Sync + 'static {
    /// A page of originals matching `query`.
    async fn list_files(&self, query: &FileQuery) -> Result<Vec<LibraryFile>, StoreError>;

    /// One original with its library fields.
    async fn library_file(&self, id: &str) -> Result<Option<LibraryFile>, StoreError>;

    /// Applies `change` to an original; `None` if there is no such original.
    async fn update_file(
        &self,
        id: &str,
        change: &FileChange,
    ) -> Result<Option<LibraryFile>, StoreError>;

    /// The owner's original with these bytes, oldest first, if any.
    async fn find_duplicate(
        &self,
        owner: Option<&str>,
        sha256: &str,
    ) -> Result<Option<FileRecord>, StoreError>;

    /// Every job of these files, in one query.
    async fn jobs_of_files(&self, file_ids: &[String]) -> Result<Vec<JobRecord>, StoreError>;

    /// Every output derived from these originals, in one query.
    async fn outputs_of_files(&self, file_ids: &[String]) -> Result<Vec<FileRecord>, StoreError>;

    /// Stores a new album.
    async fn create_album(&self, album: &Album) -> Result<(), StoreError>;

    /// An album, with its file count.
    async fn get_album(&self, id: &str) -> Result<Option<Album>, StoreError>;

    /// The owner's albums, newest first, after the album id `after`.
    async fn list_albums(
        &self,
        owner: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Album>, StoreError>;

    /// Saves an album's name, description and cover; false if it is gone.
    async fn update_album(&self, album: &Album) -> Result<bool, StoreError>;

    /// Removes an album, its entries and its share links (never its files);
    /// false if there was none.
    async fn delete_album(&self, id: &str) -> Result<bool, StoreError>;

    /// Appends files to the end of an album, in the order given, skipping
    /// those already in it; returns how many were added.
    async fn add_to_album(&self, album_id: &str, file_ids: &[String]) -> Result<u64, StoreError>;

    /// Takes a file out of an album; false if it was not in it.
    async fn remove_from_album(&self, album_id: &str, file_id: &str) -> Result<bool, StoreError>;

    /// Puts these files (already in the album) first, in this order; the
    /// rest keep their order after them.
    async fn reorder_album(&self, album_id: &str, file_ids: &[String]) -> Result<(), StoreError>;

    /// Whether the file is in the album.
    async fn album_contains(&self, album_id: &str, file_id: &str) -> Result<bool, StoreError>;

    /// Stores a new share link.
    async fn create_share(&self, share: &Share) -> Result<(), StoreError>;

    /// A share by id.
    async fn get_share(&self, id: &str) -> Result<Option<Share>, StoreError>;

    /// The share whose token hashes to `token_hash`.
    async fn share_by_token_hash(&self, token_hash: &str) -> Result<Option<Share>, StoreError>;

    /// The owner's shares, newest first, after the share id `after`.
    async fn list_shares(
        &self,
        owner: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Share>, StoreError>;

    /// Revokes (removes) a share; false if there was none.
    async fn delete_share(&self, id: &str) -> Result<bool, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_sniffed_type() {
        assert_eq!(MediaKind::of("image/jpeg"), MediaKind::Image);
        assert_eq!(MediaKind::of("application/ogg"), MediaKind::Audio);
        assert_eq!(MediaKind::of("text/plain"), MediaKind::Other);
        assert_eq!("video".parse::<MediaKind>(), Ok(MediaKind::Video));
    }
}
