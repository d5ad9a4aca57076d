//! What a worker tells `/metrics` about each attempt: how it ended, how
//! long it ran, how long the job waited, and how many run now.

use super::Outcome;
use kiln_core::metrics::{JOB_DURATION, JOB_QUEUE_WAIT, JOBS, JOBS_IN_FLIGHT};
use std::time::Duration;

/// Counts an attempt as running until dropped (whatever way it ends).
pub(super) struct InFlight(&'static str);

impl InFlight {
    pub(super) fn start(kind: &'static str) -> InFlight {
        metrics::gauge!(JOBS_IN_FLIGHT, "kind" => kind).increment(1.0);
        InFlight(kind)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(JOBS_IN_FLIGHT, "kind" => self.0).decrement(1.0);
    }
}

/// Records how a delivery of a `kind` job ended and how long it took.
pub(super) fn ended(kind: &'static str, outcome: &Outcome, took: Duration) {
    let outcome = match outcome {
        Outcome::Succeeded { .. } => "succeeded",
        Outcome::Retrying { .. } => "retried",
        Outcome::Dead { .. } => "dead",
        Outcome::Skipped { .. } => "skipped",
    };
    metrics::counter!(JOBS, "kind" => kind, "outcome" => outcome).increment(1);
    metrics::histogram!(JOB_DURATION, "kind" => kind, "outcome" => outcome)
        .record(took.as_secs_f64());
}

/// Records the wait of a job's first attempt: from its upload to now.
pub(super) fn first_start(kind: &'static str, created_at: chrono::DateTime<chrono::Utc>) {
    let waited = (chrono::Utc::now() - created_at)
        .to_std()
        .unwrap_or_default();
    metrics::histogram!(JOB_QUEUE_WAIT, "kind" => kind).record(waited.as_secs_f64());
}
