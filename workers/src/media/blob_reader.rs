//! A blocking `Read + Seek` view of a stored blob, for decoders that pull
//! bytes (the media demuxers) rather than take a buffer.
//!
//! Bytes are streamed from the blob store as the decoder reads: one request
//! for a sequential pass, a new ranged request only when the decoder seeks
//! away (MP4's index at the end of the file, say). Memory holds one chunk.

use bytes::Bytes;
use futures::StreamExt;
use kiln_core::{BlobError, BlobStore, Bucket, ByteStream};
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};
use tokio::runtime::Handle;

/// Forward seeks shorter than this read through instead of re-requesting:
/// a new request costs more than skipping a few chunks.
const SKIP_THROUGH: u64 = 512 * 1024;

/// Reads one blob through the async store from a blocking thread.
pub struct BlobReader {
    rt: Handle,
    blobs: Arc<dyn BlobStore>,
    bucket: Bucket,
    id: String,
    len: u64,
    /// Position of the next byte `read` returns.
    pos: u64,
    /// Bytes at `pos..pos + buf.len()`.
    buf: Bytes,
    /// When open, yields the bytes from `pos + buf.len()` on. In a mutex
    /// only because decoders want `Sync` sources; `get_mut` never locks.
    stream: Option<Mutex<ByteStream>>,
    /// Requests made (for tests and logs).
    requests: u32,
}

impl BlobReader {
    /// A reader of `len` bytes of blob `id`. Must be used off the async
    /// runtime (in `spawn_blocking`), since reads block on `rt`.
    pub fn new(rt: Handle, blobs: Arc<dyn BlobStore>, bucket: Bucket, id: &str, len: u64) -> Self {
        BlobReader {
            rt,
            blobs,
            bucket,
            id: id.to_owned(),
            len,
            pos: 0,
            buf: Bytes::new(),
            stream: None,
            requests: 0,
        }
    }

    /// The blob's length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the blob is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many requests the reader has made of the store.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    fn fill(&mut self) -> io::Result<()> {
        let start = self.pos + self.buf.len() as u64;
        if start >= self.len {
            return Ok(());
        }
        if self.stream.is_none() {
            self.requests += 1;
            let (blobs, bucket, id, len) =
                (self.blobs.clone(), self.bucket, self.id.clone(), self.len);
            let opened = self
                .rt
                .block_on(async move { blobs.get(bucket, &id, Some(start..len)).await });
            self.stream = Some(Mutex::new(opened.map_err(blob_to_io)?));
        }
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        let stream = stream
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match self.rt.block_on(stream.next()) {
            Some(Ok(chunk)) => {
                self.buf = if self.buf.is_empty() {
                    chunk
                } else {
                    // Only when a skip-through left a partial chunk behind.
                    [self.buf.as_ref(), chunk.as_ref()].concat().into()
                };
                Ok(())
            }
            Some(Err(e)) => {
                self.stream = None;
                Err(e)
            }
            None => {
                self.stream = None;
                // The store ended early: the blob is shorter than recorded.
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("stored file ended at byte {start} of {}", self.len),
                ))
            }
        }
    }
}

fn blob_to_io(e: BlobError) -> io::Error {
    match e {
        BlobError::NotFound => {
            io::Error::new(io::ErrorKind::NotFound, "input file no longer exists")
        }
        other => io::Error::other(other.to_string()),
    }
}

impl kiln_media::MediaSource for BlobReader {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        if self.buf.is_empty() {
            self.fill()?;
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        let _ = self.buf.split_to(n);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        let buffered_end = self.pos + self.buf.len() as u64;
        if target >= self.pos && target <= buffered_end {
            let _ = self.buf.split_to((target - self.pos) as usize);
        } else if target > buffered_end
            && target - buffered_end < SKIP_THROUGH
            && self.stream.is_some()
        {
            // Read through: drop what lies before the target.
            self.buf.clear();
            self.pos = buffered_end;
            while self.pos < target && self.pos < self.len {
                self.fill()?;
                let skip = ((target - self.pos) as usize).min(self.buf.len());
                let _ = self.buf.split_to(skip);
                self.pos += skip as u64;
            }
        } else {
            self.buf.clear();
            self.stream = None;
        }
        self.pos = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_adapters::embedded::FsBlobStore;
    use kiln_core::blob::stream_of;

    #[test]
    fn reads_seeks_and_counts_requests() {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let dir = tempfile::tempdir().expect("dir");
        let store: Arc<dyn BlobStore> =
            Arc::new(rt.block_on(FsBlobStore::open(dir.path())).expect("store"));
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let id = kiln_core::new_id();
        rt.block_on(store.put(Bucket::Originals, &id, stream_of(data.clone())))
            .expect("put");
        let handle = rt.handle().clone();
        std::thread::spawn(move || {
            let mut r = BlobReader::new(handle, store, Bucket::Originals, &id, data.len() as u64);
            let mut all = Vec::new();
            r.read_to_end(&mut all).expect("read");
            assert_eq!(all, data);
            assert_eq!(r.requests(), 1, "a sequential pass is one request");
            // Back to the middle, then a short skip forward, then the tail.
            let mut b = [0u8; 1000];
            r.seek(SeekFrom::Start(1_000_000)).expect("seek");
            r.read_exact(&mut b).expect("read");
            assert_eq!(&b[..], &data[1_000_000..1_001_000]);
            r.seek(SeekFrom::Current(100_000)).expect("skip");
            r.read_exact(&mut b).expect("read");
            assert_eq!(&b[..], &data[1_101_000..1_102_000]);
            assert_eq!(r.requests(), 2, "a short forward skip reads through");
            r.seek(SeekFrom::End(-10)).expect("seek end");
            let mut tail = Vec::new();
            r.read_to_end(&mut tail).expect("tail");
            assert_eq!(tail, &data[data.len() - 10..]);
            assert!(r.seek(SeekFrom::Current(-(data.len() as i64) - 1)).is_err());
        })
        .join()
        .expect("thread");
    }
}
