//! [`MetaStore`] on MongoDB: collections `files`, `jobs` and `metadata`.
//!
//! Correct on a standalone server, without multi-document transactions:
//! every multi-document change is ordered so that a reader never sees half
//! of it and a crash mid-way can be retried (see `jobs.rs`), and every job
//! state change is one conditional replacement of the job's document (a
//! compare-and-swap on the state the caller read).

use super::docs::{bson_to_json, date, file_from_doc, job_from_doc, json_to_bson};
use crate::store::{
    Completion, FileRecord, JobCount, JobQuery, JobRecord, MetaStore, StartOutcome, StoreError,
};
use async_trait::async_trait;
use chrono::Utc;
use futures::TryStreamExt;
use kiln_proto::JobStatus;
use mongodb::bson::{Document, doc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

pub(crate) fn unavailable(e: mongodb::error::Error) -> StoreError {
    StoreError::Unavailable(e.into())
}

/// Files, jobs and extracted metadata in one MongoDB database.
#[derive(Clone, Debug)]
pub struct MongoStore {
    pub(super) db: Database,
    pub(super) files: Collection<Document>,
    pub(super) jobs: Collection<Document>,
    pub(super) metadata: Collection<Document>,
    /// The library's collections (`library.rs`). Album entries are not
    /// `album_files`: the test stand-in takes every collection whose name
    /// ends in `_files` for GridFS and ignores updates to it.
    pub(super) albums: Collection<Document>,
    pub(super) album_entries: Collection<Document>,
    pub(super) shares: Collection<Document>,
}

pub(super) fn index(keys: Document, name: &str) -> IndexModel {
    let options = IndexOptions::builder().name(name.to_owned()).build();
    IndexModel::builder().keys(keys).options(options).build()
}

/// Whether `e` is a unique index violation.
pub(super) fn is_duplicate(e: &mongodb::error::Error) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => false,
    }
}

pub(super) fn unique(keys: Document, name: &str) -> IndexModel {
    let options = IndexOptions::builder()
        .name(name.to_owned())
        .unique(true)
        .build();
    IndexModel::builder().keys(keys).options(options).build()
}

impl MongoStore {
    /// A store on `db`. Call [`MongoStore::create_indexes`] once at start-up.
    pub fn new(db: Database) -> Self {
        MongoStore {
            files: db.collection("files"),
            jobs: db.collection("jobs"),
            metadata: db.collection("metadata"),
            albums: db.collection("albums"),
            album_entries: db.collection("album_entries"),
            shares: db.collection("shares"),
            db,
        }
    }

    /// Creates the indexes every query of the store uses; idempotent.
    pub async fn create_indexes(&self) -> Result<(), StoreError> {
        let outbox = IndexOptions::builder()
            .name("outbox".to_owned())
            .partial_filter_expression(doc! { "published": false })
            .build();
        let jobs = vec![
            index(doc! { "status": 1, "_id": 1 }, "status_id"),
            index(doc! { "kind": 1, "_id": 1 }, "kind_id"),
            // The operator's counts per kind and status.
            index(doc! { "kind": 1, "status": 1 }, "kind_status"),
            index(doc! { "owner": 1, "_id": 1 }, "owner_id"),
            index(doc! { "file_id": 1 }, "file_id"),
            IndexModel::builder()
                .keys(doc! { "published": 1, "_id": 1 })
                .options(outbox)
                .build(),
        ];
        self.jobs.create_indexes(jobs).await.map_err(unavailable)?;
        let files = vec![
            index(doc! { "job_id": 1 }, "job_id"),
            index(doc! { "parent_id": 1 }, "parent_id"),
            index(doc! { "owner": 1 }, "owner"),
        ];
        self.files
            .create_indexes(files)
            .await
            .map_err(unavailable)?;
        self.create_library_indexes().await?;
        self.create_account_indexes().await?;
        let fixed = self.backfill_library().await? + self.backfill_meta_text().await?;
        if fixed > 0 {
            tracing::info!(
                files = fixed,
                "gave files from before the library its fields"
            );
        }
        Ok(())
    }

    pub(super) async fn find_files(
        &self,
        filter: Document,
        sort: Document,
    ) -> Result<Vec<FileRecord>, StoreError> {
        let docs: Vec<Document> = self
            .files
            .find(filter)
            .sort(sort)
            .await
            .map_err(unavailable)?
            .try_collect()
            .await
            .map_err(unavailable)?;
        docs.iter().map(file_from_doc).collect()
    }

    pub(super) async fn find_jobs(
        &self,
        filter: Document,
        sort: Document,
        limit: u32,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let docs: Vec<Document> = self
            .jobs
            .find(filter)
            .sort(sort)
            .limit(i64::from(limit.max(1)))
            .await
            .map_err(unavailable)?
            .try_collect()
            .await
            .map_err(unavailable)?;
        docs.iter().map(job_from_doc).collect()
    }
}

#[async_trait]
impl MetaStore for MongoStore {
    async fn insert_upload(&self, file: &FileRecord, jobs: &[JobRecord]) -> Result<(), StoreError> {
        self.insert_upload_ordered(file, jobs).await
    }

    async fn insert_job(&self, job: &JobRecord) -> Result<bool, StoreError> {
        let file = self.files.find_one(doc! { "_id": &job.file_id }).await;
        if file.map_err(unavailable)?.is_none() {
            return Ok(false);
        }
        match self.jobs.insert_one(super::docs::job_to_doc(job)).await {
            Ok(_) => Ok(true),
            Err(e) if is_duplicate(&e) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn get_file(&self, id: &str) -> Result<Option<FileRecord>, StoreError> {
        let found = self.files.find_one(doc! { "_id": id });
        found
            .await
            .map_err(unavailable)?
            .as_ref()
            .map(file_from_doc)
            .transpose()
    }

    async fn delete_file(&self, id: &str) -> Result<Option<Vec<FileRecord>>, StoreError> {
        self.delete_original(id).await
    }

    async fn get_job(&self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        self.read_job(id).await
    }

    async fn list_jobs(&self, q: &JobQuery) -> Result<Vec<JobRecord>, StoreError> {
        let mut filter = Document::new();
        if let Some(s) = q.status {
            filter.insert("status", s.as_str());
        }
        if let Some(k) = &q.kind {
            filter.insert("kind", k.as_str());
        }
        if let Some(o) = &q.owner {
            filter.insert("owner", o);
        }
        if let Some(f) = &q.file_id {
            filter.insert("file_id", f);
        }
        if let Some(b) = &q.before {
            filter.insert("_id", doc! { "$lt": b });
        }
        let mut created = Document::new();
        if let Some(t) = q.since {
            created.insert("$gte", date(t));
        }
        if let Some(t) = q.until {
            created.insert("$lt", date(t));
        }
        if !created.is_empty() {
            filter.insert("created_at", created);
        }
        if let Some(e) = &q.error_contains {
            let pattern = super::library_docs::literal_regex(e);
            filter.insert("error", doc! { "$regex": pattern, "$options": "i" });
        }
        self.find_jobs(filter, doc! { "_id": -1 }, q.limit).await
    }

    async fn job_outputs(&self, job_id: &str) -> Result<Vec<FileRecord>, StoreError> {
        let sort = doc! { "width": -1, "content_type": 1, "_id": 1 };
        self.find_files(doc! { "job_id": job_id }, sort).await
    }

    async fn jobs_outputs(&self, job_ids: &[String]) -> Result<Vec<FileRecord>, StoreError> {
        if job_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sort = doc! { "job_id": 1, "width": -1, "content_type": 1, "_id": 1 };
        self.find_files(doc! { "job_id": { "$in": job_ids } }, sort)
            .await
    }

    async fn start_attempt(&self, job_id: &str) -> Result<StartOutcome, StoreError> {
        self.start(job_id).await
    }

    async fn complete_job(
        &self,
        job_id: &str,
        attempt: u32,
        outputs: &[FileRecord],
    ) -> Result<Completion, StoreError> {
        self.complete(job_id, attempt, outputs).await
    }

    async fn fail_attempt(
        &self,
        job_id: &str,
        attempt: u32,
        error: &str,
        dead: bool,
    ) -> Result<Completion, StoreError> {
        let status = if dead {
            JobStatus::Dead
        } else {
            JobStatus::Failed
        };
        self.finish(job_id, attempt, status, Some(error)).await
    }

    async fn unpublished_jobs(&self, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        self.outbox(limit).await
    }

    async fn requeue_stalled(&self, before: chrono::DateTime<Utc>) -> Result<u64, StoreError> {
        self.requeue(before).await
    }

    async fn retry_dead(
        &self,
        job_id: &str,
        priority: kiln_proto::Priority,
    ) -> Result<Option<JobRecord>, StoreError> {
        self.revive(job_id, priority).await
    }

    async fn mark_published(&self, job_ids: &[String]) -> Result<(), StoreError> {
        if job_ids.is_empty() {
            return Ok(());
        }
        let filter = doc! { "_id": { "$in": job_ids.to_vec() } };
        let update = doc! { "$set": { "published": true } };
        self.jobs
            .update_many(filter, update)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn job_counts(&self) -> Result<Vec<JobCount>, StoreError> {
        self.count_jobs().await
    }

    async fn put_metadata(
        &self,
        file_id: &str,
        metadata: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let record = doc! {
            "_id": file_id,
            "doc": json_to_bson(metadata),
            "updated_at": date(Utc::now()),
        };
        self.metadata
            .replace_one(doc! { "_id": file_id }, record)
            .upsert(true)
            .await
            .map_err(unavailable)?;
        // Then the searchable facts, beside the file (a retried call
        // rewrites both).
        let search = kiln_core::SearchFields::from_metadata(metadata);
        self.set_search(file_id, &search).await
    }

    async fn get_metadata(&self, file_id: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let found = self.metadata.find_one(doc! { "_id": file_id });
        let Some(d) = found.await.map_err(unavailable)? else {
            return Ok(None);
        };
        let value = d
            .get("doc")
            .ok_or_else(|| StoreError::Corrupt("metadata without `doc`".into()))?;
        bson_to_json(value).map(Some)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let ping = self.db.run_command(doc! { "ping": 1 });
        ping.await.map_err(unavailable)?;
        Ok(())
    }
}

impl MongoStore {
    /// Removes the metadata of `ids` (the original's, and any of outputs).
    pub(super) async fn delete_metadata(&self, ids: Vec<&str>) -> Result<(), StoreError> {
        let filter = doc! { "_id": { "$in": ids } };
        self.metadata
            .delete_many(filter)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
