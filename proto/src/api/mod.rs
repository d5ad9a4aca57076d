//! The HTTP API's documents: what the gateway answers and the `kiln` client
//! reads, one file per resource.
//!
//! These are plain serde types so that one definition is both the server's
//! output and the client's input, and so that the OpenAPI document can be
//! generated from them. Field order is the order on the wire. A field that
//! may be `null` is an `Option` that always serialises, and says so to the
//! document with `#[schema(required = true)]` (utoipa takes a bare `Option`
//! for a field that may be absent); a field that may be absent carries
//! `skip_serializing_if`. `serde_json::Value` appears only
//! where the content is open-ended by design (extracted metadata, history
//! details).

pub mod admin;
pub mod albums;
pub mod api_keys;
pub mod auth;
pub mod email;
pub mod error;
pub mod files;
pub mod health;
pub mod history;
pub mod jobs;
pub mod library;
pub mod me;
mod schema;
pub mod session;
pub mod shares;
pub mod uploads;
pub mod usage;

#[cfg(test)]
mod tests;

pub use admin::{
    AdminJob, AdminJobList, AdminJobQuery, DeadLetterList, DeadLetterQuery, DeadLetterView,
    JobCountRow, JobCounts, MAX_ERROR_FILTER_CHARS, MAX_RETRY_BATCH, PurgeReport, RetryFilter,
    RetryReport,
};
pub use albums::{
    AlbumFiles, AlbumFilesAdded, AlbumList, AlbumUpdate, AlbumView, MAX_ALBUM_FILES,
    MAX_IDS_PER_REQUEST, NewAlbum,
};
pub use api_keys::{ApiKeyInfo, ApiKeyList, CreatedApiKey, NewApiKey};
pub use auth::{AccessToken, Account, Credentials, SignUp, TokenType};
pub use email::{EmailRejected, normalize_email};
pub use error::{EXCERPT_CHARS, ErrorBody, ErrorCode, ErrorDetail, excerpt};
pub use files::FileMetadata;
pub use health::{CheckResults, Liveness, LivenessStatus, Readiness, ReadinessStatus};
pub use history::{HistoryAction, HistoryItem, HistoryPage, PageQuery};
pub use jobs::{JobAttempt, JobList, JobListQuery, JobOutput, JobView};
pub use library::{
    Camera, FileJob, FileList, FileListQuery, FileUpdate, FileView, Location,
    MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_QUERY_CHARS, MAX_TAG_CHARS, MAX_TAGS, NewLink,
    SignedLink, Thumbnail,
};
pub use me::{Me, Preferences, QuotaOverrides};
pub use session::{CSRF_HEADER, SESSION_COOKIE, Session};
pub use shares::{NewShare, ShareCreated, ShareList, ShareView, SharedFile, SharedPage};
pub use uploads::{QueuedJob, UploadAccepted, UploadQuery};
pub use usage::{Quotas, StorageUsage, TransferTotals, TransferUsage, Usage};

/// Path of a file's bytes (`GET`/`DELETE`), as given in `url` fields.
pub fn file_url(id: &str) -> String {
    format!("/v1/files/{id}")
}

/// Path of a job (`GET`), as given in `url` fields.
pub fn job_url(id: &str) -> String {
    format!("/v1/jobs/{id}")
}
