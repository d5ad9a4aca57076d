//! The API's documents (`kiln_proto::api`) built from the store's records.

use kiln_core::{Attempt, FileRecord, JobRecord};
use kiln_proto::api::{JobAttempt, JobOutput, JobView, file_url};

/// A job as clients see it, with its outputs.
pub fn job(job: JobRecord, outputs: Vec<FileRecord>) -> JobView {
    JobView {
        outputs: outputs.into_iter().map(output).collect(),
        id: job.id,
        kind: job.kind,
        file_id: job.file_id,
        status: job.status,
        attempts: job.attempts,
        priority: job.priority,
        error: job.error,
        created_at: job.created_at,
        updated_at: job.updated_at,
        history: job.history.into_iter().map(attempt).collect(),
    }
}

fn output(f: FileRecord) -> JobOutput {
    JobOutput {
        url: file_url(&f.id),
        file_id: f.id,
        content_type: f.content_type,
        bytes: f.bytes,
        width: f.width,
        height: f.height,
        filename: f.filename,
    }
}

// The stored attempt and the API's have the same shape today; they are two
// types so that the storage format can change without changing the API.
fn attempt(a: Attempt) -> JobAttempt {
    JobAttempt {
        attempt: a.attempt,
        started_at: a.started_at,
        finished_at: a.finished_at,
        outcome: a.outcome,
        error: a.error,
    }
}
