//! `GET /v1/history`: what the caller did and how their jobs ended.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::{IntoParams, ToSchema};

/// Paging of a list (`GET /v1/history`). The values are strings as given,
/// so that a bad one answers `422` naming the parameter; an empty one counts
/// as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200; default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page of the caller's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryPage {
    /// The entries of this page.
    pub entries: Vec<HistoryItem>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryItem {
    /// Entry id (time-ordered).
    pub id: String,
    /// What happened.
    pub action: HistoryAction,
    /// What it happened to (a file, job or API key id); `null` for sign-ins.
    #[schema(required = true)]
    pub subject: Option<String>,
    /// Details, which vary by action (file name and bytes, job kind and
    /// error, sign-in method, key prefix, ...).
    pub detail: serde_json::Value,
    /// When.
    pub at: DateTime<Utc>,
}

/// What a history entry records. Stored and answered as its snake_case
/// name; a name this build does not know (written by a newer release) reads
/// as [`HistoryAction::Other`], kept verbatim, rather than failing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum HistoryAction {
    /// `sign_in`: a password sign-in (`detail.method`: `password` or `basic`).
    SignIn,
    /// `upload`: a file was uploaded (`detail`: `filename`, `bytes`, `jobs`).
    Upload,
    /// `delete`: an upload was deleted (`detail`: `filename`, `bytes`).
    Delete,
    /// `api_key_created` (`detail.prefix`).
    ApiKeyCreated,
    /// `api_key_revoked`.
    ApiKeyRevoked,
    /// `job_succeeded` (`detail`: `kind`, `file_id`, `error`).
    JobSucceeded,
    /// `job_dead`: a job was given up (`detail`: `kind`, `file_id`, `error`).
    JobDead,
    /// `email_sent`: a job-ended email went out.
    EmailSent,
    /// `email_failed`: a job-ended email could not be sent.
    EmailFailed,
    /// `renamed`: a file was renamed (`detail`: `from`, `to`).
    Renamed,
    /// `file_updated`: a file's tags or description changed (`detail`: `tags`, `description`).
    FileUpdated,
    /// `album_created`: an album was made (`detail.name`).
    AlbumCreated,
    /// `album_updated`: an album's name, description, cover, order or files changed (`detail`: what changed).
    AlbumUpdated,
    /// `album_deleted`: an album was deleted, never its files (`detail.name`).
    AlbumDeleted,
    /// `shared`: a share link was made (`detail`: `type`, `target_id`, `download`, `expires_at`).
    Shared,
    /// `share_revoked`: a share link was revoked.
    ShareRevoked,
    /// `link_created`: a signed download link was made (`detail.expires_at`).
    LinkCreated,
    /// `deduplicated`: an upload matched a file the caller already had, so nothing new was stored (`detail`: `filename`, `bytes`, `new_jobs`).
    Deduplicated,
    /// `job_retried`: a dead job was given another attempt (`detail`: `kind`, `attempts`).
    JobRetried,
    /// An action this build does not know; carried verbatim.
    Other(String),
}

impl HistoryAction {
    /// Every action this build knows.
    pub const KNOWN: [HistoryAction; 19] = [
        HistoryAction::SignIn,
        HistoryAction::Upload,
        HistoryAction::Delete,
        HistoryAction::ApiKeyCreated,
        HistoryAction::ApiKeyRevoked,
        HistoryAction::JobSucceeded,
        HistoryAction::JobDead,
        HistoryAction::EmailSent,
        HistoryAction::EmailFailed,
        HistoryAction::Renamed,
        HistoryAction::FileUpdated,
        HistoryAction::AlbumCreated,
        HistoryAction::AlbumUpdated,
        HistoryAction::AlbumDeleted,
        HistoryAction::Shared,
        HistoryAction::ShareRevoked,
        HistoryAction::LinkCreated,
        HistoryAction::Deduplicated,
        HistoryAction::JobRetried,
    ];

    /// The wire form.
    pub fn as_str(&self) -> &str {
        match self {
            HistoryAction::SignIn => "sign_in",
            HistoryAction::Upload => "upload",
            HistoryAction::Delete => "delete",
            HistoryAction::ApiKeyCreated => "api_key_created",
            HistoryAction::ApiKeyRevoked => "api_key_revoked",
            HistoryAction::JobSucceeded => "job_succeeded",
            HistoryAction::JobDead => "job_dead",
            HistoryAction::EmailSent => "email_sent",
            HistoryAction::EmailFailed => "email_failed",
            HistoryAction::Renamed => "renamed",
            HistoryAction::FileUpdated => "file_updated",
            HistoryAction::AlbumCreated => "album_created",
            HistoryAction::AlbumUpdated => "album_updated",
            HistoryAction::AlbumDeleted => "album_deleted",
            HistoryAction::Shared => "shared",
            HistoryAction::ShareRevoked => "share_revoked",
            HistoryAction::LinkCreated => "link_created",
            HistoryAction::Deduplicated => "deduplicated",
            HistoryAction::JobRetried => "job_retried",
            HistoryAction::Other(s) => s,
        }
    }
}

impl From<String> for HistoryAction {
    fn from(s: String) -> Self {
        HistoryAction::KNOWN
            .into_iter()
            .find(|a| a.as_str() == s)
            .unwrap_or(HistoryAction::Other(s))
    }
}

impl From<&str> for HistoryAction {
    fn from(s: &str) -> Self {
        HistoryAction::from(s.to_owned())
    }
}

impl From<HistoryAction> for String {
    fn from(a: HistoryAction) -> Self {
        match a {
            HistoryAction::Other(s) => s,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for HistoryAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
