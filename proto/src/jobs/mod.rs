//! Job specs: one type per job kind with its parameters, and the registry
//! that defines the kinds.
//!
//! A kind is a type implementing [`JobSpec`] (its wire name, default time
//! limit, whether its end may be emailed, and `validate`), in its own file
//! here, plus one line in the [`job_kinds!`](crate::kind) list below. That
//! line generates the [`JobKind`](crate::JobKind) and
//! [`Role`](crate::Role) variants and the [`Job`](crate::Job) sum type, so
//! the gateway (which builds jobs), the brokers (one queue per role) and
//! the workers (which parse them) pick the new kind up from the compiler.
//!
//! Why a sum type plus a trait rather than trait objects alone: the gateway
//! and the job store need a closed set to match on (`Job::kind`, `parse`),
//! and the trait keeps each kind's facts next to its parameters, checked at
//! compile time, with no registration at run time to forget.

mod convert;
mod metadata;
mod notify;
mod thumbnail;

pub use convert::{AudioFormat, ConvertParams, MP3_BITRATES, is_audio_or_video};
pub use metadata::MetadataParams;
pub use notify::NotifyParams;
pub use thumbnail::{ImageFormat, MAX_EDGE, ThumbnailParams};

use crate::kind::job_kinds;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::time::Duration;

job_kinds! {
    /// Resize an image into one or more thumbnails.
    Thumbnail => ThumbnailParams,
    /// Extract format, dimensions and EXIF metadata.
    Metadata => MetadataParams,
    /// Convert audio or video to an audio file (MP3).
    Convert => ConvertParams,
    /// Tell a job's owner by email that it ended.
    Notify => NotifyParams,
}

/// What every job kind declares about itself.
pub trait JobSpec: Serialize + DeserializeOwned + Clone + Debug + Send + Sync + 'static {
    /// The kind's name on the wire, in queue names and on the command line
    /// (`kiln worker --role NAME`).
    const NAME: &'static str;
    /// How long one attempt may run before it fails retryably, unless the
    /// role's configuration says otherwise.
    const TIME_LIMIT: Duration;
    /// What an email about the job calls its work ("your thumbnails").
    const NOUN: &'static str;
    /// Whether the end of such a job may itself be emailed to its owner
    /// (false for the notify job, which would otherwise announce itself).
    const NOTIFIES_OWNER: bool = true;

    /// Checks the values, naming the offending parameter as the upload API
    /// calls it at the start of the message.
    fn validate(&self) -> Result<(), InvalidParams>;
}

/// A [`JobSpec`] listed in the registry (implemented by `job_kinds!`, never
/// by hand): only such a spec has a queue, so only it can be handled.
pub trait Registered: JobSpec {
    /// The role whose workers run jobs of this kind.
    const ROLE: crate::Role;
}

/// Parameters that do not fit their job kind; the message starts with the
/// parameter's name (`bitrate: 100 is not an MP3 bit rate ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidParams(pub String);

/// How an owner asked to hear of a job's end: the `"notify"` key every
/// kind's parameters may carry beside its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyBy {
    /// An email to the owner's address.
    Email,
}

/// The key in a job's parameters that asks for an email when it ends
/// (`"notify": "email"`).
pub const NOTIFY_PARAM: &str = "notify";

/// Whether the job with these parameters asked for a notification.
pub fn notify_of(params: &serde_json::Value) -> Option<NotifyBy> {
    params
        .get(NOTIFY_PARAM)
        .and_then(|v| NotifyBy::deserialize(v).ok())
}

/// Parses and validates one kind's parameters. A missing (`null`) object
/// reads as empty, as older producers sent for kinds without parameters.
pub fn parse<S: JobSpec>(params: &serde_json::Value) -> Result<S, crate::DecodeError> {
    let kind = crate::JobKind::from(S::NAME.to_owned());
    let empty = serde_json::Value::Object(Default::default());
    let value = if params.is_null() { &empty } else { params };
    let spec = S::deserialize(value).map_err(|source| crate::DecodeError::Params {
        kind: kind.clone(),
        source,
    })?;
    spec.validate()
        .map_err(|source| crate::DecodeError::Invalid { kind, source })?;
    Ok(spec)
}

/// The wire form of one kind's parameters, with `notify` beside them.
pub(crate) fn to_params<S: JobSpec>(spec: &S, notify: Option<NotifyBy>) -> serde_json::Value {
    let mut value = serde_json::to_value(spec).unwrap_or_default();
    if let (Some(by), Some(map)) = (notify, value.as_object_mut()) {
        map.insert(NOTIFY_PARAM.into(), serde_json::json!(by));
    }
    value
}
