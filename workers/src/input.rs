//! Loading a job's input file, within the byte limit.

use crate::{JobContext, JobError};
use kiln_core::blob::read_all;
use kiln_core::{FileRecord, JobRecord};
use kiln_imaging::ImageLimits;

/// The job's input record and bytes. A missing file or one over
/// `limits.max_input_bytes` is permanent; a store failure is retryable.
pub(crate) async fn load(
    ctx: &JobContext,
    job: &JobRecord,
    limits: &ImageLimits,
) -> Result<(FileRecord, Vec<u8>), JobError> {
    let input = record(ctx, job).await?;
    let data = read(ctx, &input, limits).await?;
    Ok((input, data))
}

/// The job's input record; a missing one is permanent.
pub(crate) async fn record(ctx: &JobContext, job: &JobRecord) -> Result<FileRecord, JobError> {
    ctx.store
        .get_file(&job.file_id)
        .await?
        .ok_or_else(|| JobError::Abort("input file no longer exists".into()))
}

/// The whole input, within `limits.max_input_bytes`.
pub(crate) async fn read(
    ctx: &JobContext,
    input: &FileRecord,
    limits: &ImageLimits,
) -> Result<Vec<u8>, JobError> {
    if input.bytes > limits.max_input_bytes {
        return Err(JobError::Abort(
            format!(
                "over limit: input is {} bytes; the limit is {} bytes",
                input.bytes, limits.max_input_bytes
            )
            .into(),
        ));
    }
    Ok(read_all(ctx.blobs.as_ref(), input.bucket(), &input.id).await?)
}
