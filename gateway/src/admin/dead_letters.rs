//! `GET` and `DELETE /v1/admin/dead-letters/{role}`: what a role's
//! dead-letter queue holds, and emptying it.

use super::{operator, role};
use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use kiln_core::DeadLetter;
use kiln_proto::JobMessage;
use kiln_proto::api::{DeadLetterList, DeadLetterQuery, DeadLetterView, PurgeReport};

/// How much of a message's bytes an inspection shows.
const PAYLOAD_CHARS: usize = 2_000;

/// Look at a role's dead letters
///
/// The oldest `limit` messages, left in the queue, each with the job it
/// was for and why it was given up on. Their jobs are `dead` and can be
/// re-run with `POST /v1/admin/jobs/{id}/retry`.
#[utoipa::path(
    get,
    path = "/v1/admin/dead-letters/{role}",
    tag = "admin",
    operation_id = "admin_dead_letters",
    params(("role" = String, Path, description = "Worker role: thumbnail, metadata, convert or notify"), DeadLetterQuery),
    responses(
        (status = 200, description = "The first dead letters", body = DeadLetterList),
        (status = 403, response = r::OperatorOnly),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn inspect(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    q: Result<Query<DeadLetterQuery>, QueryRejection>,
) -> Result<Json<DeadLetterList>, ApiError> {
    operator(&s, &caller)?;
    let role = role(&name)?;
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let limit = crate::jobs::page_limit(q.limit.as_deref())?;
    let broker = &s.backends.broker;
    let letters = broker
        .dead_letters(role, limit as usize)
        .await
        .map_err(ApiError::unavailable)?;
    let total = broker
        .depth(role)
        .await
        .map_err(ApiError::unavailable)?
        .map(|d| d.dead);
    Ok(Json(DeadLetterList {
        role,
        total,
        messages: letters.into_iter().map(view).collect(),
    }))
}

/// Empty a role's dead-letter queue
///
/// Removes every message from it (on Kafka, moves the read mark past them;
/// retention removes the bytes). The jobs stay `dead` and can still be
/// re-run.
#[utoipa::path(
    delete,
    path = "/v1/admin/dead-letters/{role}",
    tag = "admin",
    operation_id = "admin_purge_dead_letters",
    params(("role" = String, Path, description = "Worker role: thumbnail, metadata, convert or notify")),
    responses(
        (status = 200, description = "How many went", body = PurgeReport),
        (status = 403, response = r::OperatorOnly),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn purge(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Json<PurgeReport>, ApiError> {
    operator(&s, &caller)?;
    let role = role(&name)?;
    let purged = s
        .backends
        .broker
        .purge_dead_letters(role)
        .await
        .map_err(ApiError::unavailable)?;
    tracing::warn!(%role, purged, by = ?caller.user().map(|u| &u.email), "dead letters purged");
    Ok(Json(PurgeReport { role, purged }))
}

fn view(d: DeadLetter) -> DeadLetterView {
    let msg = JobMessage::from_bytes(&d.payload).ok();
    let text = String::from_utf8_lossy(&d.payload);
    DeadLetterView {
        job_id: msg.as_ref().map(|m| m.job_id.clone()),
        kind: msg.as_ref().map(|m| m.kind.clone()),
        file_id: msg.map(|m| m.file_id),
        reason: d.reason,
        dead_at: d.dead_at,
        payload: text.chars().take(PAYLOAD_CHARS).collect(),
    }
}
