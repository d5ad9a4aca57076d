//! What a share link opens, with no credentials: `GET /s/{token}` (an HTML
//! page for a browser, JSON for `Accept: application/json`) and `GET
//! /s/{token}/files/{file_id}` (a thumbnail, or an original when the link
//! allows downloads). A revoked link, or one whose file or album is gone,
//! answers `404`; an expired one `410`.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kiln_core::{FileOrder, FileQuery, LibraryFile, MediaKind, Share, ShareTarget};
use kiln_proto::api::{ErrorCode, PageQuery, SharedFile, SharedPage};
use std::sync::Arc;

/// Files per page of a shared album.
const PAGE: u32 = 100;

/// The policy of the share page: its own images, inline styles, nothing else.
const PAGE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
                        frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Who pays for a public download: the file's owner (their transfer quota
/// and counters), or nobody in single-user mode.
pub(crate) async fn owner_as_caller(s: &AppState, owner: Option<&str>) -> Result<Caller, ApiError> {
    match owner {
        None => Ok(Caller::Anyone),
        Some(id) => match s.backends.accounts.user_by_id(id).await? {
            Some(u) => Ok(Caller::User(Arc::new(u))),
            None => Err(ApiError::not_found("file")),
        },
    }
}

/// The share a token opens: `404` when unknown or revoked, `410` expired.
async fn open_share(s: &AppState, token: &str) -> Result<Share, ApiError> {
    let share = s
        .backends
        .library
        .share_by_token_hash(&super::shares::token_hash(token))
        .await?
        .ok_or_else(|| ApiError::not_found("share link"))?;
    if share.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::Gone,
            "this share link has expired",
        ));
    }
    Ok(share)
}

fn shared_file(
    token: &str,
    download: bool,
    f: LibraryFile,
    thumbs: &[kiln_core::FileRecord],
) -> SharedFile {
    let url = |id: &str| format!("/s/{token}/files/{id}");
    SharedFile {
        thumbnails: thumbs
            .iter()
            .map(|t| super::views::thumbnail(t, url))
            .collect(),
        url: download.then(|| url(&f.file.id)),
        kind: MediaKind::of(&f.file.content_type).as_str().to_owned(),
        id: f.file.id,
        filename: f.file.filename,
        content_type: f.file.content_type,
        bytes: f.file.bytes,
        width: f.search.width,
        height: f.search.height,
        taken_at: f.search.taken_at,
    }
}

/// What the link shows.
async fn page(
    s: &AppState,
    token: &str,
    share: &Share,
    cursor: Option<String>,
) -> Result<SharedPage, ApiError> {
    let (kind, title, description, entries, next_cursor) = match &share.target {
        ShareTarget::File(id) => {
            let f = s
                .backends
                .library
                .library_file(id)
                .await?
                .ok_or_else(|| ApiError::not_found("share link"))?;
            (
                "file",
                f.file.filename.clone(),
                f.description.clone(),
                vec![f],
                None,
            )
        }
        ShareTarget::Album(id) => {
            let album = s
                .backends
                .library
                .get_album(id)
                .await?
                .ok_or_else(|| ApiError::not_found("share link"))?;
            if cursor.as_deref().is_some_and(|c| c.parse::<i64>().is_err()) {
                return Err(ApiError::invalid("cursor: not a cursor of this list"));
            }
            let mut files = s
                .backends
                .library
                .list_files(&FileQuery {
                    owner: album.owner.clone(),
                    album: Some(album.id.clone()),
                    order: FileOrder::Album,
                    after: cursor,
                    limit: PAGE + 1,
                    ..FileQuery::default()
                })
                .await?;
            let more = files.len() > PAGE as usize;
            files.truncate(PAGE as usize);
            let next = if more {
                files
                    .last()
                    .and_then(|f| f.album_position)
                    .map(|p| p.to_string())
            } else {
                None
            };
            ("album", Some(album.name), album.description, files, next)
        }
    };
    let ids: Vec<String> = entries.iter().map(|e| e.file.id.clone()).collect();
    let mut thumbs =
        super::views::thumbnails_by_parent(s.backends.library.outputs_of_files(&ids).await?);
    let files = entries
        .into_iter()
        .map(|e| {
            let t = thumbs.remove(&e.file.id).unwrap_or_default();
            shared_file(token, share.download, e, &t)
        })
        .collect();
    Ok(SharedPage {
        kind: kind.to_owned(),
        title,
        description,
        download: share.download,
        expires_at: share.expires_at,
        files,
        next_cursor,
    })
}

/// Whether the client asked for HTML rather than JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("text/html") && !accept.starts_with("application/json")
}

/// What a share link shows
///
/// No credentials: the token is one. An HTML page of thumbnails for a
/// browser (`Accept: text/html`), else JSON; each file's URLs work under
/// the token alone. A shared album comes 100 files at a time.
#[utoipa::path(
    get,
    path = "/s/{token}",
    tag = "public",
    operation_id = "open_share",
    params(
        ("token" = String, Path, description = "The share link's token"),
        ("cursor" = Option<String>, Query, description = "The previous page's `next_cursor`"),
        ("Accept" = Option<String>, Header, description = "`text/html` for the page"),
    ),
    responses(
        (status = 200, description = "What is shared", content(
            (SharedPage = "application/json"),
            (String = "text/html"),
        )),
        (status = 404, response = r::NotFound),
        (status = 410, response = r::Gone),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn show(
    State(s): State<AppState>,
    Path(token): Path<String>,
    q: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let share = open_share(&s, &token).await?;
    let page = page(&s, &token, &share, q.cursor.filter(|c| !c.is_empty())).await?;
    let mut resp = if wants_html(&headers) {
        let mut r = super::share_page::render(&token, &page).into_response();
        r.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        );
        r
    } else {
        Json(page).into_response()
    };
    let h = resp.headers_mut();
    // A revoked link must stop working at once, and the token must not
    // travel on to other sites or into search engines.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept"));
    Ok(resp)
}

/// A shared file
///
/// A thumbnail of a shared file, or the original when the link allows
/// downloads (`403` otherwise). Downloads as `GET /v1/files/{id}` does.
#[utoipa::path(
    get,
    path = "/s/{token}/files/{file_id}",
    tag = "public",
    operation_id = "shared_file",
    params(
        ("token" = String, Path, description = "The share link's token"),
        ("file_id" = String, Path, description = "The file's id, from the shared page"),
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
pub async fn file(
    State(s): State<AppState>,
    Path((token, file_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let share = open_share(&s, &token).await?;
    let not_shared = || ApiError::not_found("file");
    let file = s
        .backends
        .store
        .get_file(&file_id)
        .await?
        .ok_or_else(not_shared)?;
    let original = match (&file.job_id, &file.parent_id) {
        (None, _) => file.id.clone(),
        (Some(_), Some(parent)) => parent.clone(),
        (Some(_), None) => return Err(not_shared()),
    };
    let shared = match &share.target {
        ShareTarget::File(id) => *id == original,
        ShareTarget::Album(album) => s.backends.library.album_contains(album, &original).await?,
    };
    if !shared || file.owner != share.owner {
        return Err(not_shared());
    }
    let thumbnail = file.job_id.is_some() && super::views::is_thumbnail(&file);
    if !thumbnail && !share.download {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "this link shows thumbnails only; ask its owner for one that allows downloads",
        ));
    }
    let payer = owner_as_caller(&s, file.owner.as_deref()).await?;
    crate::files::serve(&s, &payer, file, &headers).await
}
