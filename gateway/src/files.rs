//! `GET /v1/files/{id}` (with `Range`), `GET …/metadata`, `DELETE /v1/files/{id}`.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::range::RangeDecision;
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiln_core::FileRecord;
use kiln_proto::api::{ErrorCode, FileMetadata};

/// Download a file
///
/// An upload or an output. A single `Range` answers `206`, an
/// unsatisfiable one `416` (ranges that cannot be served as one are
/// ignored: the whole file); `If-None-Match` with the `ETag` answers `304`.
#[utoipa::path(
    get,
    path = "/v1/files/{id}",
    tag = "files",
    operation_id = "download_file",
    params(("id" = String, Path, description = "File id"), crate::openapi::bodies::ByteRange),
    responses(
        (status = 200, response = r::FileBytes),
        (status = 206, response = r::PartialBytes),
        (status = 304, response = r::NotModified),
        (status = 404, response = r::NotFound),
        (status = 416, response = r::RangeNotSatisfiable),
        (status = 429, response = r::TransferQuotaExceeded),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn download(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let file = visible_file(&s, &caller, &id).await?;
    serve(&s, &caller, file, &headers).await
}

/// Answers a file's bytes (whole, a range, or `304`), counting the bytes
/// against the transfer of `payer` (the caller, or for public links the
/// file's owner).
pub(crate) async fn serve(
    s: &AppState,
    payer: &Caller,
    file: FileRecord,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let caller = payer;
    crate::usage::check_transfer(s, caller).await?;
    let etag = format!("\"{}\"", file.sha256);
    let header_str = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if header_str(header::IF_NONE_MATCH)
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    // A Range is honoured only if the client's copy is still current.
    let if_range_ok = header_str(header::IF_RANGE).is_none_or(|v| v.trim() == etag);
    let range = match crate::range::decide(
        header_str(header::RANGE).filter(|_| if_range_ok),
        file.bytes,
    ) {
        RangeDecision::Whole => None,
        RangeDecision::Partial(r) => Some(r),
        RangeDecision::Unsatisfiable => {
            let mut e = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ErrorCode::RangeNotSatisfiable,
                format!("the file has {} bytes", file.bytes),
            );
            e.headers.push((
                header::CONTENT_RANGE,
                hv(&format!("bytes */{}", file.bytes)),
            ));
            return Err(e);
        }
    };
    let (status, len, stream) = match &range {
        Some(r) => (
            StatusCode::PARTIAL_CONTENT,
            r.end() - r.start() + 1,
            s.backends
                .blobs
                .get(file.bucket(), &file.id, Some(*r.start()..r.end() + 1))
                .await?,
        ),
        None => (
            StatusCode::OK,
            file.bytes,
            s.backends.blobs.get(file.bucket(), &file.id, None).await?,
        ),
    };
    crate::usage::count(s, caller, kiln_core::Direction::Download, len).await;
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ETAG, hv(&etag));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    crate::serve_safely::set_download_headers(h, &file.content_type, file.filename.as_deref());
    if let Some(r) = &range {
        h.insert(
            header::CONTENT_RANGE,
            hv(&format!("bytes {}-{}/{}", r.start(), r.end(), file.bytes)),
        );
    }
    Ok(resp)
}

fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// A file's metadata
///
/// What the metadata worker extracted: for images `format`, `width`,
/// `height`, `exif`; for audio and video `container`, `duration_secs`,
/// `bit_rate`, `tags` and `tracks`.
#[utoipa::path(
    get,
    path = "/v1/files/{id}/metadata",
    tag = "files",
    operation_id = "file_metadata",
    params(("id" = String, Path, description = "File id")),
    responses(
        (status = 200, description = "The metadata document", body = FileMetadata),
        (status = 404, response = r::MetadataNotAvailable),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn metadata(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<FileMetadata>, ApiError> {
    visible_file(&s, &caller, &id).await?;
    let doc = s.backends.store.get_metadata(&id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::MetadataNotAvailable,
            "no metadata for this file (yet): see its metadata job",
        )
    })?;
    Ok(Json(FileMetadata(doc)))
}

/// The file, if the caller may see it; `404` alike for missing and for
/// someone else's.
pub(crate) async fn visible_file(
    s: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<FileRecord, ApiError> {
    s.backends
        .store
        .get_file(id)
        .await?
        .filter(|f| caller.can_see(f.owner.as_deref()))
        .ok_or_else(|| ApiError::not_found("file"))
}

/// Delete an upload
///
/// Removes the file with its jobs, their outputs and its metadata; it
/// leaves every album, and its share links stop working.
#[utoipa::path(
    delete,
    path = "/v1/files/{id}",
    tag = "files",
    operation_id = "delete_file",
    params(("id" = String, Path, description = "File id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn remove(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let file = visible_file(&s, &caller, &id).await?;
    let removed = match s.backends.store.delete_file(&id).await {
        Ok(r) => r,
        Err(e) => {
            // A store that cannot write (a full disk) may once the original's
            // bytes are gone: users must be able to free space. The record
            // then briefly names missing bytes, which downloads answer 404.
            tracing::warn!(file = %id, error = %e, "deleting the record failed; freeing the bytes first");
            s.backends.blobs.delete(file.bucket(), &file.id).await?;
            s.backends.store.delete_file(&id).await?
        }
    }
    .ok_or_else(|| ApiError::not_found("file"))?;
    // Records go first, so a failure here leaves only unreachable bytes,
    // never a record pointing at nothing.
    for f in removed {
        if let Err(e) = s.backends.blobs.delete(f.bucket(), &f.id).await {
            tracing::warn!(file = %f.id, error = %e, "could not remove blob of a deleted file");
        }
    }
    if let Some(user) = caller.user() {
        let detail = serde_json::json!({"filename": file.filename, "bytes": file.bytes});
        crate::history::record(
            &s,
            &user.id,
            kiln_core::HistoryAction::Delete,
            Some(&file.id),
            detail,
        )
        .await;
    }
    Ok(StatusCode::NO_CONTENT)
}
