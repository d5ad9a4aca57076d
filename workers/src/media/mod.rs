//! Audio and video: the `convert` job, and the facts the metadata job
//! records for media files. The engine is `kiln-media`; this module moves
//! bytes between it and the stores.

mod blob_reader;
mod convert;
mod probe;

pub use blob_reader::BlobReader;
pub use convert::ConvertHandler;
pub(crate) use probe::media_metadata;

use kiln_media::MediaLimits;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Settings of the media worker (`[media]` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSettings {
    /// Largest input the converter accepts, in bytes (default 4 GiB).
    pub max_input_bytes: u64,
    /// A conversion running longer than this fails for good (default 30 min):
    /// the same input would time out again.
    pub timeout_secs: u64,
    /// Where the MP3 is staged while it is encoded (default: the system's
    /// temporary directory). Its first frame is rewritten once the totals are
    /// known, so it cannot go straight to the blob store; disk, not memory,
    /// holds it (about 1 MB per minute at 128 kbit/s).
    pub scratch_dir: Option<PathBuf>,
    /// Duration and channel limits.
    pub limits: MediaLimits,
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            max_input_bytes: 4 * 1024 * 1024 * 1024,
            timeout_secs: 1800,
            scratch_dir: None,
            limits: MediaLimits::default(),
        }
    }
}

/// A streaming reader of `input` (for `spawn_blocking`) and a decoder hint
/// from what the gateway knew: the client's file extension (never trusted
/// alone: the demuxers probe the content) and the sniffed type.
fn open_input(
    ctx: &crate::JobContext,
    input: &kiln_core::FileRecord,
) -> (BlobReader, kiln_media::Hint) {
    let reader = BlobReader::new(
        tokio::runtime::Handle::current(),
        ctx.blobs.clone(),
        input.bucket(),
        &input.id,
        input.bytes,
    );
    let h = kiln_media::Hint::new().with_mime_type(&input.content_type);
    let hint = match input
        .filename
        .as_deref()
        .and_then(|n| std::path::Path::new(n).extension())
        .and_then(|e| e.to_str())
    {
        Some(ext) => h.with_extension(ext),
        None => h,
    };
    (reader, hint)
}
