//! The metadata document of an audio or video file: container, duration,
//! bit rate, and each track's codec and format, read from the headers
//! without decoding.

use super::open_input;
use crate::{JobContext, JobError};
use kiln_core::FileRecord;
use kiln_media::MediaInfo;
use serde_json::Value;

/// Probes `input` through the blob store (streamed; only the headers and
/// index are read).
pub(crate) async fn media_metadata(
    ctx: &JobContext,
    input: &FileRecord,
) -> Result<Value, JobError> {
    let (reader, hint) = open_input(ctx, input);
    let span = tracing::Span::current();
    let mut info = tokio::task::spawn_blocking(move || {
        span.in_scope(|| kiln_media::probe(Box::new(reader), &hint))
    })
    .await
    .map_err(|e| JobError::Abort(format!("worker crashed reading this input: {e}").into()))??;
    clean_strings(&mut info);
    serde_json::to_value(&info)
        .map_err(|e| JobError::Abort(format!("could not record the metadata: {e}").into()))
}

/// Tags, languages, make, model and software are the file's own strings,
/// which the engine reports as the file has them: the stored document gets
/// them capped and without control characters, as EXIF strings are.
fn clean_strings(info: &mut MediaInfo) {
    use kiln_metadata::text::clean;
    info.tags = std::mem::take(&mut info.tags)
        .into_iter()
        .filter_map(|(k, v)| Some((k, clean(&v)?)))
        .collect();
    // The camera's words in the container (make, model, software).
    for field in [&mut info.make, &mut info.model, &mut info.software] {
        *field = field.as_deref().and_then(clean);
    }
    for t in &mut info.tracks {
        t.language = t.language.as_deref().and_then(clean);
    }
}
