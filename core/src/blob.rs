//! The blob store trait: bytes by id, streamed both ways.

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use std::ops::Range;

/// A stream of file bytes. Errors from the producer (a client that went away,
/// an upload over its limit) surface as `io::Error`s in the stream.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Which family of files a blob belongs to (one GridFS bucket each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Uploaded originals.
    Originals,
    /// Outputs derived by workers (thumbnails, conversions).
    Derived,
}

impl Bucket {
    /// The bucket's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Originals => "originals",
            Bucket::Derived => "derived",
        }
    }
}

/// What the store computed while writing a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    /// Length in bytes.
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// Blob store failures.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob with that id.
    #[error("blob not found")]
    NotFound,
    /// The input stream failed; nothing was stored.
    #[error("input stream failed: {0}")]
    Source(#[source] std::io::Error),
    /// The store itself failed (disk, network); retrying may help.
    #[error("blob store unavailable: {0}")]
    Unavailable(#[source] crate::Cause),
}

impl From<std::io::Error> for BlobError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::NotFound {
            BlobError::NotFound
        } else {
            BlobError::Unavailable(e.into())
        }
    }
}

/// Content-addressed-by-id byte storage.
///
/// `put` is all-or-nothing: a failed or aborted write leaves no blob and no
/// partial file behind, and a successful one replaces any earlier blob with
/// the same id atomically (which makes worker outputs idempotent).
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Streams `data` into the blob `id`, returning its size and SHA-256.
    /// The input may borrow from the caller (a multipart field), hence `'_`.
    async fn put(
        &self,
        bucket: Bucket,
        id: &str,
        data: BoxStream<'_, std::io::Result<Bytes>>,
    ) -> Result<BlobInfo, BlobError>;

    /// Streams the blob, or the byte `range` of it (clamped to its end).
    async fn get(
        &self,
        bucket: Bucket,
        id: &str,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, BlobError>;

    /// The whole blob in memory, for workers whose decoders need a slice;
    /// callers enforce their own size limits first. The default collects
    /// [`BlobStore::get`]'s stream; a store that can read in one call
    /// overrides it.
    async fn get_all(&self, bucket: Bucket, id: &str) -> Result<Vec<u8>, BlobError> {
        use futures::TryStreamExt;
        let mut s = self.get(bucket, id, None).await?;
        let mut out = Vec::new();
        while let Some(chunk) = s.try_next().await.map_err(BlobError::from)? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Removes the blob. Removing a missing blob is not an error.
    async fn delete(&self, bucket: Bucket, id: &str) -> Result<(), BlobError>;

    /// Checks the store is usable (for readiness probes).
    async fn ping(&self) -> Result<(), BlobError>;

    /// Ids of the blobs in `bucket` last written before `before`, for the
    /// sweep that removes blobs no record points to (left by a crash
    /// between writing the bytes and the record).
    async fn written_before(
        &self,
        bucket: Bucket,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, BlobError>;

    /// Bytes free on the volume the store writes to, where the store can
    /// tell (a local disk); `None` where the server manages its own space.
    async fn free_bytes(&self) -> Result<Option<u64>, BlobError>;
}

/// Reads a whole blob into memory. For workers whose decoders need a slice;
/// callers enforce their own size limits before calling it.
pub async fn read_all(
    store: &dyn BlobStore,
    bucket: Bucket,
    id: &str,
) -> Result<Vec<u8>, BlobError> {
    store.get_all(bucket, id).await
}

/// A stream over one in-memory buffer, for small outputs.
pub fn stream_of(bytes: Vec<u8>) -> ByteStream {
    Box::pin(futures::stream::once(async move { Ok(Bytes::from(bytes)) }))
}
