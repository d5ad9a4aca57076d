//! The job message that travels through the broker, and the status event.

use crate::{InvalidParams, Job, JobKind, JobStatus, Priority, SCHEMA_VERSION};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A request for one unit of work on one stored file.
///
/// The message is deliberately small: the job's authoritative state lives in
/// the job store, and the message only tells a worker which job to load. That
/// keeps redelivery harmless: a worker always re-reads the job first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMessage {
    /// Schema version of the writer (see [`SCHEMA_VERSION`]).
    #[serde(default = "default_version")]
    pub schema_version: u32,
    /// Job id (UUID, time-ordered).
    pub job_id: String,
    /// What to do.
    pub kind: JobKind,
    /// The input file's id.
    pub file_id: String,
    /// Kind-specific parameters (see [`Job`]), plus `notify`.
    #[serde(default)]
    pub params: serde_json::Value,
    /// When the job was created.
    pub created_at: DateTime<Utc>,
    /// The lane it waits in; absent for `interactive`.
    #[serde(default, skip_serializing_if = "Priority::is_interactive")]
    pub priority: Priority,
    /// The upload's trace context (W3C `traceparent`, `tracestate`), so the
    /// worker's spans join the request's trace; absent when not traced.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trace: BTreeMap<String, String>,
}

fn default_version() -> u32 {
    SCHEMA_VERSION
}

/// A message that could not be understood. Always a permanent failure: the
/// same bytes will never decode on a retry.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, or missing required fields.
    #[error("malformed job message: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The parameters do not have the job kind's shape.
    #[error("invalid {kind} parameters: {source}")]
    Params {
        /// The job's kind.
        kind: JobKind,
        /// What serde said.
        source: serde_json::Error,
    },
    /// The parameters have the right shape but values out of range.
    #[error("invalid {kind} parameters: {source}")]
    Invalid {
        /// The job's kind.
        kind: JobKind,
        /// Which value, and why.
        source: InvalidParams,
    },
    /// A kind this build does not know.
    #[error("unknown job kind {0:?}")]
    UnknownKind(String),
}

impl JobMessage {
    /// Builds a message for a new job with this build's schema version.
    pub fn new(job_id: String, kind: JobKind, file_id: String, params: serde_json::Value) -> Self {
        JobMessage {
            schema_version: SCHEMA_VERSION,
            job_id,
            kind,
            file_id,
            params,
            created_at: Utc::now(),
            priority: Priority::Interactive,
            trace: BTreeMap::new(),
        }
    }

    /// Serialises to the JSON wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses the JSON wire form, ignoring unknown fields.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        Ok(serde_json::from_slice(bytes)?)
    }

    /// The job's typed parameters, validated.
    pub fn job(&self) -> Result<Job, DecodeError> {
        Job::parse(&self.kind, &self.params)
    }
}

/// A job's status change, published for live status streams and notifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobEvent {
    /// Schema version of the writer.
    #[serde(default = "default_version")]
    pub schema_version: u32,
    /// The job.
    pub job_id: String,
    /// The job's input file.
    pub file_id: String,
    /// The job's kind.
    pub kind: JobKind,
    /// The new status.
    pub status: JobStatus,
    /// Attempts started so far.
    pub attempts: u32,
    /// The reason, when the status is `failed` or `dead`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the change happened.
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ImageFormat, ThumbnailParams};
    use serde_json::json;

    fn sample() -> JobMessage {
        JobMessage::new(
            "0190-job".into(),
            JobKind::Thumbnail,
            "0190-file".into(),
            json!({"sizes": [256, 1024], "formats": ["jpeg", "webp"]}),
        )
    }

    #[test]
    fn round_trips_through_json() {
        let m = sample();
        let back = JobMessage::from_bytes(&m.to_bytes()).expect("decodes");
        assert_eq!(back, m);
        assert_eq!(
            back.job().expect("params"),
            Job::Thumbnail(ThumbnailParams {
                sizes: vec![256, 1024],
                formats: vec![ImageFormat::Jpeg, ImageFormat::Webp]
            })
        );
    }

    #[test]
    fn wire_form_is_stable() {
        let v: serde_json::Value = serde_json::from_slice(&sample().to_bytes()).expect("json");
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["kind"], "thumbnail");
        assert_eq!(v["job_id"], "0190-job");
        assert_eq!(v["params"]["formats"][1], "webp");
    }

    #[test]
    fn lane_and_trace_travel_only_when_set() {
        let plain: serde_json::Value = serde_json::from_slice(&sample().to_bytes()).expect("json");
        assert!(plain.get("priority").is_none() && plain.get("trace").is_none());
        let mut m = sample();
        m.priority = Priority::Bulk;
        m.trace.insert(
            "traceparent".into(),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into(),
        );
        let back = JobMessage::from_bytes(&m.to_bytes()).expect("decodes");
        assert_eq!(back, m);
        let v: serde_json::Value = serde_json::from_slice(&m.to_bytes()).expect("json");
        assert_eq!(v["priority"], "bulk");
    }

    #[test]
    fn ignores_unknown_fields_and_accepts_missing_version() {
        // What an older producer (no version) or a newer one (extra fields) sends.
        let raw = br#"{"job_id":"j","kind":"metadata","file_id":"f",
            "created_at":"2026-01-02T03:04:05Z","urgency":7,"span":{"a":1}}"#;
        let m = JobMessage::from_bytes(raw).expect("decodes");
        assert_eq!(m.kind, JobKind::Metadata);
        assert_eq!(m.schema_version, SCHEMA_VERSION);
        assert_eq!(m.params, serde_json::Value::Null);
    }

    #[test]
    fn unknown_kind_is_kept_not_rejected() {
        let raw = br#"{"job_id":"j","kind":"transcode-hologram","file_id":"f","created_at":"2026-01-02T03:04:05Z"}"#;
        let m = JobMessage::from_bytes(raw).expect("decodes");
        assert_eq!(m.kind, JobKind::Unknown("transcode-hologram".into()));
        assert_eq!(m.kind.role(), None);
        // And it re-serialises verbatim, so a relay never corrupts it.
        let v: serde_json::Value = serde_json::from_slice(&m.to_bytes()).expect("json");
        assert_eq!(v["kind"], "transcode-hologram");
    }

    #[test]
    fn garbage_and_bad_params_are_decode_errors() {
        assert!(matches!(
            JobMessage::from_bytes(b"not json"),
            Err(DecodeError::Malformed(_))
        ));
        let mut m = sample();
        m.params = json!({"sizes": "big", "formats": ["gif"]});
        assert!(matches!(m.job(), Err(DecodeError::Params { .. })));
        m.params = json!({"sizes": [0], "formats": ["jpeg"]});
        assert!(matches!(m.job(), Err(DecodeError::Invalid { .. })));
    }

    #[test]
    fn every_known_kind_has_a_role() {
        for k in JobKind::KNOWN {
            let role = k.role().expect("known kinds have roles");
            assert!(role.kinds().contains(&k));
            assert_eq!(role.as_str(), k.as_str());
            assert_eq!(JobKind::from(k.as_str().to_owned()), k);
        }
        assert!(!JobKind::Notify.notifies_owner() && JobKind::Convert.notifies_owner());
    }

    #[test]
    fn status_event_round_trips() {
        let e = JobEvent {
            schema_version: SCHEMA_VERSION,
            job_id: "j".into(),
            file_id: "f".into(),
            kind: JobKind::Metadata,
            status: JobStatus::Dead,
            attempts: 5,
            error: Some("gave up".into()),
            at: Utc::now(),
        };
        let back: JobEvent =
            serde_json::from_str(&serde_json::to_string(&e).expect("ser")).expect("de");
        assert_eq!(back, e);
        assert!(JobStatus::Dead.is_terminal() && !JobStatus::Failed.is_terminal());
    }
}
