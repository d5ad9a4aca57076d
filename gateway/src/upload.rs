//! `POST /v1/uploads`: stream a file into the blob store, record its jobs.

use crate::auth::Caller;
use crate::openapi::bodies::{Binary, UploadForm};
use crate::openapi::responses as r;
use crate::upload_params::{RawParams, WorkRequest};
use crate::usage::Allowance;
use crate::{ApiError, AppState, sniff};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use chrono::Utc;
use futures::{Stream, StreamExt, TryStreamExt};
use kiln_core::publish_jobs;
use kiln_core::{BlobError, Bucket, FileRecord, JobRecord, new_id};
use kiln_proto::api::{ErrorCode, QueuedJob, UploadAccepted, UploadQuery, file_url, job_url};
use kiln_proto::{Job, MetadataParams, NotifyBy, ThumbnailParams};
use serde_json::json;
use std::collections::HashMap;
use tracing::Instrument;

#[derive(Debug, thiserror::Error)]
#[error("upload exceeds the limit of {0} bytes")]
struct TooLarge(u64);

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::TooLarge,
        format!("upload exceeds the limit of {limit} bytes"),
    )
}

/// Upload a file
///
/// `multipart/form-data` (field `file`, plus optional parameter fields), or
/// a raw body of any other type with an optional `X-Filename`. The type is
/// sniffed from the bytes; the file streams to storage, and its jobs are
/// queued. Default thumbnails are made for images only. Bytes the caller
/// already has answer the existing file (`duplicate_of`) unless `dedupe`
/// is `false`.
#[utoipa::path(
    post,
    path = "/v1/uploads",
    tag = "uploads",
    operation_id = "upload",
    params(
        UploadQuery,
        ("X-Filename" = Option<String>, Header, example = "photo.jpg",
         description = "The file's name, for a raw body (UTF-8; the last path component is kept)"),
    ),
    request_body(
        description = "The file: a multipart form, or its bytes as the body",
        content(
            (UploadForm = "multipart/form-data"),
            (Binary = "application/octet-stream"),
        ),
    ),
    responses(
        (status = 202, description = "Stored; its jobs are queued", body = UploadAccepted),
        (status = 400, response = r::BadUpload),
        (status = 413, response = r::TooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::InvalidParameter),
        (status = 429, response = r::UploadLimited),
        (status = 503, response = r::Unavailable),
        (status = 507, response = r::InsufficientStorage),
    ),
)]
pub async fn create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    req: Request,
) -> Result<(StatusCode, Json<UploadAccepted>), ApiError> {
    let Query(query) = query.map_err(|e| ApiError::invalid(e.body_text()))?;
    let mut params = RawParams::for_caller(caller.user().is_some());
    for (k, v) in query {
        params.set(&k, v);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let limit = s.config.max_upload_bytes;
    let multipart = content_type.starts_with("multipart/form-data");
    // A multipart body's length includes its framing: only a raw one's is exact.
    if !multipart && declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    crate::disk::check_room(&s, declared).await?;
    let allowance =
        crate::usage::upload_allowance(&s, &caller, declared.filter(|_| !multipart)).await?;
    let (mut file, work) = if multipart {
        from_multipart(&s, params, req, allowance).await?
    } else {
        let work = params.resolve(&s.config)?;
        // UTF-8 names arrive as raw header bytes (what curl and most clients
        // send); `to_str` would refuse anything beyond ASCII.
        let filename = headers
            .get("x-filename")
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
            .map(crate::filename::clean);
        let body = req
            .into_body()
            .into_data_stream()
            .map_err(std::io::Error::other);
        (store_stream(&s, body, filename, allowance).await?, work)
    };

    let accepted = s.config.accept_uploads.accepts(&file.content_type);
    let work = match work
        .fit_to(&file.content_type)
        .and_then(|w| accepted.map(|()| w))
    {
        Ok(w) => w,
        Err(message) => {
            let _ = s.backends.blobs.delete(Bucket::Originals, &file.id).await;
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                message,
            ));
        }
    };
    file.owner = caller.owner();
    // `notify=email` without an account was refused with the parameters.
    let notify = work
        .notify
        .unwrap_or_else(|| caller.user().is_some_and(|u| u.notify_email));
    let jobs = job_records(&file, &work, notify.then_some(NotifyBy::Email));
    if work.dedupe {
        let found = s
            .backends
            .library
            .find_duplicate(file.owner.as_deref(), &file.sha256)
            .await;
        let found = match found {
            Ok(f) => f,
            Err(e) => {
                let _ = s.backends.blobs.delete(Bucket::Originals, &file.id).await;
                return Err(e.into());
            }
        };
        if let Some(existing) = found {
            // The copy just streamed in is not kept: the caller has these bytes.
            let _ = s.backends.blobs.delete(Bucket::Originals, &file.id).await;
            crate::metrics::upload(file.bytes, true);
            crate::usage::count(&s, &caller, kiln_core::Direction::Upload, file.bytes).await;
            let answer = crate::dedupe::answer(&s, &caller, existing, jobs).await?;
            return Ok((StatusCode::ACCEPTED, Json(answer)));
        }
    }
    if let Err(e) = s.backends.store.insert_upload(&file, &jobs).await {
        // Without its record the blob is unreachable: remove it.
        let _ = s.backends.blobs.delete(Bucket::Originals, &file.id).await;
        return Err(e.into());
    }
    publish_jobs(s.backends.store.as_ref(), s.backends.broker.as_ref(), &jobs).await;
    tracing::info!(file = %file.id, bytes = file.bytes, content_type = %file.content_type, jobs = jobs.len(), "upload accepted");
    crate::metrics::upload(file.bytes, false);
    crate::usage::count(&s, &caller, kiln_core::Direction::Upload, file.bytes).await;
    if let Some(user) = caller.user() {
        let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
        let detail = json!({"filename": file.filename, "bytes": file.bytes, "jobs": kinds});
        crate::history::record(
            &s,
            &user.id,
            kiln_core::HistoryAction::Upload,
            Some(&file.id),
            detail,
        )
        .await;
    }

    let queued = jobs
        .into_iter()
        .map(|j| QueuedJob {
            url: job_url(&j.id),
            id: j.id,
            kind: j.kind,
            status: j.status,
        })
        .collect();
    Ok((
        StatusCode::ACCEPTED,
        Json(UploadAccepted {
            url: file_url(&file.id),
            file_id: file.id,
            filename: file.filename,
            sha256: file.sha256,
            bytes: file.bytes,
            content_type: file.content_type,
            jobs: queued,
            duplicate_of: None,
        }),
    ))
}

async fn from_multipart(
    s: &AppState,
    mut params: RawParams,
    req: Request,
    allowance: Allowance,
) -> Result<(FileRecord, WorkRequest), ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadMultipart,
            format!("malformed multipart body: {}", e.body_text()),
        )
    };
    let mut mp = Multipart::from_request(req, s).await.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadMultipart,
            e.body_text(),
        )
    })?;
    let mut stored: Option<FileRecord> = None;
    let result = async {
        while let Some(mut field) = mp.next_field().await.map_err(bad)? {
            match field.name().unwrap_or_default() {
                "file" => {
                    if stored.is_some() {
                        return Err(ApiError::invalid("file: one file per upload"));
                    }
                    params.resolve(&s.config)?; // fail fast, before storing anything
                    let filename = field.file_name().map(crate::filename::clean);
                    let body = field.map_err(std::io::Error::other);
                    stored = Some(store_stream(s, body, filename, allowance).await?);
                }
                name => {
                    let name = name.to_owned();
                    // Parameters are short: read at most MAX_FIELD bytes of one,
                    // chunk by chunk, so a huge field cannot fill memory.
                    let mut value = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(bad)? {
                        value.extend_from_slice(&chunk);
                        if value.len() > MAX_FIELD {
                            return Err(ApiError::invalid(format!(
                                "{}: a form field may hold at most {MAX_FIELD} bytes",
                                kiln_proto::api::excerpt(&name)
                            )));
                        }
                    }
                    let value = String::from_utf8(value).map_err(|_| {
                        ApiError::invalid(format!(
                            "{}: not UTF-8 text",
                            kiln_proto::api::excerpt(&name)
                        ))
                    })?;
                    params.set(&name, value);
                }
            }
        }
        params.resolve(&s.config)
    }
    .await;
    match (result, stored) {
        (Ok(work), Some(file)) => Ok((file, work)),
        (Ok(_), None) => Err(ApiError::invalid(
            "file: the multipart body has no field named \"file\"",
        )),
        (Err(e), stored) => {
            if let Some(f) = stored {
                let _ = s.backends.blobs.delete(Bucket::Originals, &f.id).await;
            }
            Err(e)
        }
    }
}

/// Largest non-file form field, in bytes.
const MAX_FIELD: usize = 8 * 1024;

/// Streams the body into the blob store under a new id, enforcing the size
/// limit as bytes arrive and sniffing the type from the first bytes.
async fn store_stream<S>(
    s: &AppState,
    body: S,
    filename: Option<String>,
    allowance: Allowance,
) -> Result<FileRecord, ApiError>
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin,
{
    let limit = allowance.max_bytes;
    let mut seen = 0u64;
    let limited = body.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len() as u64;
        if seen > limit {
            Err(std::io::Error::other(TooLarge(limit)))
        } else {
            Ok(chunk)
        }
    });
    let source_error = |e: std::io::Error| {
        if e.get_ref().is_some_and(|inner| inner.is::<TooLarge>()) {
            match allowance.quota {
                Some((used, quota)) => crate::usage::storage_exceeded(used, quota),
                None => too_large(limit),
            }
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::UploadInterrupted,
                format!("the upload did not complete: {e}"),
            )
        }
    };
    let (head, replay) = sniff::peek(limited).await.map_err(source_error)?;
    let content_type = sniff::content_type(&head);
    let id = new_id();
    // A step of the upload's trace: the bytes streaming into the blob store.
    let span = tracing::info_span!("store", file = %id, content_type = %content_type);
    let info = match s
        .backends
        .blobs
        .put(Bucket::Originals, &id, Box::pin(replay))
        .instrument(span)
        .await
    {
        Ok(info) => info,
        Err(BlobError::Source(e)) => return Err(source_error(e)),
        Err(e) => return Err(e.into()),
    };
    Ok(FileRecord {
        id,
        owner: None,
        filename,
        content_type,
        bytes: info.bytes,
        sha256: info.sha256,
        parent_id: None,
        job_id: None,
        width: None,
        height: None,
        created_at: Utc::now(),
    })
}

fn job_records(file: &FileRecord, work: &WorkRequest, notify: Option<NotifyBy>) -> Vec<JobRecord> {
    let mut jobs: Vec<Job> = Vec::new();
    if !work.sizes.is_empty() {
        jobs.push(
            ThumbnailParams {
                sizes: work.sizes.clone(),
                formats: work.formats.clone(),
            }
            .into(),
        );
    }
    if work.metadata {
        jobs.push(
            MetadataParams {
                serial_number: work.serial_number,
            }
            .into(),
        );
    }
    if let Some(c) = &work.convert {
        jobs.push(c.clone().into());
    }
    jobs.iter()
        .map(|job| {
            let mut record = JobRecord::new(file.owner.clone(), job, &file.id, notify);
            record.priority = work.priority;
            record
        })
        .collect()
}
