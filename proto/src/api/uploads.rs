//! `POST /v1/uploads`: a file in, its jobs out.

use crate::{JobKind, JobStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The work an upload asks for, as query parameters (the same names are
/// accepted as multipart form fields before the `file` field). Every one is
/// optional; the gateway's defaults apply to what is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// Thumbnail edge sizes, comma-separated (`256,1024`), 1 to 8192; `none`
    /// for no thumbnails. Default thumbnails apply to images only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(example = "256,1024")]
    pub thumbnails: Option<String>,
    /// Thumbnail formats, comma-separated: `jpeg`, `webp`, `png`, `avif`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(example = "jpeg,webp")]
    pub formats: Option<String>,
    /// Whether to extract metadata (default `true`; the gateway also takes
    /// `1`/`0`, `yes`/`no`, `on`/`off`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<bool>,
    /// `true` to record the camera's serial number with the metadata
    /// (default `false`: a serial ties every photo to one device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<bool>,
    /// Convert audio or video to this format (`mp3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^mp3$", example = "mp3")]
    pub convert: Option<String>,
    /// Constant bit rate of the conversion, kbit/s (32 to 320, an MP3 rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 32, maximum = 320, example = 192)]
    pub bitrate: Option<u32>,
    /// VBR quality of the conversion, 0 (best) to 9 (smallest); default 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 0, maximum = 9, example = 2)]
    pub quality: Option<u8>,
    /// `false` to store a new file even when the caller already has one with
    /// the same bytes (default `true`: answer the existing file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedupe: Option<bool>,
    /// `email` to get an email when each job ends (accounts only), `none`
    /// for no email; default: the account's preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^(email|none)$", example = "email")]
    pub notify: Option<String>,
    /// `bulk` for work nobody is waiting for (an import, a re-scan): its
    /// jobs wait while interactive ones (the default) are queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(inline)]
    pub priority: Option<crate::Priority>,
}

/// `202`: the file is stored and its jobs are queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "file_id": "0190d1f4-8a41-7c2e-9d6a-2f1b4c8e7a10",
    "url": "/v1/files/0190d1f4-8a41-7c2e-9d6a-2f1b4c8e7a10",
    "filename": "photo.jpg",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "bytes": 2481532,
    "content_type": "image/jpeg",
    "jobs": [
        {"id": "0190d1f4-8a52-7b11-a3c4-5d6e7f801234", "kind": "thumbnail", "status": "queued",
         "url": "/v1/jobs/0190d1f4-8a52-7b11-a3c4-5d6e7f801234"},
        {"id": "0190d1f4-8a53-7d22-b4d5-6e7f80912345", "kind": "metadata", "status": "queued",
         "url": "/v1/jobs/0190d1f4-8a53-7d22-b4d5-6e7f80912345"}
    ]
}))]
pub struct UploadAccepted {
    /// Id of the stored file.
    pub file_id: String,
    /// Where to download it.
    pub url: String,
    /// The file name the client gave (`X-Filename` or the multipart field's
    /// file name, last path component only); `null` when it gave none.
    #[schema(required = true)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
