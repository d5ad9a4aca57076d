//! [`Library`] on MongoDB. A file's library fields live in its `files`
//! document (`library_docs.rs`); albums in `albums`, their entries in
//! `album_entries` (`_id` `"<album>:<file>"`, a position each), share links
//! in `shares`. Indexes and the file-list machinery: `library_files.rs`.
//!
//! No transactions: multi-document changes are ordered so that a retry
//! completes them (an album's entries and shares go before the album), and
//! the one read-modify-write, [`Library::update_file`], is conditional on
//! what it read. Dates that change are set with `$currentDate`, which
//! every server stores as a date.

use super::docs::{date, file_from_doc, get, int, job_from_doc, opt_bson, string};
use super::library_docs::{
    album_from_doc, album_to_doc, cond, is_null, list_filter, owner_is, share_from_doc,
    share_to_doc,
};
use super::library_files::{entry_id, failed, find_docs};
use super::store::{MongoStore, is_duplicate, unavailable};
use crate::store::{FileRecord, JobRecord, StoreError};
use async_trait::async_trait;
use chrono::Utc;
use kiln_core::library::reordered;
use kiln_core::{Album, FileChange, FileOrder, FileQuery, Library, LibraryFile, Share};
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;
use std::collections::HashMap;

/// `_id` before `after`, if given: the cursor of a newest-first list.
fn owned_before(owner: Option<&str>, after: Option<&str>) -> Document {
    let mut filter = doc! { "owner": owner_is(owner) };
    if let Some(a) = after {
        filter.insert("_id", doc! { "$lt": a });
    }
    filter
}

#[async_trait]
impl Library for MongoStore {
    async fn list_files(&self, q: &FileQuery) -> Result<Vec<LibraryFile>, StoreError> {
        let mut filter = list_filter(q);
        let limit = q.limit.max(1);
        if q.order == FileOrder::Album {
            let Some(album) = &q.album else {
                return Err(failed("album order needs an album"));
            };
            let after = q.after.as_deref().map(str::parse::<i64>).transpose();
            let after = after.map_err(|_| failed("album cursor is not a position"))?;
            return self
                .list_in_album_order(album, filter, after, limit as usize)
                .await;
        }
        let mut positions = HashMap::new();
        if let Some(album) = &q.album {
            // Albums hold at most 10,000 files (a gateway limit).
            positions = self.entries(album, None, None).await?.into_iter().collect();
            if positions.is_empty() {
                return Ok(Vec::new());
            }
            let ids: Vec<String> = positions.keys().cloned().collect();
            cond(&mut filter, "_id", "$in", ids);
        }
        let sort = match q.order {
            FileOrder::Oldest => doc! { "_id": 1 },
            _ => doc! { "_id": -1 },
        };
        let limit = Some(i64::from(limit));
        let mut files = self.find_library(filter, sort, limit).await?;
        for f in &mut files {
            f.album_position = positions.get(&f.file.id).copied();
        }
        Ok(files)
    }

    async fn library_file(&self, id: &str) -> Result<Option<LibraryFile>, StoreError> {
        let filter = doc! { "_id": id, "job_id": is_null() };
        Ok(self.find_library(filter, doc! {}, Some(1)).await?.pop())
    }

    async fn update_file(
        &self,
        id: &str,
        change: &FileChange,
    ) -> Result<Option<LibraryFile>, StoreError> {
        self.update_library_file(id, change).await
    }

    async fn find_duplicate(
        &self,
        owner: Option<&str>,
        sha256: &str,
    ) -> Result<Option<FileRecord>, StoreError> {
        let filter = doc! { "owner": owner_is(owner), "sha256": sha256, "job_id": is_null() };
        let found = find_docs(&self.files, filter, doc! { "_id": 1 }, Some(1)).await?;
        found.first().map(file_from_doc).transpose()
    }

    async fn jobs_of_files(&self, file_ids: &[String]) -> Result<Vec<JobRecord>, StoreError> {
        if file_ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = doc! { "file_id": { "$in": file_ids.to_vec() } };
        let docs = find_docs(&self.jobs, filter, doc! { "_id": 1 }, None).await?;
        docs.iter().map(job_from_doc).collect()
    }

    async fn outputs_of_files(&self, file_ids: &[String]) -> Result<Vec<FileRecord>, StoreError> {
        if file_ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = doc! { "parent_id": { "$in": file_ids.to_vec() } };
        let sort = doc! { "parent_id": 1, "width": 1, "content_type": 1, "_id": 1 };
        self.find_files(filter, sort).await
    }

    async fn create_album(&self, album: &Album) -> Result<(), StoreError> {
        let inserted = self.albums.insert_one(album_to_doc(album));
        inserted.await.map_err(unavailable)?;
        Ok(())
    }

    async fn get_album(&self, id: &str) -> Result<Option<Album>, StoreError> {
        let found = self.albums.find_one(doc! { "_id": id });
        let Some(d) = found.await.map_err(unavailable)? else {
            return Ok(None);
        };
        let count = self.album_entries.count_documents(doc! { "album_id": id });
        album_from_doc(&d, count.await.map_err(unavailable)?).map(Some)
    }

    async fn list_albums(
        &self,
        owner: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Album>, StoreError> {
        let filter = owned_before(owner, after);
        let limit = Some(i64::from(limit.max(1)));
        let docs = find_docs(&self.albums, filter, doc! { "_id": -1 }, limit).await?;
        let ids: Result<Vec<String>, _> = docs.iter().map(|d| string(d, "_id")).collect();
        let counts = self.file_counts(ids?).await?;
        docs.iter()
            .map(|d| {
                let n = counts.get(&string(d, "_id")?).copied().unwrap_or(0);
                album_from_doc(d, n)
            })
            .collect()
    }

    async fn update_album(&self, album: &Album) -> Result<bool, StoreError> {
        let update = doc! {
            "$set": {
                "name": &album.name,
                "description": opt_bson(album.description.as_deref()),
                "cover_file_id": opt_bson(album.cover_file_id.as_deref()),
            },
            "$currentDate": { "updated_at": true },
        };
        let updated = self.albums.update_one(doc! { "_id": &album.id }, update);
        Ok(updated.await.map_err(unavailable)?.matched_count > 0)
    }

    async fn delete_album(&self, id: &str) -> Result<bool, StoreError> {
        let entries = self.album_entries.delete_many(doc! { "album_id": id });
        entries.await.map_err(unavailable)?;
        let shares = doc! { "target_type": "album", "target_id": id };
        self.shares.delete_many(shares).await.map_err(unavailable)?;
        let deleted = self.albums.delete_one(doc! { "_id": id });
        Ok(deleted.await.map_err(unavailable)?.deleted_count > 0)
    }

    async fn add_to_album(&self, album_id: &str, file_ids: &[String]) -> Result<u64, StoreError> {
        // Positions are reserved on the album with one `$inc`, so adds at
        // the same time never share one; a file already in the album leaves
        // its reserved position unused.
        let n = file_ids.len() as i64;
        let reserve = doc! {
            "$inc": { "next_position": n },
            "$currentDate": { "updated_at": true },
        };
        let reserved = self
            .albums
            .find_one_and_update(doc! { "_id": album_id }, reserve)
            .return_document(ReturnDocument::After)
            .await
            .map_err(unavailable)?;
        let Some(album) = reserved else {
            return Ok(0);
        };
        let mut position = int("next_position", get(&album, "next_position")?)? - n;
        let mut added = 0;
        for file_id in file_ids {
            position += 1;
            let entry = doc! {
                "_id": entry_id(album_id, file_id),
                "album_id": album_id,
                "file_id": file_id,
                "position": position,
                "added_at": date(Utc::now()),
            };
            match self.album_entries.insert_one(entry).await {
                Ok(_) => added += 1,
                Err(e) if is_duplicate(&e) => {}
                Err(e) => return Err(unavailable(e)),
            }
        }
        Ok(added)
    }

    async fn remove_from_album(&self, album_id: &str, file_id: &str) -> Result<bool, StoreError> {
        let entry = doc! { "_id": entry_id(album_id, file_id) };
        let deleted = self.album_entries.delete_one(entry);
        if deleted.await.map_err(unavailable)?.deleted_count == 0 {
            return Ok(false);
        }
        let covered = doc! { "_id": album_id, "cover_file_id": file_id };
        let uncover = doc! { "$set": { "cover_file_id": Bson::Null } };
        let cleared = self.albums.update_one(covered, uncover);
        cleared.await.map_err(unavailable)?;
        self.touch_album(album_id).await?;
        Ok(true)
    }

    async fn reorder_album(&self, album_id: &str, file_ids: &[String]) -> Result<(), StoreError> {
        // Positions 1..n: below every position `add_to_album` hands out next.
        let current = self.entries(album_id, None, None).await?;
        let ids: Vec<String> = current.iter().map(|(id, _)| id.clone()).collect();
        let positions: HashMap<&str, i64> =
            current.iter().map(|(id, p)| (id.as_str(), *p)).collect();
        for (id, new) in reordered(&ids, file_ids).iter().zip(1_i64..) {
            if positions.get(id.as_str()) == Some(&new) {
                continue;
            }
            let set = doc! { "$set": { "position": new } };
            let entry = doc! { "_id": entry_id(album_id, id) };
            let moved = self.album_entries.update_one(entry, set);
            moved.await.map_err(unavailable)?;
        }
        self.touch_album(album_id).await
    }

    async fn album_contains(&self, album_id: &str, file_id: &str) -> Result<bool, StoreError> {
        let found = self
            .album_entries
            .find_one(doc! { "_id": entry_id(album_id, file_id) });
        Ok(found.await.map_err(unavailable)?.is_some())
    }

    async fn create_share(&self, share: &Share) -> Result<(), StoreError> {
        let inserted = self.shares.insert_one(share_to_doc(share));
        inserted.await.map_err(unavailable)?;
        Ok(())
    }

    async fn get_share(&self, id: &str) -> Result<Option<Share>, StoreError> {
        let found = self.shares.find_one(doc! { "_id": id });
        let found = found.await.map_err(unavailable)?;
        found.as_ref().map(share_from_doc).transpose()
    }

    async fn share_by_token_hash(&self, token_hash: &str) -> Result<Option<Share>, StoreError> {
        let found = self.shares.find_one(doc! { "token_hash": token_hash });
        let found = found.await.map_err(unavailable)?;
        found.as_ref().map(share_from_doc).transpose()
    }

    async fn list_shares(
        &self,
        owner: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Share>, StoreError> {
        let filter = owned_before(owner, after);
        let limit = Some(i64::from(limit.max(1)));
        let docs = find_docs(&self.shares, filter, doc! { "_id": -1 }, limit).await?;
        docs.iter().map(share_from_doc).collect()
    }

    async fn delete_share(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self.shares.delete_one(doc! { "_id": id });
        Ok(deleted.await.map_err(unavailable)?.deleted_count > 0)
    }
}
