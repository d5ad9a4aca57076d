//! `/v1/albums`: make, list, rename, describe, reorder and delete albums,
//! and add or remove their files. Deleting an album never deletes files.

use super::validate;
use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use kiln_core::{Album, FileOrder, FileQuery, HistoryAction, new_id};
use kiln_proto::api::{
    AlbumFiles, AlbumFilesAdded, AlbumList, AlbumUpdate, AlbumView, MAX_ALBUM_FILES,
    MAX_IDS_PER_REQUEST, NewAlbum, PageQuery, excerpt, file_url,
};
use serde_json::json;

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::invalid(e.body_text()))
}

async fn record(
    s: &AppState,
    caller: &Caller,
    action: HistoryAction,
    id: &str,
    detail: serde_json::Value,
) {
    if let Some(user) = caller.user() {
        crate::history::record(s, &user.id, action, Some(id), detail).await;
    }
}

/// The album, if the caller may see it; `404` alike for missing and for
/// someone else's.
pub(crate) async fn visible_album(
    s: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Album, ApiError> {
    s.backends
        .library
        .get_album(id)
        .await?
        .filter(|a| caller.can_see(a.owner.as_deref()))
        .ok_or_else(|| ApiError::not_found("album"))
}

/// The album as the API shows it: its cover (chosen, else its first file)
/// with the cover's smallest thumbnail.
pub(crate) async fn view(s: &AppState, a: Album) -> Result<AlbumView, ApiError> {
    let cover = match a.cover_file_id.clone() {
        Some(c) => Some(c),
        None if a.file_count > 0 => s
            .backends
            .library
            .list_files(&FileQuery {
                owner: a.owner.clone(),
                album: Some(a.id.clone()),
                order: FileOrder::Album,
                limit: 1,
                ..FileQuery::default()
            })
            .await?
            .pop()
            .map(|f| f.file.id),
        None => None,
    };
    let cover_url = match &cover {
        Some(c) => super::views::thumbnails_by_parent(
            s.backends
                .library
                .outputs_of_files(std::slice::from_ref(c))
                .await?,
        )
        .remove(c)
        .and_then(|t| t.into_iter().next())
        .map(|t| file_url(&t.id)),
        None => None,
    };
    Ok(AlbumView {
        files_url: format!("/v1/files?album={}", a.id),
        id: a.id,
        name: a.name,
        description: a.description,
        cover_file_id: cover,
        cover_url,
        file_count: a.file_count,
        created_at: a.created_at,
        updated_at: a.updated_at,
    })
}

/// Make an album
///
/// Names 1 to 255 characters, descriptions at most 2000.
#[utoipa::path(
    post,
    path = "/v1/albums",
    tag = "albums",
    operation_id = "create_album",
    request_body = NewAlbum,
    responses(
        (status = 201, description = "The album", body = AlbumView),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    b: Result<Json<NewAlbum>, JsonRejection>,
) -> Result<(StatusCode, Json<AlbumView>), ApiError> {
    let b = body(b)?;
    let now = Utc::now();
    let album = Album {
        id: new_id(),
        owner: caller.owner(),
        name: validate::album_name(&b.name)?,
        description: validate::description(b.description.as_deref())?,
        cover_file_id: None,
        file_count: 0,
        created_at: now,
        updated_at: now,
    };
    s.backends.library.create_album(&album).await?;
    record(
        &s,
        &caller,
        HistoryAction::AlbumCreated,
        &album.id,
        json!({"name": album.name}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(view(&s, album).await?)))
}

/// The caller's albums
///
/// Newest first, `limit` at a time.
#[utoipa::path(
    get,
    path = "/v1/albums",
    tag = "albums",
    operation_id = "list_albums",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of albums", body = AlbumList),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<AlbumList>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let limit = crate::jobs::page_limit(q.limit.as_deref())?;
    let owner = caller.owner();
    let cursor = q.cursor.filter(|c| !c.is_empty());
    let mut albums = s
        .backends
        .library
        .list_albums(owner.as_deref(), cursor.as_deref(), limit + 1)
        .await?;
    let more = albums.len() > limit as usize;
    albums.truncate(limit as usize);
    let next_cursor = more.then(|| albums.last().map(|a| a.id.clone())).flatten();
    let mut views = Vec::with_capacity(albums.len());
    for a in albums {
        views.push(view(&s, a).await?);
    }
    Ok(Json(AlbumList {
        albums: views,
        next_cursor,
    }))
}

/// One album
#[utoipa::path(
    get,
    path = "/v1/albums/{id}",
    tag = "albums",
    operation_id = "get_album",
    params(("id" = String, Path, description = "Album id")),
    responses(
        (status = 200, description = "The album", body = AlbumView),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn get_one(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<AlbumView>, ApiError> {
    let a = visible_album(&s, &caller, &id).await?;
    Ok(Json(view(&s, a).await?))
}

/// Checks that each id is in the album (for its order and its cover).
async fn all_in_album(
    s: &AppState,
    album: &str,
    field: &str,
    ids: &[String],
) -> Result<(), ApiError> {
    for id in ids {
        if !s.backends.library.album_contains(album, id).await? {
            return Err(ApiError::invalid(format!(
                "{field}: {:?} is not in this album",
                excerpt(id)
            )));
        }
    }
    Ok(())
}

/// Change an album
///
/// Name, description, cover (one of its files; `null` for the first) and
/// order (files to put first; the rest keep theirs). Absent fields stay.
#[utoipa::path(
    patch,
    path = "/v1/albums/{id}",
    tag = "albums",
    operation_id = "update_album",
    params(("id" = String, Path, description = "Album id")),
    request_body = AlbumUpdate,
    responses(
        (status = 200, description = "The album, changed", body = AlbumView),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<AlbumUpdate>, JsonRejection>,
) -> Result<Json<AlbumView>, ApiError> {
    let b = body(b)?;
    let mut album = visible_album(&s, &caller, &id).await?;
    let mut changed: Vec<&str> = Vec::new();
    if let Some(name) = &b.name {
        album.name = validate::album_name(name)?;
        changed.push("name");
    }
    if let Some(d) = &b.description {
        album.description = validate::description(d.as_deref())?;
        changed.push("description");
    }
    if let Some(cover) = &b.cover_file_id {
        if let Some(c) = cover {
            all_in_album(&s, &id, "cover_file_id", std::slice::from_ref(c)).await?;
        }
        album.cover_file_id = cover.clone();
        changed.push("cover");
    }
    if let Some(order) = &b.file_order {
        if order.len() > MAX_IDS_PER_REQUEST {
            return Err(ApiError::invalid(format!(
                "file_order: at most {MAX_IDS_PER_REQUEST} ids at once"
            )));
        }
        all_in_album(&s, &id, "file_order", order).await?;
        s.backends.library.reorder_album(&id, order).await?;
        changed.push("order");
    }
    if !s.backends.library.update_album(&album).await? {
        return Err(ApiError::not_found("album"));
    }
    record(
        &s,
        &caller,
        HistoryAction::AlbumUpdated,
        &id,
        json!({"changed": changed}),
    )
    .await;
    let album = visible_album(&s, &caller, &id).await?;
    Ok(Json(view(&s, album).await?))
}

/// Delete an album
///
/// The album and its share links go; its files stay.
#[utoipa::path(
    delete,
    path = "/v1/albums/{id}",
    tag = "albums",
    operation_id = "delete_album",
    params(("id" = String, Path, description = "Album id")),
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
    let album = visible_album(&s, &caller, &id).await?;
    if !s.backends.library.delete_album(&id).await? {
        return Err(ApiError::not_found("album"));
    }
    record(
        &s,
        &caller,
        HistoryAction::AlbumDeleted,
        &id,
        json!({"name": album.name}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Add files to an album
///
/// Appends 1 to 1000 of the caller's uploads; files already in it are
/// skipped. An album holds at most 10,000 files.
#[utoipa::path(
    post,
    path = "/v1/albums/{id}/files",
    tag = "albums",
    operation_id = "add_album_files",
    params(("id" = String, Path, description = "Album id")),
    request_body = AlbumFiles,
    responses(
        (status = 200, description = "How many were added, and the album", body = AlbumFilesAdded),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn add_files(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<AlbumFiles>, JsonRejection>,
) -> Result<Json<AlbumFilesAdded>, ApiError> {
    let b = body(b)?;
    let album = visible_album(&s, &caller, &id).await?;
    if b.file_ids.is_empty() || b.file_ids.len() > MAX_IDS_PER_REQUEST {
        return Err(ApiError::invalid(format!(
            "file_ids: give 1 to {MAX_IDS_PER_REQUEST} file ids"
        )));
    }
    let mut new = 0u64;
    let mut seen = std::collections::HashSet::new();
    for f in &b.file_ids {
        // Someone else's file is a 404 like a missing one.
        super::patch::visible_original(&s, &caller, f)
            .await
            .map_err(|_| ApiError::not_found(&format!("file {}", excerpt(f))))?;
        if seen.insert(f) && !s.backends.library.album_contains(&id, f).await? {
            new += 1;
        }
    }
    if album.file_count + new > MAX_ALBUM_FILES {
        return Err(ApiError::invalid(format!(
            "file_ids: the album would hold {} files; at most {MAX_ALBUM_FILES}",
            album.file_count + new
        )));
    }
    let added = s.backends.library.add_to_album(&id, &b.file_ids).await?;
    record(
        &s,
        &caller,
        HistoryAction::AlbumUpdated,
        &id,
        json!({"added": added}),
    )
    .await;
    let album = visible_album(&s, &caller, &id).await?;
    Ok(Json(AlbumFilesAdded {
        added,
        album: view(&s, album).await?,
    }))
}

/// Take a file out of an album
///
/// The file stays in the library.
#[utoipa::path(
    delete,
    path = "/v1/albums/{id}/files/{file_id}",
    tag = "albums",
    operation_id = "remove_album_file",
    params(("id" = String, Path, description = "Album id"), ("file_id" = String, Path, description = "File id")),
    responses(
        (status = 204, description = "Taken out"),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn remove_file(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    visible_album(&s, &caller, &id).await?;
    if !s.backends.library.remove_from_album(&id, &file_id).await? {
        return Err(ApiError::not_found("file in this album"));
    }
    record(
        &s,
        &caller,
        HistoryAction::AlbumUpdated,
        &id,
        json!({"removed": file_id}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
