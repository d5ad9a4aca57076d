//! [`BlobStore`] on MongoDB GridFS: one bucket per [`Bucket`] (collections
//! `originals.files`/`originals.chunks` and `derived.files`/`derived.chunks`).
//!
//! A blob is the newest GridFS *revision* whose `filename` is the blob id.
//! `put` uploads a new revision under a fresh GridFS `_id` and, once it is
//! complete, deletes the older ones; readers therefore see the old or the
//! new blob, never a partial one. Reads stream the chunks through a cursor
//! and, for a range, fetch only the chunks that cover it.

use crate::blob::{BlobError, BlobInfo, BlobStore, Bucket, ByteStream};
use async_trait::async_trait;
use bytes::Bytes;
use futures::io::AsyncWriteExt;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use mongodb::bson::{Bson, Document, doc};
use mongodb::error::{ErrorKind, GridFsErrorKind};
use mongodb::gridfs::{FilesCollectionDocument, GridFsBucket};
use mongodb::options::{GridFsBucketOptions, IndexOptions};
use mongodb::{Collection, Cursor, Database, IndexModel};
use sha2::{Digest, Sha256};
use std::ops::Range;

/// Chunks fetched per cursor batch: bounds the memory of a download to a
/// few chunks (255 KiB each by default) whatever the file's size.
const CHUNK_BATCH: u32 = 8;

fn unavailable(e: impl Into<kiln_core::Cause>) -> BlobError {
    BlobError::Unavailable(e.into())
}

/// Blobs in GridFS buckets of one MongoDB database.
#[derive(Clone, Debug)]
pub struct GridFsBlobStore {
    db: Database,
    originals: GridFsBucket,
    derived: GridFsBucket,
}

impl GridFsBlobStore {
    /// A blob store on `db`. Call [`GridFsBlobStore::create_indexes`] once.
    pub fn new(db: Database) -> Self {
        let bucket = |b: Bucket| {
            let options = GridFsBucketOptions::builder()
                .bucket_name(b.as_str().to_owned())
                .build();
            db.gridfs_bucket(options)
        };
        GridFsBlobStore {
            originals: bucket(Bucket::Originals),
            derived: bucket(Bucket::Derived),
            db,
        }
    }

    /// Creates the GridFS indexes (files by filename and upload date, chunks
    /// by file and number), unless indexes on the same keys exist already.
    pub async fn create_indexes(&self) -> Result<(), BlobError> {
        for b in [Bucket::Originals, Bucket::Derived] {
            let files = self.collection(b, "files");
            ensure_index(&files, doc! { "filename": 1, "uploadDate": 1 }, false).await?;
            let chunks = self.collection(b, "chunks");
            ensure_index(&chunks, doc! { "files_id": 1, "n": 1 }, true).await?;
        }
        Ok(())
    }

    fn bucket(&self, b: Bucket) -> &GridFsBucket {
        match b {
            Bucket::Originals => &self.originals,
            Bucket::Derived => &self.derived,
        }
    }

    fn collection(&self, b: Bucket, suffix: &str) -> Collection<Document> {
        self.db.collection(&format!("{}.{suffix}", b.as_str()))
    }

    /// Every stored revision of blob `id`, newest first.
    async fn revisions(
        &self,
        b: Bucket,
        id: &str,
    ) -> Result<Vec<FilesCollectionDocument>, BlobError> {
        self.bucket(b)
            .find(doc! { "filename": id })
            .sort(doc! { "uploadDate": -1, "_id": -1 })
            .await
            .map_err(unavailable)?
            .try_collect()
            .await
            .map_err(unavailable)
    }

    async fn delete_revisions(
        &self,
        b: Bucket,
        revisions: &[FilesCollectionDocument],
    ) -> Result<(), BlobError> {
        for r in revisions {
            match self.bucket(b).delete(r.id.clone()).await {
                Ok(()) => {}
                Err(e)
                    if matches!(
                        *e.kind,
                        ErrorKind::GridFs(GridFsErrorKind::FileNotFound { .. })
                    ) => {}
                Err(e) => return Err(unavailable(e)),
            }
        }
        Ok(())
    }
}

/// Creates an index; one on the same keys under another name or with other
/// options (created by a driver's GridFS code) is as good.
async fn ensure_index(
    coll: &Collection<Document>,
    keys: Document,
    unique: bool,
) -> Result<(), BlobError> {
    let options = IndexOptions::builder()
        .unique(unique.then_some(true))
        .build();
    let model = IndexModel::builder().keys(keys).options(options).build();
    match coll.create_index(model).await {
        Ok(_) => Ok(()),
        // IndexOptionsConflict, IndexKeySpecsConflict.
        Err(e) if matches!(&*e.kind, ErrorKind::Command(c) if matches!(c.code, 85 | 86)) => Ok(()),
        Err(e) => Err(unavailable(e)),
    }
}

/// Streams bytes `start..end` of a file from its chunks `first..=last`.
struct ChunkReader {
    cursor: Cursor<Document>,
    next: u64,
    last: u64,
    start: u64,
    end: u64,
    chunk_size: u64,
    length: u64,
}

fn broken(what: String) -> std::io::Error {
    std::io::Error::other(format!("GridFS file is incomplete or corrupt: {what}"))
}

impl ChunkReader {
    async fn next_bytes(mut self) -> std::io::Result<Option<(Bytes, Self)>> {
        if self.next > self.last {
            return Ok(None);
        }
        let n = self.next;
        let Some(mut chunk) = self
            .cursor
            .try_next()
            .await
            .map_err(std::io::Error::other)?
        else {
            return Err(broken(format!("chunk {n} is missing")));
        };
        let got = match chunk.get("n") {
            Some(Bson::Int32(i)) => i64::from(*i),
            Some(Bson::Int64(i)) => *i,
            _ => -1,
        };
        if u64::try_from(got) != Ok(n) {
            return Err(broken(format!("expected chunk {n}, found {got}")));
        }
        let data = match chunk.remove("data") {
            Some(Bson::Binary(b)) => b.bytes,
            _ => return Err(broken(format!("chunk {n} has no data"))),
        };
        let offset = n * self.chunk_size;
        let expected = self.chunk_size.min(self.length - offset);
        if data.len() as u64 != expected {
            return Err(broken(format!(
                "chunk {n} has {} bytes, not {expected}",
                data.len()
            )));
        }
        let from = self.start.saturating_sub(offset) as usize;
        let to = (self.end - offset).min(expected) as usize;
        self.next += 1;
        Ok(Some((Bytes::from(data).slice(from..to), self)))
    }
}

#[async_trait]
impl BlobStore for GridFsBlobStore {
    async fn put(
        &self,
        bucket: Bucket,
        id: &str,
        mut data: BoxStream<'_, std::io::Result<Bytes>>,
    ) -> Result<BlobInfo, BlobError> {
        let mut upload = self
            .bucket(bucket)
            .open_upload_stream(id)
            .await
            .map_err(unavailable)?;
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        loop {
            let chunk = match data.try_next().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    // Removes the chunks written so far.
                    let _ = upload.abort().await;
                    return Err(BlobError::Source(e));
                }
            };
            hasher.update(&chunk);
            bytes += chunk.len() as u64;
            if let Err(e) = upload.write_all(&chunk).await {
                // A failed write has already removed the chunks written.
                let _ = upload.abort().await;
                return Err(unavailable(e));
            }
        }
        upload.close().await.map_err(unavailable)?;
        let new = upload.id().clone();
        // The new revision is complete and now the newest: drop older ones.
        // If that fails the blob is stored all the same; the next put or
        // delete of this id removes them.
        let older = match self.revisions(bucket, id).await {
            Ok(revisions) => revisions
                .into_iter()
                .skip_while(|r| r.id != new)
                .skip(1)
                .collect(),
            Err(e) => {
                tracing::warn!(id, error = %e, "could not list older revisions of a blob");
                Vec::new()
            }
        };
        if let Err(e) = self.delete_revisions(bucket, &older).await {
            tracing::warn!(id, error = %e, "could not remove older revisions of a blob");
        }
        Ok(BlobInfo {
            bytes,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    async fn get(
        &self,
        bucket: Bucket,
        id: &str,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, BlobError> {
        let file = self
            .bucket(bucket)
            .find_one(doc! { "filename": id })
            .sort(doc! { "uploadDate": -1, "_id": -1 })
            .await
            .map_err(unavailable)?
            .ok_or(BlobError::NotFound)?;
        let length = file.length;
        let (start, end) = match range {
            Some(r) => (r.start.min(length), r.end.min(length)),
            None => (0, length),
        };
        let chunk_size = u64::from(file.chunk_size_bytes);
        if start >= end {
            return Ok(Box::pin(futures::stream::empty()));
        }
        if chunk_size == 0 {
            return Err(unavailable(format!(
                "GridFS file {id} has a chunk size of 0"
            )));
        }
        let (first, last) = (start / chunk_size, (end - 1) / chunk_size);
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let filter =
            doc! { "files_id": file.id, "n": { "$gte": as_i64(first), "$lte": as_i64(last) } };
        let cursor = self
            .collection(bucket, "chunks")
            .find(filter)
            .sort(doc! { "n": 1 })
            .projection(doc! { "_id": 0, "n": 1, "data": 1 })
            .batch_size(CHUNK_BATCH)
            .await
            .map_err(unavailable)?;
        let reader = ChunkReader {
            cursor,
            next: first,
            last,
            start,
            end,
            chunk_size,
            length,
        };
        Ok(futures::stream::try_unfold(reader, ChunkReader::next_bytes).boxed())
    }

    async fn delete(&self, bucket: Bucket, id: &str) -> Result<(), BlobError> {
        let revisions = self.revisions(bucket, id).await?;
        self.delete_revisions(bucket, &revisions).await
    }

    async fn written_before(
        &self,
        bucket: Bucket,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, BlobError> {
        let files = self.collection(bucket, "files");
        let filter = doc! { "uploadDate": { "$lt": super::docs::date(before) } };
        let cursor = files
            .find(filter)
            .projection(doc! { "_id": 0, "filename": 1 })
            .await
            .map_err(unavailable)?;
        let docs: Vec<Document> = cursor.try_collect().await.map_err(unavailable)?;
        let mut ids: Vec<String> = docs
            .iter()
            .filter_map(|d| d.get_str("filename").ok().map(str::to_owned))
            .collect();
        // Several revisions of one blob share its name.
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    async fn free_bytes(&self) -> Result<Option<u64>, BlobError> {
        // MongoDB manages its own disk; its operators watch it there.
        Ok(None)
    }

    async fn ping(&self) -> Result<(), BlobError> {
        self.db
            .run_command(doc! { "ping": 1 })
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
