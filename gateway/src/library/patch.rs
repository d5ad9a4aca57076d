//! `PATCH /v1/files/{id}`: rename, tag, describe.

use super::validate;
use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use kiln_core::{FileChange, HistoryAction};
use kiln_proto::api::{FileUpdate, FileView};
use serde_json::json;

/// Rename, tag or describe a file
///
/// A field left out is kept; `description: null` removes it. Names of 1
/// to 255 characters (no path, no control characters); at most 32 tags of
/// 1 to 64 characters; descriptions of at most 2000.
#[utoipa::path(
    patch,
    path = "/v1/files/{id}",
    tag = "files",
    operation_id = "update_file",
    params(("id" = String, Path, description = "File id")),
    request_body = FileUpdate,
    responses(
        (status = 200, description = "The file as listed", body = FileView),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<FileUpdate>, JsonRejection>,
) -> Result<Json<FileView>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    let before = visible_original(&s, &caller, &id).await?;
    let change = FileChange {
        filename: body
            .filename
            .as_deref()
            .map(|n| validate::name("filename", n))
            .transpose()?,
        tags: body.tags.as_deref().map(validate::tags).transpose()?,
        description: body
            .description
            .map(|d| validate::description(d.as_deref()))
            .transpose()?,
    };
    let after = s
        .backends
        .library
        .update_file(&id, &change)
        .await?
        .ok_or_else(|| ApiError::not_found("file"))?;
    if let Some(user) = caller.user() {
        if before.file.filename != after.file.filename {
            let detail = json!({"from": before.file.filename, "to": after.file.filename});
            crate::history::record(&s, &user.id, HistoryAction::Renamed, Some(&id), detail).await;
        }
        if before.tags != after.tags || before.description != after.description {
            let detail = json!({"tags": after.tags, "description": after.description});
            crate::history::record(&s, &user.id, HistoryAction::FileUpdated, Some(&id), detail)
                .await;
        }
    }
    let mut views = super::views::files(&s, vec![after]).await?;
    views
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("file"))
}

/// An original (not an output) the caller may see, with its library
/// fields; `404` alike for missing, someone else's, and outputs.
pub(crate) async fn visible_original(
    s: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<kiln_core::LibraryFile, ApiError> {
    s.backends
        .library
        .library_file(id)
        .await?
        .filter(|f| caller.can_see(f.file.owner.as_deref()))
        .ok_or_else(|| ApiError::not_found("file"))
}
