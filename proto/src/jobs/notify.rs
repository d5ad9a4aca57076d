//! Parameters of a [`JobKind::Notify`](crate::JobKind::Notify) job, and how
//! an upload asks for one.

use crate::JobStatus;
use serde::{Deserialize, Serialize};

/// The key in a job's parameters that asks for an email when it ends
/// (`"notify": "email"`), set by the gateway from `notify=email` or the
/// owner's preference. Handlers ignore it.
pub const NOTIFY_PARAM: &str = "notify";

/// One email about one job reaching one terminal status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyParams {
    /// The job that ended.
    pub job_id: String,
    /// How it ended: `succeeded` or `dead`.
    pub status: JobStatus,
}

impl NotifyParams {
    /// The dedupe key: one email per job and status, however often the
    /// event is delivered.
    pub fn key(&self) -> String {
        format!("{}:{}", self.job_id, self.status.as_str())
    }
}
