//! The `notify` job: one email to a job's owner about how the job ended.
//! An upload asks for it with `notify=email` (see [`NotifyBy`](super::NotifyBy)).

use super::{InvalidParams, JobSpec};
use crate::JobStatus;
use serde::{Deserialize, Serialize};
use std::time::Duration;

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

impl JobSpec for NotifyParams {
    const NAME: &'static str = "notify";
    const TIME_LIMIT: Duration = Duration::from_secs(300);
    const NOUN: &'static str = "job";
    const NOTIFIES_OWNER: bool = false;

    fn validate(&self) -> Result<(), InvalidParams> {
        if self.status.is_terminal() {
            Ok(())
        } else {
            Err(InvalidParams(format!(
                "status: a notification is for a job that ended, not one {}",
                self.status.as_str()
            )))
        }
    }
}
