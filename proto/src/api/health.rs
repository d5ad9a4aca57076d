//! `GET /healthz` and `GET /readyz` (served by the gateway and by every
//! worker's probe port).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /healthz`: the process is up (`200`), or a worker is wedged
/// (`503`: restart it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Liveness {
    /// `ok`, or `stuck` for a worker holding a job far past its time limit.
    pub status: LivenessStatus,
    /// What is stuck, when `stuck`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stuck: Option<String>,
}

/// Whether the process makes progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LivenessStatus {
    /// The process answers (and, for a worker, no job is held past its
    /// time limit and stop wait).
    #[default]
    Ok,
    /// A worker holds a delivery long past its time limit: restart it.
    Stuck,
}

/// `GET /readyz`: `200` when every backend answers, else `503`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// The verdict.
    pub status: ReadinessStatus,
    /// Each backend's answer.
    pub checks: CheckResults,
}

/// Whether a service can do its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReadinessStatus {
    /// Store, blob store and broker all answer (`200`).
    Ready,
    /// At least one does not (`503`).
    Unavailable,
}

/// Each backend's answer: `ok`, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckResults {
    /// The metadata store (jobs, files).
    pub store: String,
    /// The blob store (file bytes).
    pub blobs: String,
    /// The broker (job queues).
    pub broker: String,
}

impl CheckResults {
    /// What a check that passed says.
    pub const OK: &'static str = "ok";
}
