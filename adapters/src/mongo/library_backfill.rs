//! Files stored before the library have none of its fields: no `kind`, no
//! search `text`, no searchable metadata. [`MongoStore::backfill_library`]
//! gives them those once, at start-up (with the indexes), so an upgraded
//! installation finds its old files too.

use super::MongoStore;
use super::docs::{bson_to_json, string};
use super::library_docs::{is_null, search_text};
use super::store::unavailable;
use crate::store::StoreError;
use futures::TryStreamExt;
use kiln_core::{MediaKind, SearchFields};
use mongodb::bson::{Bson, Document, doc};

/// Documents fixed per round; each round reads only those still missing.
const BATCH: i64 = 500;

/// The `migrations` document that says the backfill has run.
const MARKER: &str = "library-fields-v1";

/// The `migrations` document that says [`MongoStore::backfill_meta_text`]
/// has run.
const META_TEXT_MARKER: &str = "library-meta-text-v1";

impl MongoStore {
    /// Adds `kind`, `text` and `tags` to every file document without them,
    /// and the search fields of its metadata; returns how many were fixed.
    /// Idempotent; once it has finished, a marker in `migrations` makes
    /// later starts skip the scan.
    pub async fn backfill_library(&self) -> Result<u64, StoreError> {
        let filter = doc! { "text": { "$exists": false } };
        self.once(MARKER, filter, async |d: &Document| {
            let id = string(d, "_id")?;
            let content_type = string(d, "content_type").unwrap_or_default();
            let name = match d.get("filename") {
                Some(Bson::String(s)) => Some(s.as_str()),
                _ => None,
            };
            let set = doc! {
                "kind": MediaKind::of(&content_type).as_str(),
                "text": search_text(name, &[], None),
                "tags": Bson::Array(Vec::new()),
            };
            self.files
                .update_one(doc! { "_id": &id }, doc! { "$set": set })
                .await
                .map_err(unavailable)?;
            if let Some(m) = self.metadata_doc(&id).await? {
                self.set_search(&id, &SearchFields::from_metadata(&m))
                    .await?;
            }
            Ok(())
        })
        .await
    }

    /// Gives every original without `meta_text` (stored before a file's
    /// own words were searchable) the search fields of its metadata, or an
    /// empty `meta_text` when it has none; returns how many were fixed.
    /// Idempotent, and skipped once a marker in `migrations` says it ran.
    pub async fn backfill_meta_text(&self) -> Result<u64, StoreError> {
        let filter = doc! { "meta_text": { "$exists": false }, "job_id": is_null() };
        self.once(META_TEXT_MARKER, filter, async |d: &Document| {
            let id = string(d, "_id")?;
            match self.metadata_doc(&id).await? {
                Some(m) => self.set_search(&id, &SearchFields::from_metadata(&m)).await,
                None => self
                    .files
                    .update_one(doc! { "_id": &id }, doc! { "$set": { "meta_text": "" } })
                    .await
                    .map(drop)
                    .map_err(unavailable),
            }
        })
        .await
    }

    /// Runs `fix` on every file matching `filter`, a batch at a time, until
    /// none is left (`fix` must make a document stop matching), then
    /// records `marker` so that later starts skip the scan; returns how
    /// many documents were fixed.
    async fn once(
        &self,
        marker: &str,
        filter: Document,
        fix: impl AsyncFn(&Document) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let migrations = self.db.collection::<Document>("migrations");
        let done = migrations.find_one(doc! { "_id": marker }).await;
        if done.map_err(unavailable)?.is_some() {
            return Ok(0);
        }
        let mut fixed = 0;
        loop {
            let docs: Vec<Document> = self
                .files
                .find(filter.clone())
                .limit(BATCH)
                .await
                .map_err(unavailable)?
                .try_collect()
                .await
                .map_err(unavailable)?;
            if docs.is_empty() {
                let mark = doc! { "_id": marker, "at": mongodb::bson::DateTime::now() };
                match migrations.insert_one(mark).await {
                    Ok(_) => {}
                    // Another replica finished it at the same time.
                    Err(e) if super::store::is_duplicate(&e) => {}
                    Err(e) => return Err(unavailable(e)),
                }
                return Ok(fixed);
            }
            for d in &docs {
                fix(d).await?;
                fixed += 1;
            }
        }
    }

    async fn metadata_doc(&self, id: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let found = self.metadata.find_one(doc! { "_id": id }).await;
        match found.map_err(unavailable)? {
            Some(d) => d.get("doc").map(bson_to_json).transpose(),
            None => Ok(None),
        }
    }
}
