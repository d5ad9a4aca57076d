//! [`Library`] on the embedded SQLite store: file lists and search, albums
//! and share links (tables in `sqlite_library_rows.rs`).

use super::SqliteStore;
use super::sqlite_library_rows::{
    ALBUM_COLS, SHARE_COLS, album_from_row, library_cols, library_from_row, list_query,
    search_text, share_from_row, target_parts,
};
use super::sqlite_rows::{FILE_COLS, JOB_COLS, file_from_row, job_from_row, ts};
use crate::store::{FileRecord, JobRecord, StoreError};
use async_trait::async_trait;
use chrono::Utc;
use kiln_core::{Album, FileChange, FileQuery, Library, LibraryFile, Share};
use rusqlite::{OptionalExtension, TransactionBehavior, params, params_from_iter};

fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

#[async_trait]
impl Library for SqliteStore {
    async fn list_files(&self, query: &FileQuery) -> Result<Vec<LibraryFile>, StoreError> {
        let (sql, args) = list_query(query)?;
        self.call(move |conn| {
            conn.prepare(&sql)?
                .query_map(params_from_iter(args), library_from_row)?
                .collect()
        })
        .await
    }

    async fn library_file(&self, id: &str) -> Result<Option<LibraryFile>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {}, NULL FROM files f WHERE f.id = ?1 AND f.job_id IS NULL",
                    library_cols()
                ),
                [id],
                library_from_row,
            )
            .optional()
        })
        .await
    }

    async fn update_file(
        &self,
        id: &str,
        change: &FileChange,
    ) -> Result<Option<LibraryFile>, StoreError> {
        let (id, change) = (id.to_owned(), change.clone());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let select = format!(
                "SELECT {}, NULL FROM files f WHERE f.id = ?1 AND f.job_id IS NULL",
                library_cols()
            );
            let Some(mut f) = tx.query_row(&select, [&id], library_from_row).optional()? else {
                return Ok(None);
            };
            if let Some(name) = change.filename {
                f.file.filename = Some(name);
            }
            if let Some(tags) = change.tags {
                f.tags = tags;
            }
            if let Some(d) = change.description {
                f.description = d;
            }
            let text = search_text(
                f.file.filename.as_deref(),
                &f.tags,
                f.description.as_deref(),
            );
            let tags = serde_json::to_string(&f.tags)
                .map_err(|e| super::sqlite_rows::conversion(11, e.to_string()))?;
            tx.execute(
                "UPDATE files SET filename = ?2, tags = ?3, description = ?4, search_text = ?5
                 WHERE id = ?1",
                params![id, f.file.filename, tags, f.description, text],
            )?;
            tx.commit()?;
            Ok(Some(f))
        })
        .await
    }

    async fn find_duplicate(
        &self,
        owner: Option<&str>,
        sha256: &str,
    ) -> Result<Option<FileRecord>, StoreError> {
        let (owner, sha) = (owner.map(str::to_owned), sha256.to_owned());
        self.call(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {FILE_COLS} FROM files WHERE owner IS ?1 AND sha256 = ?2
                     AND job_id IS NULL ORDER BY id LIMIT 1"
                ),
                params![owner, sha],
                file_from_row,
            )
            .optional()
        })
        .await
    }

    async fn jobs_of_files(&self, file_ids: &[String]) -> Result<Vec<JobRecord>, StoreError> {
        if file_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = file_ids.to_vec();
        self.call(move |conn| {
            conn.prepare(&format!(
                "SELECT {JOB_COLS} FROM jobs WHERE file_id IN ({}) ORDER BY id",
                marks(ids.len())
            ))?
            .query_map(params_from_iter(ids.iter()), job_from_row)?
            .collect()
        })
        .await
    }

    async fn outputs_of_files(&self, file_ids: &[String]) -> Result<Vec<FileRecord>, StoreError> {
        if file_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = file_ids.to_vec();
        self.call(move |conn| {
            conn.prepare(&format!(
                "SELECT {FILE_COLS} FROM files WHERE parent_id IN ({})
                 ORDER BY parent_id, width, content_type, id",
                marks(ids.len())
            ))?
            .query_map(params_from_iter(ids.iter()), file_from_row)?
            .collect()
        })
        .await
    }

    async fn create_album(&self, a: &Album) -> Result<(), StoreError> {
        let a = a.clone();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO albums (id, owner, name, description, cover_file_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![a.id, a.owner, a.name, a.description, a.cover_file_id,
                        ts(a.created_at), ts(a.updated_at)],
            )
            .map(|_| ())
        })
        .await
    }

    async fn get_album(&self, id: &str) -> Result<Option<Album>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_row(
                &format!("SELECT {ALBUM_COLS} FROM albums a WHERE a.id = ?1"),
                [id],
                album_from_row,
            )
            .optional()
        })
        .await
    }

    async fn list_albums(
        &self,
        owner: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Album>, StoreError> {
        let (owner, after) = (owner.map(str::to_owned), after.map(str::to_owned));
        self.call(move |conn| {
            conn.prepare(&format!(
                "SELECT {ALBUM_COLS} FROM albums a WHERE a.owner IS ?1
                 AND (?2 IS NULL OR a.id < ?2) ORDER BY a.id DESC LIMIT ?3"
            ))?
            .query_map(params![owner, after, limit.max(1)], album_from_row)?
            .collect()
        })
        .await
    }

    async fn update_album(&self, a: &Album) -> Result<bool, StoreError> {
        let a = a.clone();
        self.call(move |conn| {
            conn.execute(
                "UPDATE albums SET name = ?2, description = ?3, cover_file_id = ?4, updated_at = ?5
                 WHERE id = ?1",
                params![a.id, a.name, a.description, a.cover_file_id, ts(Utc::now())],
            )
            .map(|n| n > 0)
        })
        .await
    }

    async fn delete_album(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM album_files WHERE album_id = ?1", [&id])?;
            tx.execute(
                "DELETE FROM shares WHERE target_type = 'album' AND target_id = ?1",
                [&id],
            )?;
            let n = tx.execute("DELETE FROM albums WHERE id = ?1", [&id])?;
            tx.commit()?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_to_album(&self, album_id: &str, file_ids: &[String]) -> Result<u64, StoreError> {
        let (album, ids) = (album_id.to_owned(), file_ids.to_vec());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut next: i64 = tx.query_row(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM album_files WHERE album_id = ?1",
                [&album],
                |r| r.get(0),
            )?;
            let now = ts(Utc::now());
            let mut added = 0;
            for id in &ids {
                let n = tx.execute(
                    "INSERT OR IGNORE INTO album_files (album_id, file_id, position, added_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![album, id, next, now],
                )?;
                if n > 0 {
                    added += 1;
                    next += 1;
                }
            }
            tx.execute(
                "UPDATE albums SET updated_at = ?2 WHERE id = ?1",
                params![album, now],
            )?;
            tx.commit()?;
            Ok(added)
        })
        .await
    }

    async fn remove_from_album(&self, album_id: &str, file_id: &str) -> Result<bool, StoreError> {
        let (album, file) = (album_id.to_owned(), file_id.to_owned());
        self.call(move |conn| {
            let n = conn.execute(
                "DELETE FROM album_files WHERE album_id = ?1 AND file_id = ?2",
                params![album, file],
            )?;
            if n > 0 {
                conn.execute(
                    "UPDATE albums SET updated_at = ?2,
                       cover_file_id = CASE WHEN cover_file_id = ?3 THEN NULL ELSE cover_file_id END
                     WHERE id = ?1",
                    params![album, ts(Utc::now()), file],
                )?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn reorder_album(&self, album_id: &str, file_ids: &[String]) -> Result<(), StoreError> {
        let (album, first) = (album_id.to_owned(), file_ids.to_vec());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Vec<String> = tx
                .prepare("SELECT file_id FROM album_files WHERE album_id = ?1 ORDER BY position")?
                .query_map([&album], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let order = kiln_core::library::reordered(&current, &first);
            for (i, id) in order.iter().enumerate() {
                tx.execute(
                    "UPDATE album_files SET position = ?3 WHERE album_id = ?1 AND file_id = ?2",
                    params![album, id, i as i64 + 1],
                )?;
            }
            tx.execute(
                "UPDATE albums SET updated_at = ?2 WHERE id = ?1",
                params![album, ts(Utc::now())],
            )?;
            tx.commit()
        })
        .await
    }

    async fn album_contains(&self, album_id: &str, file_id: &str) -> Result<bool, StoreError> {
        let (album, file) = (album_id.to_owned(), file_id.to_owned());
        self.call(move |conn| {
            conn.prepare("SELECT 1 FROM album_files WHERE album_id = ?1 AND file_id = ?2")?
                .exists(params![album, file])
        })
        .await
    }

    async fn create_share(&self, s: &Share) -> Result<(), StoreError> {
        let s = s.clone();
        self.call(move |conn| {
            let (kind, target) = target_parts(&s.target);
            conn.execute(
                &format!(
                    "INSERT INTO shares ({SHARE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ),
                params![
                    s.id,
                    s.owner,
                    s.token_hash,
                    kind,
                    target,
                    s.download,
                    s.expires_at.map(ts),
                    ts(s.created_at)
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn get_share(&self, id: &str) -> Result<Option<Share>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_row(
                &format!("SELECT {SHARE_COLS} FROM shares WHERE id = ?1"),
                [id],
                share_from_row,
            )
            .optional()
        })
        .await
    }

    async fn share_by_token_hash(&self, token_hash: &str) -> Result<Option<Share>, StoreError> {
        let hash = token_hash.to_owned();
        self.call(move |conn| {
            conn.query_row(
                &format!("SELECT {SHARE_COLS} FROM shares WHERE token_hash = ?1"),
                [hash],
                share_from_row,
            )
            .optional()
        })
        .await
    }

    async fn list_shares(
        &self,
        owner: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Share>, StoreError> {
        let (owner, after) = (owner.map(str::to_owned), after.map(str::to_owned));
        self.call(move |conn| {
            conn.prepare(&format!(
                "SELECT {SHARE_COLS} FROM shares WHERE owner IS ?1
                 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3"
            ))?
            .query_map(params![owner, after, limit.max(1)], share_from_row)?
            .collect()
        })
        .await
    }

    async fn delete_share(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.execute("DELETE FROM shares WHERE id = ?1", [id])
                .map(|n| n > 0)
        })
        .await
    }
}
