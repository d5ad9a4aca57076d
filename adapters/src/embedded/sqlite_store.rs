//! [`MetaStore`] on an embedded SQLite database.

use super::db::Db;
use super::sqlite_rows::{
    FILE_COLS, JOB_COLS, SCHEMA, conversion, file_from_row, insert_file, insert_job, job_from_row,
    ts,
};
use crate::store::{
    Completion, FileRecord, JobCount, JobQuery, JobRecord, MetaStore, StartOutcome, StoreError,
};
use async_trait::async_trait;
use chrono::Utc;
use kiln_proto::{JobStatus, Priority};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::path::Path;

/// Files, jobs and metadata in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    /// Opens or creates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Db::open(path, SCHEMA).map_err(|e| StoreError::Unavailable(e.into()))?;
        let store = SqliteStore { db };
        store.migrate()?;
        Ok(store)
    }

    /// Brings databases written by earlier versions up to the current schema.
    fn migrate(&self) -> Result<(), StoreError> {
        self.db
            .call_blocking(|conn| {
                for (table, name, def) in [
                    ("jobs", "history", "TEXT NOT NULL DEFAULT '[]'"),
                    ("jobs", "attempt_base", "INTEGER NOT NULL DEFAULT 0"),
                    ("jobs", "priority", "TEXT NOT NULL DEFAULT 'interactive'"),
                    ("jobs", "trace", "TEXT NOT NULL DEFAULT '{}'"),
                    ("users", "operator", "INTEGER NOT NULL DEFAULT 0"),
                ] {
                    let present = conn
                        .prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
                        .exists([table, name])?;
                    if !present {
                        conn.execute_batch(&format!(
                            "ALTER TABLE {table} ADD COLUMN {name} {def}"
                        ))?;
                    }
                }
                // One transaction: a crash mid-way leaves the old schema,
                // and the next start does it all again.
                let tx = conn.transaction()?;
                super::sqlite_library_rows::migrate(&tx)?;
                tx.commit()
            })
            .map_err(|e| StoreError::Unavailable(e.into()))
    }

    pub(super) async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        self.db
            .call(f)
            .await
            .map_err(|e| StoreError::Unavailable(e.into()))
    }

    /// Records the end of a running attempt, if it still owns the job.
    async fn finish(
        &self,
        job_id: &str,
        attempt: u32,
        status: JobStatus,
        error: Option<String>,
        outputs: Option<Vec<FileRecord>>,
    ) -> Result<Completion, StoreError> {
        let job_id = job_id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let changed = tx.execute(
                "UPDATE jobs SET status = ?1, error = ?2, updated_at = ?3,
                   history = json_set(history, '$[#-1].finished_at', ?3,
                                      '$[#-1].outcome', ?1, '$[#-1].error', ?2)
                 WHERE id = ?4 AND status = 'running' AND attempts = ?5",
                params![status.as_str(), error, ts(Utc::now()), job_id, attempt],
            )?;
            if changed == 0 {
                let exists: bool = tx
                    .query_row("SELECT 1 FROM jobs WHERE id = ?1", [&job_id], |_| Ok(true))
                    .optional()?
                    .unwrap_or(false);
                return Ok(if exists {
                    Completion::Superseded
                } else {
                    Completion::Gone
                });
            }
            let mut stale = Vec::new();
            if let Some(outputs) = outputs {
                let old: Vec<String> = tx
                    .prepare("SELECT id FROM files WHERE job_id = ?1")?
                    .query_map([&job_id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                tx.execute("DELETE FROM files WHERE job_id = ?1", [&job_id])?;
                for f in &outputs {
                    insert_file(&tx, f)?;
                }
                stale = old
                    .into_iter()
                    .filter(|id| !outputs.iter().any(|f| &f.id == id))
                    .collect();
            }
            tx.commit()?;
            Ok(Completion::Recorded {
                stale_outputs: stale,
            })
        })
        .await
    }
}

#[async_trait]
impl MetaStore for SqliteStore {
    async fn insert_upload(&self, file: &FileRecord, jobs: &[JobRecord]) -> Result<(), StoreError> {
        let (file, jobs) = (file.clone(), jobs.to_vec());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            insert_file(&tx, &file)?;
            for j in &jobs {
                insert_job(&tx, j)?;
            }
            tx.commit()
        })
        .await
    }

    async fn insert_job(&self, job: &JobRecord) -> Result<bool, StoreError> {
        let job = job.clone();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let file = tx
                .prepare("SELECT 1 FROM files WHERE id = ?1")?
                .exists([&job.file_id])?;
            let taken = tx
                .prepare("SELECT 1 FROM jobs WHERE id = ?1")?
                .exists([&job.id])?;
            if !file || taken {
                return Ok(false);
            }
            insert_job(&tx, &job)?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn get_file(&self, id: &str) -> Result<Option<FileRecord>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_row(
                &format!("SELECT {FILE_COLS} FROM files WHERE id = ?1"),
                [id],
                file_from_row,
            )
            .optional()
        })
        .await
    }

    async fn delete_file(&self, id: &str) -> Result<Option<Vec<FileRecord>>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(original) = tx
                .query_row(
                    &format!("SELECT {FILE_COLS} FROM files WHERE id = ?1 AND job_id IS NULL"),
                    [&id],
                    file_from_row,
                )
                .optional()?
            else {
                return Ok(None);
            };
            let mut removed = vec![original];
            removed.extend(
                tx.prepare(&format!(
                    "SELECT {FILE_COLS} FROM files WHERE parent_id = ?1"
                ))?
                .query_map([&id], file_from_row)?
                .collect::<Result<Vec<_>, _>>()?,
            );
            tx.execute("DELETE FROM files WHERE id = ?1 OR parent_id = ?1", [&id])?;
            tx.execute("DELETE FROM jobs WHERE file_id = ?1", [&id])?;
            tx.execute("DELETE FROM metadata WHERE file_id = ?1", [&id])?;
            // Out of every album and share with it.
            tx.execute("DELETE FROM album_files WHERE file_id = ?1", [&id])?;
            tx.execute(
                "DELETE FROM shares WHERE target_type = 'file' AND target_id = ?1",
                [&id],
            )?;
            tx.execute(
                "UPDATE albums SET cover_file_id = NULL WHERE cover_file_id = ?1",
                [&id],
            )?;
            tx.commit()?;
            Ok(Some(removed))
        })
        .await
    }

    async fn get_job(&self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_row(
                &format!("SELECT {JOB_COLS} FROM jobs WHERE id = ?1"),
                [id],
                job_from_row,
            )
            .optional()
        })
        .await
    }

    async fn list_jobs(&self, q: &JobQuery) -> Result<Vec<JobRecord>, StoreError> {
        let q = q.clone();
        self.call(move |conn| {
            let mut sql = format!("SELECT {JOB_COLS} FROM jobs WHERE 1 = 1");
            let mut args: Vec<String> = Vec::new();
            // Each condition has one `?`, numbered here.
            let mut push = |cond: &str, v: String| {
                args.push(v);
                let n = format!("?{}", args.len());
                sql.push_str(&format!(" AND {}", cond.replace('?', &n)));
            };
            if let Some(s) = q.status {
                push("status = ?", s.as_str().to_owned());
            }
            if let Some(k) = &q.kind {
                push("kind = ?", k.as_str().to_owned());
            }
            if let Some(o) = &q.owner {
                push("owner = ?", o.clone());
            }
            if let Some(f) = &q.file_id {
                push("file_id = ?", f.clone());
            }
            if let Some(b) = &q.before {
                push("id < ?", b.clone());
            }
            if let Some(t) = q.since {
                push("created_at >= ?", ts(t));
            }
            if let Some(t) = q.until {
                push("created_at < ?", ts(t));
            }
            if let Some(e) = &q.error_contains {
                // instr, not LIKE: the text is literal, `%` and `_` included.
                push("instr(lower(coalesce(error, '')), lower(?)) > 0", e.clone());
            }
            sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", q.limit.max(1)));
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), job_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn job_outputs(&self, job_id: &str) -> Result<Vec<FileRecord>, StoreError> {
        let job_id = job_id.to_owned();
        self.call(move |conn| {
            conn.prepare(&format!("SELECT {FILE_COLS} FROM files WHERE job_id = ?1 ORDER BY width DESC, content_type, id"))?
                .query_map([job_id], file_from_row)?
                .collect()
        })
        .await
    }

    async fn jobs_outputs(&self, job_ids: &[String]) -> Result<Vec<FileRecord>, StoreError> {
        if job_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = job_ids.to_vec();
        self.call(move |conn| {
            let marks = vec!["?"; ids.len()].join(", ");
            conn.prepare(&format!(
                "SELECT {FILE_COLS} FROM files WHERE job_id IN ({marks})
                 ORDER BY job_id, width DESC, content_type, id"
            ))?
            .query_map(rusqlite::params_from_iter(ids.iter()), file_from_row)?
            .collect()
        })
        .await
    }

    async fn start_attempt(&self, job_id: &str) -> Result<StartOutcome, StoreError> {
        let job_id = job_id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = ?1");
            let Some(job) = tx.query_row(&sql, [&job_id], job_from_row).optional()? else {
                return Ok(StartOutcome::Missing);
            };
            if job.status.is_terminal() {
                return Ok(StartOutcome::AlreadyTerminal(job));
            }
            tx.execute(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ?1,
                   history = json_insert(history, '$[#]',
                                         json_object('attempt', attempts + 1, 'started_at', ?1))
                 WHERE id = ?2",
                params![ts(Utc::now()), job_id],
            )?;
            let job = tx.query_row(&sql, [&job_id], job_from_row)?;
            tx.commit()?;
            Ok(StartOutcome::Started(job))
        })
        .await
    }

    async fn complete_job(
        &self,
        job_id: &str,
        attempt: u32,
        outputs: &[FileRecord],
    ) -> Result<Completion, StoreError> {
        self.finish(
            job_id,
            attempt,
            JobStatus::Succeeded,
            None,
            Some(outputs.to_vec()),
        )
        .await
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
        self.finish(job_id, attempt, status, Some(error.to_owned()), None)
            .await
    }

    async fn unpublished_jobs(&self, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        self.call(move |conn| {
            conn.prepare(&format!(
                "SELECT {JOB_COLS} FROM jobs WHERE published = 0 ORDER BY priority = 'bulk', id LIMIT ?1"
            ))?
            .query_map([limit], job_from_row)?
            .collect()
        })
        .await
    }

    async fn mark_published(&self, job_ids: &[String]) -> Result<(), StoreError> {
        let ids = job_ids.to_vec();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            for id in &ids {
                tx.execute("UPDATE jobs SET published = 1 WHERE id = ?1", [id])?;
            }
            tx.commit()
        })
        .await
    }

    async fn requeue_stalled(&self, before: chrono::DateTime<Utc>) -> Result<u64, StoreError> {
        let changed = self
            .call(move |conn| {
                conn.execute(
                    "UPDATE jobs SET status = 'queued', published = 0, updated_at = ?1
                     WHERE status IN ('running', 'failed') AND updated_at < ?2",
                    params![ts(Utc::now()), ts(before)],
                )
            })
            .await?;
        Ok(changed as u64)
    }

    async fn retry_dead(
        &self,
        job_id: &str,
        priority: Priority,
    ) -> Result<Option<JobRecord>, StoreError> {
        let job_id = job_id.to_owned();
        self.call(move |conn| {
            let changed = conn.execute(
                "UPDATE jobs SET status = 'queued', published = 0, updated_at = ?1,
                        attempt_base = attempts, priority = ?3
                 WHERE id = ?2 AND status = 'dead'",
                params![ts(Utc::now()), job_id, priority.as_str()],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = ?1");
            conn.query_row(&sql, [&job_id], job_from_row).optional()
        })
        .await
    }

    async fn job_counts(&self) -> Result<Vec<JobCount>, StoreError> {
        self.call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT kind, status, count(*) FROM jobs GROUP BY kind, status ORDER BY kind, status",
            )?;
            let rows = stmt.query_map([], |row| {
                let (kind, status): (String, String) = (row.get(0)?, row.get(1)?);
                Ok(JobCount {
                    kind: kind.into(),
                    status: status.parse().map_err(|e: String| conversion(1, e))?,
                    count: row.get::<_, i64>(2)? as u64,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn put_metadata(
        &self,
        file_id: &str,
        metadata: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let (id, doc) = (file_id.to_owned(), metadata.to_string());
        let search = kiln_core::SearchFields::from_metadata(metadata);
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO metadata (file_id, doc, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(file_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
                params![id, doc, ts(Utc::now())],
            )?;
            super::sqlite_library_rows::set_search(&tx, &id, &search)?;
            tx.commit()
        })
        .await
    }

    async fn get_metadata(&self, file_id: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let id = file_id.to_owned();
        let doc: Option<String> = self
            .call(move |conn| {
                conn.query_row("SELECT doc FROM metadata WHERE file_id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()
            })
            .await?;
        doc.map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.into())))
            .transpose()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.call(|conn| conn.query_row("SELECT 1", [], |_| Ok(())))
            .await
    }
}
