//! The multi-document operations of [`MongoStore`], each ordered so that,
//! without transactions, readers never see half of it and a crash mid-way
//! leaves a state that the next call (or a retry) repairs.

use super::docs::{file_to_doc, job_from_doc, job_to_doc};
use super::store::{MongoStore, unavailable};
use crate::store::{Attempt, Completion, FileRecord, JobRecord, StartOutcome, StoreError};
use chrono::Utc;
use futures::TryStreamExt;
use kiln_proto::JobStatus;
use mongodb::bson::{Document, doc};
use std::collections::HashSet;

/// Unpublished jobs whose file document is still missing after this long
/// belong to an upload whose insert crashed, and are removed.
const ORPHAN_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// How often a job state change is retried when another writer changed the
/// job between its read and its conditional replacement.
const SWAP_RETRIES: usize = 16;

impl MongoStore {
    /// Inserts the jobs first, unpublished, and the file last: the file is
    /// the commit point, as readers (the outbox) only see jobs whose file
    /// exists. On failure the jobs are removed again, best effort.
    pub(super) async fn insert_upload_ordered(
        &self,
        file: &FileRecord,
        jobs: &[JobRecord],
    ) -> Result<(), StoreError> {
        let docs: Vec<Document> = jobs.iter().map(job_to_doc).collect();
        let result = async {
            if !docs.is_empty() {
                self.jobs.insert_many(docs).await?;
            }
            self.files.insert_one(file_to_doc(file)).await.map(|_| ())
        }
        .await;
        if let Err(e) = result {
            let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
            if !ids.is_empty() {
                let filter = doc! { "_id": { "$in": ids } };
                let _ = self.jobs.delete_many(filter).await;
            }
            return Err(unavailable(e));
        }
        Ok(())
    }

    /// Deletes the jobs first (so a worker finishing one from then on gets
    /// `Gone` and removes its own outputs, and outputs recorded before are
    /// all visible), then its album entries and share links, outputs and
    /// metadata, and the original last, so an interrupted delete can be
    /// retried.
    pub(super) async fn delete_original(
        &self,
        id: &str,
    ) -> Result<Option<Vec<FileRecord>>, StoreError> {
        let original = match self.files.find_one(doc! { "_id": id }).await {
            Ok(Some(d)) => super::docs::file_from_doc(&d)?,
            Ok(None) => return Ok(None),
            Err(e) => return Err(unavailable(e)),
        };
        if original.job_id.is_some() {
            return Ok(None);
        }
        let by_file = doc! { "file_id": id };
        self.jobs.delete_many(by_file).await.map_err(unavailable)?;
        self.unlink_file(id).await?;
        let outputs = self
            .find_files(doc! { "parent_id": id }, doc! { "_id": 1 })
            .await?;
        let mut ids: Vec<&str> = outputs.iter().map(|o| o.id.as_str()).collect();
        ids.push(id);
        self.delete_metadata(ids).await?;
        let by_parent = doc! { "parent_id": id };
        self.files
            .delete_many(by_parent)
            .await
            .map_err(unavailable)?;
        let by_id = doc! { "_id": id };
        self.files.delete_one(by_id).await.map_err(unavailable)?;
        let mut removed = vec![original];
        removed.extend(outputs);
        Ok(Some(removed))
    }

    /// Replaces the job with `next` if it is still in the state `read`
    /// (optimistic concurrency: a compare-and-swap of one document). Every
    /// write to a job is either such a replacement or `mark_published`'s
    /// `$set` of `published`, so status, attempts and `published` identify
    /// the version read. Returns whether the job was replaced.
    async fn swap(&self, read: &JobRecord, next: &Document) -> Result<bool, StoreError> {
        let filter = doc! {
            "_id": &read.id,
            "status": read.status.as_str(),
            "attempts": i64::from(read.attempts),
            "published": read.published,
        };
        let swapped = self
            .jobs
            .find_one_and_replace(filter, next.clone())
            .projection(doc! { "_id": 1 })
            .await
            .map_err(unavailable)?;
        Ok(swapped.is_some())
    }

    pub(super) async fn read_job(&self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        let found = self.jobs.find_one(doc! { "_id": id });
        found
            .await
            .map_err(unavailable)?
            .as_ref()
            .map(job_from_doc)
            .transpose()
    }

    /// Marks the job running, counts the attempt and appends it to the
    /// history, unless the job is terminal: read, then [`Self::swap`],
    /// again if another writer changed the job in between.
    pub(super) async fn start(&self, job_id: &str) -> Result<StartOutcome, StoreError> {
        for _ in 0..SWAP_RETRIES {
            let Some(job) = self.read_job(job_id).await? else {
                return Ok(StartOutcome::Missing);
            };
            if job.status.is_terminal() {
                return Ok(StartOutcome::AlreadyTerminal(job));
            }
            let now = Utc::now();
            let mut next = job.clone();
            next.status = JobStatus::Running;
            next.attempts += 1;
            next.updated_at = now;
            next.history.push(Attempt {
                attempt: next.attempts,
                started_at: now,
                finished_at: None,
                outcome: None,
                error: None,
            });
            let next = job_to_doc(&next);
            if self.swap(&job, &next).await? {
                // As stored (timestamps in milliseconds).
                return Ok(StartOutcome::Started(job_from_doc(&next)?));
            }
        }
        Err(StoreError::Unavailable(
            format!("job {job_id} keeps changing; attempt not started").into(),
        ))
    }

    /// Records the end of attempt `attempt` if it still owns the job (the
    /// job is `running` with that many attempts): the job's status and
    /// error, and the end of that attempt in the history, in one
    /// [`Self::swap`].
    pub(super) async fn finish(
        &self,
        job_id: &str,
        attempt: u32,
        status: JobStatus,
        error: Option<&str>,
    ) -> Result<Completion, StoreError> {
        for _ in 0..SWAP_RETRIES {
            let Some(job) = self.read_job(job_id).await? else {
                return Ok(Completion::Gone);
            };
            if job.status != JobStatus::Running || job.attempts != attempt {
                return Ok(Completion::Superseded);
            }
            let now = Utc::now();
            let mut next = job.clone();
            next.status = status;
            next.error = error.map(str::to_owned);
            next.updated_at = now;
            let entry = match next.history.iter().rposition(|a| a.attempt == attempt) {
                Some(i) => next.history.get_mut(i),
                None => next.history.last_mut(),
            };
            if let Some(entry) = entry {
                entry.finished_at = Some(now);
                entry.outcome = Some(status);
                entry.error = next.error.clone();
            }
            if self.swap(&job, &job_to_doc(&next)).await? {
                return Ok(Completion::Recorded {
                    stale_outputs: Vec::new(),
                });
            }
        }
        Err(StoreError::Unavailable(
            format!("job {job_id} keeps changing; attempt not recorded").into(),
        ))
    }

    /// Upserts the outputs before the conditional job update (so a crash in
    /// between leaves outputs of an unfinished job, rewritten on
    /// redelivery), then removes outputs of earlier attempts not in the set.
    pub(super) async fn complete(
        &self,
        job_id: &str,
        attempt: u32,
        outputs: &[FileRecord],
    ) -> Result<Completion, StoreError> {
        for f in outputs {
            self.files
                .replace_one(doc! { "_id": &f.id }, file_to_doc(f))
                .upsert(true)
                .await
                .map_err(unavailable)?;
        }
        let ids: Vec<&str> = outputs.iter().map(|f| f.id.as_str()).collect();
        let done = self
            .finish(job_id, attempt, JobStatus::Succeeded, None)
            .await?;
        match done {
            Completion::Recorded { .. } => {
                let filter = doc! { "job_id": job_id, "_id": { "$nin": ids } };
                let stale: Vec<String> = self
                    .find_files(filter, doc! { "_id": 1 })
                    .await?
                    .into_iter()
                    .map(|f| f.id)
                    .collect();
                self.delete_files(&stale).await?;
                Ok(Completion::Recorded {
                    stale_outputs: stale,
                })
            }
            // Left as they are: the attempt that owns the job writes the same
            // deterministic ids, and these describe blobs this attempt
            // wrote, removed with the original.
            Completion::Superseded => Ok(Completion::Superseded),
            Completion::Gone => {
                let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
                self.delete_files(&ids).await?;
                Ok(Completion::Gone)
            }
        }
    }

    async fn delete_files(&self, ids: &[String]) -> Result<(), StoreError> {
        if !ids.is_empty() {
            let filter = doc! { "_id": { "$in": ids.to_vec() } };
            self.files.delete_many(filter).await.map_err(unavailable)?;
        }
        Ok(())
    }

    /// The oldest unpublished jobs, interactive before bulk, whose upload is committed (its file
    /// exists, looked up with one `$in` query); jobs of an insert that
    /// crashed before writing its file are removed once old enough (their
    /// `created_at` is set when the record is made, just before the insert).
    pub(super) async fn outbox(&self, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Interactive work first (jobs from before lanes have no field).
        let mut jobs = self
            .find_jobs(
                doc! { "published": false, "priority": { "$ne": "bulk" } },
                doc! { "_id": 1 },
                limit,
            )
            .await?;
        let left = limit.saturating_sub(u32::try_from(jobs.len()).unwrap_or(limit));
        if left > 0 {
            jobs.extend(
                self.find_jobs(
                    doc! { "published": false, "priority": "bulk" },
                    doc! { "_id": 1 },
                    left,
                )
                .await?,
            );
        }
        let file_ids: HashSet<&str> = jobs.iter().map(|j| j.file_id.as_str()).collect();
        if file_ids.is_empty() {
            return Ok(jobs);
        }
        let filter = doc! { "_id": { "$in": file_ids.into_iter().collect::<Vec<_>>() } };
        let found: Vec<Document> = self
            .files
            .find(filter)
            .projection(doc! { "_id": 1 })
            .await
            .map_err(unavailable)?
            .try_collect()
            .await
            .map_err(unavailable)?;
        let committed: HashSet<&str> = found.iter().filter_map(|d| d.get_str("_id").ok()).collect();
        let (ready, pending): (Vec<JobRecord>, Vec<JobRecord>) = jobs
            .into_iter()
            .partition(|j| committed.contains(j.file_id.as_str()));
        let cutoff = Utc::now() - ORPHAN_AFTER;
        let crashed: Vec<&str> = pending
            .iter()
            .filter(|j| j.created_at < cutoff)
            .map(|j| j.id.as_str())
            .collect();
        if !crashed.is_empty() {
            tracing::warn!(jobs = ?crashed, "removing jobs of an upload that was never committed");
            let filter = doc! { "_id": { "$in": crashed }, "published": false };
            self.jobs.delete_many(filter).await.map_err(unavailable)?;
        }
        Ok(ready)
    }

    /// A `dead` job back to `queued` and unpublished, with [`Self::swap`] so
    /// two retries at once revive it once.
    pub(super) async fn revive(
        &self,
        id: &str,
        priority: kiln_proto::Priority,
    ) -> Result<Option<JobRecord>, StoreError> {
        let Some(job) = self.read_job(id).await? else {
            return Ok(None);
        };
        if job.status != JobStatus::Dead {
            return Ok(None);
        }
        let mut next = job.clone();
        next.status = JobStatus::Queued;
        next.published = false;
        next.updated_at = Utc::now();
        next.attempt_base = job.attempts;
        next.priority = priority;
        Ok(self.swap(&job, &job_to_doc(&next)).await?.then_some(next))
    }

    /// Jobs `running` or `failed` unchanged since `before` back to `queued`
    /// and unpublished, each with [`Self::swap`] so a worker finishing it
    /// at that moment wins.
    pub(super) async fn requeue(&self, before: chrono::DateTime<Utc>) -> Result<u64, StoreError> {
        let filter = doc! {
            "status": { "$in": [JobStatus::Running.as_str(), JobStatus::Failed.as_str()] },
            "updated_at": { "$lt": super::docs::date(before) },
        };
        let stalled = self.find_jobs(filter, doc! { "_id": 1 }, 500).await?;
        let mut requeued = 0;
        for job in stalled {
            let mut next = job.clone();
            next.status = JobStatus::Queued;
            next.published = false;
            next.updated_at = Utc::now();
            if self.swap(&job, &job_to_doc(&next)).await? {
                requeued += 1;
            }
        }
        Ok(requeued)
    }

    /// Jobs per kind and status: one indexed count per pair (the kinds
    /// from `distinct`), rather than a `$group` over every job, which the
    /// test stand-in cannot evaluate and which reads each document.
    pub(super) async fn count_jobs(&self) -> Result<Vec<kiln_core::JobCount>, StoreError> {
        let kinds = self
            .jobs
            .distinct("kind", doc! {})
            .await
            .map_err(unavailable)?;
        let mut kinds: Vec<String> = kinds
            .into_iter()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect();
        kinds.sort();
        let pairs: Vec<(String, JobStatus)> = kinds
            .iter()
            .flat_map(|k| JobStatus::ALL.map(|st| (k.clone(), st)))
            .collect();
        let counts = futures::future::try_join_all(pairs.iter().map(|(kind, status)| {
            self.jobs
                .count_documents(doc! { "kind": kind, "status": status.as_str() })
                .into_future()
        }))
        .await
        .map_err(unavailable)?;
        Ok(pairs
            .into_iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|((kind, status), count)| kiln_core::JobCount {
                kind: kind.into(),
                status,
                count,
            })
            .collect())
    }
}
