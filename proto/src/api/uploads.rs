//! `POST /v1/uploads`: a file in, its jobs out.

use crate::{JobKind, JobStatus};
use serde::{Deserialize, Serialize};

/// The work an upload asks for, as query parameters (the same names are
/// accepted as multipart form fields before the `file` field). Every one is
/// optional; the gateway's defaults apply to what is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadQuery {
    /// Thumbnail edge sizes, comma-separated (`256,1024`), 1 to 8192; `none`
    /// for no thumbnails. Default thumbnails apply to images only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnails: Option<String>,
    /// Thumbnail formats, comma-separated: `jpeg`, `webp`, `png`, `avif`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats: Option<String>,
    /// Whether to extract metadata (default `true`; the gateway also takes
    /// `1`/`0`, `yes`/`no`, `on`/`off`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<bool>,
    /// Convert audio or video to this format (`mp3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convert: Option<String>,
    /// Constant bit rate of the conversion, kbit/s (32 to 320, an MP3 rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u32>,
    /// VBR quality of the conversion, 0 (best) to 9 (smallest); default 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// `false` to store a new file even when the caller already has one with
    /// the same bytes (default `true`: answer the existing file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedupe: Option<bool>,
    /// `email` to get an email when each job ends (accounts only), `none`
    /// for no email; default: the account's preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<String>,
}

/// `202`: the file is stored and its jobs are queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadAccepted {
    /// Id of the stored file.
    pub file_id: String,
    /// Where to download it.
    pub url: String,
    /// The file name the client gave (`X-Filename` or the multipart field's
    /// file name, last path component only); `null` when it gave none.
    pub filename: Option<String>,
    /// Lowercase hex SHA-256 of the bytes (also the download's `ETag`).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// MIME type sniffed from the bytes.
    pub content_type: String,
    /// The jobs queued for the file (none when no work applies). For a
    /// duplicate: the existing file's jobs, then any new ones.
    pub jobs: Vec<QueuedJob>,
    /// When the caller already had a file with these bytes: its id (then
    /// `file_id` too), and nothing new was stored. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

/// A job an upload queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedJob {
    /// Job id.
    pub id: String,
    /// What the job does.
    pub kind: JobKind,
    /// `queued`.
    pub status: JobStatus,
    /// Where to follow it (`GET`).
    pub url: String,
}
