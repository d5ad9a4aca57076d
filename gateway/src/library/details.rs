//! `GET /v1/files/{id}/details`: one upload as the library lists it (its
//! thumbnails, jobs and searchable facts), for a page about that file.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Extension, Path, State};
use kiln_proto::api::FileView;

/// One upload as the library lists it
///
/// The upload as in `GET /v1/files`: thumbnails, jobs, searchable facts.
/// `404` for an output, or someone else's file.
#[utoipa::path(
    get,
    path = "/v1/files/{id}/details",
    tag = "files",
    operation_id = "get_file_details",
    params(("id" = String, Path, description = "File id (an upload)")),
    responses(
        (status = 200, description = "The upload", body = FileView),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn get(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<FileView>, ApiError> {
    let entry = super::patch::visible_original(&s, &caller, &id).await?;
    super::views::files(&s, vec![entry])
        .await?
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("file"))
}
