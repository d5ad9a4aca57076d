//! Blobs as files on the local disk.

use crate::blob::{BlobError, BlobInfo, BlobStore, Bucket, ByteStream};
use async_trait::async_trait;
use futures::TryStreamExt;
use futures::stream::BoxStream;
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::{Path, PathBuf};
use tokio::fs;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Stores each blob as `ROOT/BUCKET/xx/ID`, writing through a temporary file
/// in `ROOT/tmp` that is renamed into place only once complete and synced.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

const READ_CHUNK: usize = 64 * 1024;

impl FsBlobStore {
    /// Opens the store at `root`, creating it, and removes temporary files
    /// left by writes that a crash interrupted.
    pub async fn open(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        for b in [Bucket::Originals, Bucket::Derived] {
            fs::create_dir_all(root.join(b.as_str())).await?;
        }
        let tmp = root.join("tmp");
        fs::create_dir_all(&tmp).await?;
        let mut entries = fs::read_dir(&tmp).await?;
        while let Some(e) = entries.next_entry().await? {
            let _ = fs::remove_file(e.path()).await;
        }
        Ok(FsBlobStore { root })
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, bucket: Bucket, id: &str) -> Result<PathBuf, BlobError> {
        // Ids come from Kiln, but are echoed from URLs: refuse anything that
        // could walk out of the store.
        let ok = id.len() >= 4
            && id.len() <= 64
            && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
        if !ok {
            return Err(BlobError::NotFound);
        }
        let shard = &id[id.len() - 2..];
        Ok(self.root.join(bucket.as_str()).join(shard).join(id))
    }

    /// Writes `data` to `tmp` and makes it durable. The disk work runs on
    /// the blocking pool in batches of [`WRITE_BATCH`] bytes, hashing as it
    /// writes: one thread hand-off per batch rather than per network chunk,
    /// and the async threads never hash.
    async fn write_tmp(
        &self,
        tmp: &Path,
        mut data: BoxStream<'_, std::io::Result<bytes::Bytes>>,
    ) -> Result<BlobInfo, BlobError> {
        let mut writer = Writer {
            path: tmp.to_path_buf(),
            file: None,
            hasher: Sha256::new(),
            bytes: 0,
        };
        let mut batch = Vec::new();
        let mut pending = 0;
        while let Some(chunk) = data.try_next().await.map_err(BlobError::Source)? {
            pending += chunk.len();
            batch.push(chunk);
            if pending >= WRITE_BATCH {
                let chunks = std::mem::take(&mut batch);
                pending = 0;
                writer = blocking(move || {
                    writer.write(&chunks)?;
                    Ok(writer)
                })
                .await?;
            }
        }
        blocking(move || {
            writer.write(&batch)?;
            writer.finish()
        })
        .await
    }
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Unavailable(e.into()))?
}

/// Bytes gathered before the blocking pool writes them.
const WRITE_BATCH: usize = 1 << 20;

/// The temporary file of one `put`, owned by whichever thread writes next.
struct Writer {
    path: PathBuf,
    /// Created by the first write, on the blocking pool.
    file: Option<std::fs::File>,
    hasher: Sha256,
    bytes: u64,
}

impl Writer {
    fn write(&mut self, chunks: &[bytes::Bytes]) -> std::io::Result<()> {
        use std::io::Write;
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(std::fs::File::create(&self.path)?),
        };
        for c in chunks {
            self.hasher.update(c);
            self.bytes += c.len() as u64;
            file.write_all(c)?;
        }
        Ok(())
    }

    /// After the last [`Writer::write`]: syncs the file and checks what the
    /// disk holds is what was sent.
    fn finish(self) -> Result<BlobInfo, BlobError> {
        let file = self.file.ok_or(BlobError::NotFound)?;
        file.sync_all()?;
        let on_disk = file.metadata()?.len();
        if on_disk != self.bytes {
            return Err(BlobError::Unavailable(
                format!(
                    "wrote {on_disk} of {} bytes (is the disk full?)",
                    self.bytes
                )
                .into(),
            ));
        }
        Ok(BlobInfo {
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(
        &self,
        bucket: Bucket,
        id: &str,
        data: BoxStream<'_, std::io::Result<bytes::Bytes>>,
    ) -> Result<BlobInfo, BlobError> {
        let dest = self.path(bucket, id)?;
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}.part", uuid::Uuid::new_v4()));
        let info = match self.write_tmp(&tmp, data).await {
            Ok(info) => info,
            Err(e) => {
                let _ = fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let dir = dest.parent().ok_or(BlobError::NotFound)?.to_path_buf();
        blocking(move || {
            let result = (|| {
                std::fs::create_dir_all(&dir)?;
                std::fs::rename(&tmp, &dest)?;
                // The rename is durable only once the directory entry is synced.
                std::fs::File::open(&dir)?.sync_all()
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result.map_err(|e| BlobError::Unavailable(e.into()))
        })
        .await?;
        Ok(info)
    }

    async fn get(
        &self,
        bucket: Bucket,
        id: &str,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, BlobError> {
        let mut file = fs::File::open(self.path(bucket, id)?).await?;
        let stream: ByteStream = match range {
            Some(r) => {
                file.seek(std::io::SeekFrom::Start(r.start)).await?;
                let limited = file.take(r.end.saturating_sub(r.start));
                Box::pin(tokio_util::io::ReaderStream::with_capacity(
                    limited, READ_CHUNK,
                ))
            }
            None => Box::pin(tokio_util::io::ReaderStream::with_capacity(
                file, READ_CHUNK,
            )),
        };
        Ok(stream)
    }

    /// One read on the blocking pool, into a buffer of the file's size.
    async fn get_all(&self, bucket: Bucket, id: &str) -> Result<Vec<u8>, BlobError> {
        let path = self.path(bucket, id)?;
        blocking(move || Ok(std::fs::read(path)?)).await
    }

    async fn delete(&self, bucket: Bucket, id: &str) -> Result<(), BlobError> {
        match fs::remove_file(self.path(bucket, id)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BlobError::Unavailable(e.into())),
        }
    }

    async fn written_before(
        &self,
        bucket: Bucket,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, BlobError> {
        let dir = self.root.join(bucket.as_str());
        let cutoff = std::time::SystemTime::from(before);
        // A directory walk on the blocking pool: the sweep is rare and the
        // async API would cost a task switch per entry.
        let ids = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<String>> {
            let mut ids = Vec::new();
            for shard in std::fs::read_dir(&dir)? {
                let shard = shard?;
                if !shard.file_type()?.is_dir() {
                    continue;
                }
                for e in std::fs::read_dir(shard.path())? {
                    let e = e?;
                    if e.metadata()?.modified()? < cutoff {
                        ids.extend(e.file_name().to_str().map(str::to_owned));
                    }
                }
            }
            Ok(ids)
        })
        .await
        .map_err(|e| BlobError::Unavailable(e.into()))??;
        Ok(ids)
    }

    async fn free_bytes(&self) -> Result<Option<u64>, BlobError> {
        let root = self.root.clone();
        let stat = tokio::task::spawn_blocking(move || rustix::fs::statvfs(&root))
            .await
            .map_err(|e| BlobError::Unavailable(e.into()))?
            .map_err(|e| BlobError::Unavailable(std::io::Error::from(e).into()))?;
        // Blocks an unprivileged process may use, as `df` shows them.
        Ok(Some(stat.f_bavail.saturating_mul(stat.f_frsize)))
    }

    async fn ping(&self) -> Result<(), BlobError> {
        let meta = fs::metadata(self.root.join("tmp")).await?;
        if meta.permissions().readonly() {
            return Err(BlobError::Unavailable("blob directory is read-only".into()));
        }
        Ok(())
    }
}
