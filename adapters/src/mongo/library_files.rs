//! The file side of the MongoDB library (`library.rs`): its indexes, the
//! searchable facts written beside a file, what a deleted file leaves in
//! albums and shares, and file lists (in album order a batch of entries at
//! a time).

use super::docs::{get, int, string, uint};
use super::library_docs::{cond, is_null, library_from_doc, search_set, search_text};
use super::store::{MongoStore, index, unavailable, unique};
use crate::store::StoreError;
use futures::TryStreamExt;
use kiln_core::{FileChange, LibraryFile, SearchFields};
use mongodb::Collection;
use mongodb::bson::{Bson, Document, doc};
use std::collections::HashMap;

/// How many album entries a list in album order reads at a time.
const ALBUM_BATCH: i64 = 200;

/// How often [`MongoStore::update_library_file`] retries when the file
/// changed between its read and its conditional update.
const UPDATE_RETRIES: usize = 16;

/// The `_id` of an album entry.
pub(super) fn entry_id(album_id: &str, file_id: &str) -> String {
    format!("{album_id}:{file_id}")
}

/// A failure of the store's own making (a bad cursor, endless contention).
pub(super) fn failed(what: &str) -> StoreError {
    StoreError::Unavailable(what.to_owned().into())
}

/// The documents of `coll` matching `filter`, in order, at most `limit`.
pub(super) async fn find_docs(
    coll: &Collection<Document>,
    filter: Document,
    sort: Document,
    limit: Option<i64>,
) -> Result<Vec<Document>, StoreError> {
    let find = coll.find(filter).sort(sort);
    let find = match limit {
        Some(n) => find.limit(n),
        None => find,
    };
    let cursor = find.await.map_err(unavailable)?;
    cursor.try_collect().await.map_err(unavailable)
}

impl MongoStore {
    /// The library's indexes; part of [`MongoStore::create_indexes`]. Every
    /// file index leads with the owner, the first condition of every list.
    pub(super) async fn create_library_indexes(&self) -> Result<(), StoreError> {
        let files = vec![
            index(doc! { "owner": 1, "job_id": 1, "_id": -1 }, "lib_owner_id"),
            index(doc! { "owner": 1, "kind": 1, "_id": -1 }, "lib_kind"),
            index(doc! { "owner": 1, "sha256": 1 }, "lib_sha"),
            index(
                doc! { "owner": 1, "make_key": 1, "model_key": 1, "_id": -1 },
                "lib_make",
            ),
            index(doc! { "owner": 1, "model_key": 1, "_id": -1 }, "lib_model"),
            index(doc! { "owner": 1, "lens_key": 1, "_id": -1 }, "lib_lens"),
            index(doc! { "owner": 1, "taken_at": 1 }, "lib_taken"),
            index(doc! { "owner": 1, "lat": 1, "lon": 1 }, "lib_gps"),
            index(doc! { "owner": 1, "duration": 1 }, "lib_duration"),
        ];
        let albums = vec![index(doc! { "owner": 1, "_id": -1 }, "owner_id")];
        let entries = vec![
            index(doc! { "album_id": 1, "position": 1 }, "album_position"),
            index(doc! { "file_id": 1 }, "file_id"),
        ];
        let shares = vec![
            index(doc! { "owner": 1, "_id": -1 }, "owner_id"),
            unique(doc! { "token_hash": 1 }, "token_hash"),
            index(doc! { "target_id": 1 }, "target_id"),
        ];
        for (coll, indexes) in [
            (&self.files, files),
            (&self.albums, albums),
            (&self.album_entries, entries),
            (&self.shares, shares),
        ] {
            coll.create_indexes(indexes).await.map_err(unavailable)?;
        }
        Ok(())
    }

    /// Writes the searchable facts of a file's metadata into its document.
    pub(super) async fn set_search(
        &self,
        file_id: &str,
        s: &SearchFields,
    ) -> Result<(), StoreError> {
        let set = doc! { "$set": search_set(s) };
        let updated = self.files.update_one(doc! { "_id": file_id }, set);
        updated.await.map_err(unavailable)?;
        Ok(())
    }

    /// Takes an original being deleted out of every album (and off their
    /// covers), and removes its share links. Part of `delete_original`,
    /// before the original itself goes, so a retried delete finishes it.
    pub(super) async fn unlink_file(&self, id: &str) -> Result<(), StoreError> {
        let entries = self.album_entries.delete_many(doc! { "file_id": id });
        entries.await.map_err(unavailable)?;
        let shares = doc! { "target_type": "file", "target_id": id };
        let shares = self.shares.delete_many(shares);
        shares.await.map_err(unavailable)?;
        let uncover = doc! { "$set": { "cover_file_id": Bson::Null } };
        let cleared = self
            .albums
            .update_many(doc! { "cover_file_id": id }, uncover);
        cleared.await.map_err(unavailable)?;
        Ok(())
    }

    /// The files matching `filter`, in order, at most `limit`.
    pub(super) async fn find_library(
        &self,
        filter: Document,
        sort: Document,
        limit: Option<i64>,
    ) -> Result<Vec<LibraryFile>, StoreError> {
        let docs = find_docs(&self.files, filter, sort, limit).await?;
        docs.iter().map(library_from_doc).collect()
    }

    /// An album's entries (file id, position) in album order, after
    /// position `after`.
    pub(super) async fn entries(
        &self,
        album_id: &str,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut filter = doc! { "album_id": album_id };
        if let Some(p) = after {
            filter.insert("position", doc! { "$gt": p });
        }
        let docs = find_docs(&self.album_entries, filter, doc! { "position": 1 }, limit).await?;
        docs.iter()
            .map(|d| {
                let position = int("position", get(d, "position")?)?;
                Ok((string(d, "file_id")?, position))
            })
            .collect()
    }

    /// A list in album order: the album's entries a batch at a time, each
    /// batch's files matched against `filter`, until `limit` are found.
    pub(super) async fn list_in_album_order(
        &self,
        album_id: &str,
        filter: Document,
        mut after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<LibraryFile>, StoreError> {
        let mut out = Vec::new();
        loop {
            let batch = self.entries(album_id, after, Some(ALBUM_BATCH)).await?;
            let Some((_, last)) = batch.last() else {
                return Ok(out);
            };
            after = Some(*last);
            let ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
            let mut f = filter.clone();
            cond(&mut f, "_id", "$in", ids);
            let mut found: HashMap<String, LibraryFile> = self
                .find_library(f, doc! { "_id": 1 }, None)
                .await?
                .into_iter()
                .map(|l| (l.file.id.clone(), l))
                .collect();
            for (id, position) in &batch {
                if let Some(mut l) = found.remove(id) {
                    l.album_position = Some(*position);
                    out.push(l);
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
            if (batch.len() as i64) < ALBUM_BATCH {
                return Ok(out);
            }
        }
    }

    /// [`kiln_core::Library::update_file`]: read, change, and write back
    /// on the condition that the search text is still the one read.
    /// Another change of the name, tags or description in between changes
    /// it (unless it only changed their case, which the folded text does
    /// not show), and this one is then redone on the new version, so the
    /// text always follows the fields.
    pub(super) async fn update_library_file(
        &self,
        id: &str,
        change: &FileChange,
    ) -> Result<Option<LibraryFile>, StoreError> {
        for _ in 0..UPDATE_RETRIES {
            let read = self.files.find_one(doc! { "_id": id, "job_id": is_null() });
            let Some(read) = read.await.map_err(unavailable)? else {
                return Ok(None);
            };
            let mut f = library_from_doc(&read)?;
            let old = search_text(
                f.file.filename.as_deref(),
                &f.tags,
                f.description.as_deref(),
            );
            let mut set = Document::new();
            if let Some(name) = &change.filename {
                f.file.filename = Some(name.clone());
                set.insert("filename", name);
            }
            if let Some(tags) = &change.tags {
                f.tags = tags.clone();
                set.insert("tags", tags.clone());
            }
            if let Some(d) = &change.description {
                f.description = d.clone();
                set.insert("description", d.clone());
            }
            let text = search_text(
                f.file.filename.as_deref(),
                &f.tags,
                f.description.as_deref(),
            );
            set.insert("text", text);
            // A document from before the library has no text yet.
            let was = match read.get("text") {
                Some(Bson::String(_)) => Bson::String(old),
                _ => is_null(),
            };
            let filter = doc! { "_id": id, "job_id": is_null(), "text": was };
            let updated = self.files.update_one(filter, doc! { "$set": set });
            if updated.await.map_err(unavailable)?.matched_count > 0 {
                return Ok(Some(f));
            }
        }
        Err(failed("the file keeps changing; not updated"))
    }

    /// File counts of these albums, in one aggregation.
    pub(super) async fn file_counts(
        &self,
        album_ids: Vec<String>,
    ) -> Result<HashMap<String, u64>, StoreError> {
        let pipeline = vec![
            doc! { "$match": { "album_id": { "$in": album_ids } } },
            doc! { "$group": { "_id": "$album_id", "n": { "$sum": 1 } } },
        ];
        let cursor = self.album_entries.aggregate(pipeline).await;
        let docs: Vec<Document> = cursor
            .map_err(unavailable)?
            .try_collect()
            .await
            .map_err(unavailable)?;
        docs.iter()
            .map(|d| Ok((string(d, "_id")?, uint(d, "n")?)))
            .collect()
    }

    /// Sets the album's `updated_at` to now, with `$currentDate`: some
    /// MongoDB-compatible servers store a date given to `$set` as a string.
    pub(super) async fn touch_album(&self, album_id: &str) -> Result<(), StoreError> {
        let now = doc! { "$currentDate": { "updated_at": true } };
        let touched = self.albums.update_one(doc! { "_id": album_id }, now);
        touched.await.map_err(unavailable)?;
        Ok(())
    }
}
