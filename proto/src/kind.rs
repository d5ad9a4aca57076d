//! Job kinds and the worker roles that consume them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a job asks a worker to do.
///
/// Serialised as a lowercase string. A kind this build does not know
/// deserialises to [`JobKind::Unknown`] instead of failing, so that a worker
/// can dead-letter the message with a reason rather than crash on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum JobKind {
    /// Resize an image into one or more thumbnails.
    Thumbnail,
    /// Extract format, dimensions and EXIF metadata.
    Metadata,
    /// Convert audio or video to an audio file (MP3).
    Convert,
    /// Tell a job's owner by email that it ended.
    Notify,
    /// A kind introduced by a newer producer; carried verbatim.
    Unknown(String),
}

impl JobKind {
    /// Every kind this build can process.
    pub const KNOWN: [JobKind; 4] = [
        JobKind::Thumbnail,
        JobKind::Metadata,
        JobKind::Convert,
        JobKind::Notify,
    ];

    /// The wire name of the kind.
    pub fn as_str(&self) -> &str {
        match self {
            JobKind::Thumbnail => "thumbnail",
            JobKind::Metadata => "metadata",
            JobKind::Convert => "convert",
            JobKind::Notify => "notify",
            JobKind::Unknown(s) => s,
        }
    }

    /// The worker role that consumes this kind, if any.
    pub fn role(&self) -> Option<Role> {
        match self {
            JobKind::Thumbnail => Some(Role::Thumbnail),
            JobKind::Metadata => Some(Role::Metadata),
            JobKind::Convert => Some(Role::Convert),
            JobKind::Notify => Some(Role::Notify),
            JobKind::Unknown(_) => None,
        }
    }
}

impl From<String> for JobKind {
    fn from(s: String) -> Self {
        match s.as_str() {
            "thumbnail" => JobKind::Thumbnail,
            "metadata" => JobKind::Metadata,
            "convert" => JobKind::Convert,
            "notify" => JobKind::Notify,
            _ => JobKind::Unknown(s),
        }
    }
}

impl From<JobKind> for String {
    fn from(k: JobKind) -> Self {
        k.as_str().to_owned()
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A worker role: one deployable consumer group, one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Consumes [`JobKind::Thumbnail`].
    Thumbnail,
    /// Consumes [`JobKind::Metadata`].
    Metadata,
    /// Consumes [`JobKind::Convert`].
    Convert,
    /// Consumes [`JobKind::Notify`].
    Notify,
}

impl Role {
    /// Every role this build can run.
    pub const ALL: [Role; 4] = [Role::Thumbnail, Role::Metadata, Role::Convert, Role::Notify];

    /// The role's name, as used on the command line and in queue names.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Thumbnail => "thumbnail",
            Role::Metadata => "metadata",
            Role::Convert => "convert",
            Role::Notify => "notify",
        }
    }

    /// The job kinds this role consumes.
    pub fn kinds(self) -> &'static [JobKind] {
        match self {
            Role::Thumbnail => &[JobKind::Thumbnail],
            Role::Metadata => &[JobKind::Metadata],
            Role::Convert => &[JobKind::Convert],
            Role::Notify => &[JobKind::Notify],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role {s:?}; expected one of: thumbnail, metadata, convert, notify")
            })
    }
}
