//! Signed download links: `POST /v1/files/{id}/links` makes one; `GET
//! /d/{id}?expires=…&sig=…` opens it with no credentials.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use kiln_core::{HistoryAction, LinkError};
use kiln_proto::api::{ErrorCode, NewLink, SignedLink};
use serde::Deserialize;

/// Default lifetime of a link, seconds.
pub const DEFAULT_LINK_SECS: u64 = 3600;

/// Make a signed download link
///
/// To one of the caller's files (an upload or an output): the link
/// downloads it with no credentials until it expires.
#[utoipa::path(
    post,
    path = "/v1/files/{id}/links",
    tag = "files",
    operation_id = "create_link",
    params(("id" = String, Path, description = "File id")),
    request_body(content = ref("#/components/schemas/NewLink"),
        description = "Optional: no body is the defaults"),
    responses(
        (status = 201, description = "The link", body = SignedLink),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<SignedLink>), ApiError> {
    // The body is optional: none means the defaults.
    let body: NewLink = if body.iter().all(u8::is_ascii_whitespace) {
        NewLink::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid(format!("body: {e}")))?
    };
    let file = crate::files::visible_file(&s, &caller, &id).await?;
    let max = s.config.max_link_secs;
    let secs = body.expires_in_secs.unwrap_or(DEFAULT_LINK_SECS.min(max));
    if secs == 0 || secs > max {
        return Err(ApiError::invalid(format!(
            "expires_in_secs: must be from 1 to {max} (gateway.max_link_secs)"
        )));
    }
    let expires_at = Utc::now() + chrono::Duration::seconds(secs as i64);
    let url = s.links.path(&file.id, expires_at);
    if let Some(user) = caller.user() {
        let detail = serde_json::json!({"expires_at": expires_at});
        crate::history::record(&s, &user.id, HistoryAction::LinkCreated, Some(&id), detail).await;
    }
    Ok((StatusCode::CREATED, Json(SignedLink { url, expires_at })))
}

/// The query of a signed link.
#[derive(Debug, Deserialize)]
pub struct Signed {
    expires: Option<String>,
    sig: Option<String>,
}

/// Open a signed download link
///
/// No credentials: the signature is one. Downloads the file as `GET
/// /v1/files/{id}` does: `403` for a wrong signature, `410` once expired,
/// `404` once the file is deleted.
#[utoipa::path(
    get,
    path = "/d/{id}",
    tag = "public",
    operation_id = "open_link",
    params(
        ("id" = String, Path, description = "File id"),
        ("expires" = i64, Query, description = "When the link expires, Unix seconds"),
        ("sig" = String, Query, description = "The link's signature"),
        crate::openapi::bodies::ByteRange,
    ),
    responses(
        (status = 200, response = r::FileBytes),
        (status = 206, response = r::PartialBytes),
        (status = 304, response = r::NotModified),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 410, response = r::Gone),
        (status = 416, response = r::RangeNotSatisfiable),
        (status = 429, response = r::TransferQuotaExceeded),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn open(
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<Signed>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let forbidden = |m: &str| ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, m);
    let Ok(Query(q)) = q else {
        return Err(forbidden("this link is not valid"));
    };
    let expires = q.expires.as_deref().and_then(|e| e.parse::<i64>().ok());
    let (Some(expires), Some(sig)) = (expires, q.sig) else {
        return Err(forbidden("this link is not valid"));
    };
    match s.links.check(&id, expires, &sig, Utc::now()) {
        Ok(()) => {}
        Err(LinkError::BadSignature) => return Err(forbidden("this link is not valid")),
        Err(LinkError::Expired) => {
            return Err(ApiError::new(
                StatusCode::GONE,
                ErrorCode::Gone,
                "this link has expired; ask for a new one",
            ));
        }
    }
    let file = s
        .backends
        .store
        .get_file(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("file"))?;
    let payer = super::public::owner_as_caller(&s, file.owner.as_deref()).await?;
    crate::files::serve(&s, &payer, file, &headers).await
}
