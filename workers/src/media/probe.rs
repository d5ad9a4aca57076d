//! The metadata document of an audio or video file: container, duration,
//! bit rate, and each track's codec and format, read from the headers
//! without decoding.

use super::open_input;
use crate::{JobContext, JobError};
use kiln_core::FileRecord;
use serde_json::Value;

/// Probes `input` through the blob store (streamed; only the headers and
/// index are read).
pub(crate) async fn media_metadata(
    ctx: &JobContext,
    input: &FileRecord,
) -> Result<Value, JobError> {
    let (reader, hint) = open_input(ctx, input);
    let info = tokio::task::spawn_blocking(move || kiln_media::probe(Box::new(reader), &hint))
        .await
        .map_err(|e| JobError::Abort(format!("worker crashed reading this input: {e}").into()))??;
    serde_json::to_value(&info)
        .map_err(|e| JobError::Abort(format!("could not record the metadata: {e}").into()))
}
