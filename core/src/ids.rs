//! Ids of files, jobs and outputs.

/// A new time-ordered id (UUIDv7), used for files and jobs.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The deterministic id of a job's output, so that a redelivered job
/// overwrites its earlier outputs instead of adding duplicates.
pub fn output_id(job_id: &str, variant: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("kiln:{job_id}:{variant}").as_bytes(),
    )
    .to_string()
}
