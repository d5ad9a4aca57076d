//! `/v1/shares`: links that show one file or an album to people without
//! an account, optionally letting them download originals; revocable.
//! The token is 256 random bits, shown once; only its SHA-256 is stored.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use base64::Engine;
use chrono::Utc;
use kiln_core::{HistoryAction, Share, ShareTarget, new_id};
use kiln_proto::api::{NewShare, PageQuery, ShareCreated, ShareList, ShareView};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Longest a share link may last, seconds (about 10 years).
pub const MAX_SHARE_SECS: u64 = 10 * 366 * 24 * 3600;

/// A new token: 32 random bytes, URL-safe base64 (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A share as its owner sees it.
pub fn view(s: &Share) -> ShareView {
    let (kind, target) = match &s.target {
        ShareTarget::File(id) => ("file", id),
        ShareTarget::Album(id) => ("album", id),
    };
    ShareView {
        id: s.id.clone(),
        kind: kind.to_owned(),
        target_id: target.clone(),
        download: s.download,
        expires_at: s.expires_at,
        expired: s.expires_at.is_some_and(|t| t <= Utc::now()),
        created_at: s.created_at,
    }
}

/// Share a file or an album
///
/// Exactly one of `file_id` and `album_id`. The token is shown this once;
/// only its hash is kept.
#[utoipa::path(
    post,
    path = "/v1/shares",
    tag = "shares",
    operation_id = "create_share",
    request_body = NewShare,
    responses(
        (status = 201, description = "The link", body = ShareCreated),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    b: Result<Json<NewShare>, JsonRejection>,
) -> Result<(StatusCode, Json<ShareCreated>), ApiError> {
    let Json(b) = b.map_err(|e| ApiError::invalid(e.body_text()))?;
    let target = match (b.file_id, b.album_id) {
        (Some(f), None) => {
            super::patch::visible_original(&s, &caller, &f).await?;
            ShareTarget::File(f)
        }
        (None, Some(a)) => {
            super::albums::visible_album(&s, &caller, &a).await?;
            ShareTarget::Album(a)
        }
        _ => {
            return Err(ApiError::invalid(
                "file_id, album_id: give exactly one of them",
            ));
        }
    };
    let expires_at = match b.expires_in_secs {
        None => None,
        Some(secs) if (1..=MAX_SHARE_SECS).contains(&secs) => {
            Some(Utc::now() + chrono::Duration::seconds(secs as i64))
        }
        Some(_) => {
            return Err(ApiError::invalid(format!(
                "expires_in_secs: must be from 1 to {MAX_SHARE_SECS}"
            )));
        }
    };
    let token = new_token();
    let share = Share {
        id: new_id(),
        owner: caller.owner(),
        token_hash: token_hash(&token),
        target,
        download: b.download,
        expires_at,
        created_at: Utc::now(),
    };
    s.backends.library.create_share(&share).await?;
    let v = view(&share);
    if let Some(user) = caller.user() {
        let detail = serde_json::json!({"type": v.kind, "target_id": v.target_id,
            "download": v.download, "expires_at": v.expires_at});
        crate::history::record(&s, &user.id, HistoryAction::Shared, Some(&share.id), detail).await;
    }
    Ok((
        StatusCode::CREATED,
        Json(ShareCreated {
            id: share.id,
            url: format!("/s/{token}"),
            token,
            share: v,
        }),
    ))
}

/// The caller's share links
///
/// Newest first (expired ones too, marked, until revoked).
#[utoipa::path(
    get,
    path = "/v1/shares",
    tag = "shares",
    operation_id = "list_shares",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of shares", body = ShareList),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<ShareList>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let limit = crate::jobs::page_limit(q.limit.as_deref())?;
    let owner = caller.owner();
    let cursor = q.cursor.filter(|c| !c.is_empty());
    let mut shares = s
        .backends
        .library
        .list_shares(owner.as_deref(), cursor.as_deref(), limit + 1)
        .await?;
    let more = shares.len() > limit as usize;
    shares.truncate(limit as usize);
    let next_cursor = more.then(|| shares.last().map(|x| x.id.clone())).flatten();
    Ok(Json(ShareList {
        shares: shares.iter().map(view).collect(),
        next_cursor,
    }))
}

/// Revoke a share link
///
/// The link answers `404` from then on.
#[utoipa::path(
    delete,
    path = "/v1/shares/{id}",
    tag = "shares",
    operation_id = "revoke_share",
    params(("id" = String, Path, description = "Share id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn revoke(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.backends
        .library
        .get_share(&id)
        .await?
        .filter(|x| caller.can_see(x.owner.as_deref()))
        .ok_or_else(|| ApiError::not_found("share"))?;
    if !s.backends.library.delete_share(&id).await? {
        return Err(ApiError::not_found("share"));
    }
    if let Some(user) = caller.user() {
        crate::history::record(
            &s,
            &user.id,
            HistoryAction::ShareRevoked,
            Some(&id),
            serde_json::json!({}),
        )
        .await;
    }
    Ok(StatusCode::NO_CONTENT)
}
