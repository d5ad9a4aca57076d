//! `POST /v1/jobs/{id}/retry`: another attempt at a dead job, for a failure
//! that has gone away (a store outage, a limit since raised); and the
//! requeue the operator API shares.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use kiln_core::{JobRecord, publish_jobs};
use kiln_proto::Priority;
use kiln_proto::api::{ErrorCode, JobView};
use serde_json::json;

/// Retry a dead job
///
/// Requeues the dead job, in its own lane, with a fresh attempt budget: it
/// goes back through the outbox to its worker, keeping its attempts, their
/// history and its output ids (outputs are replaced, never duplicated).
/// `409` (`job_not_dead`) for a job in any other state.
#[utoipa::path(
    post,
    path = "/v1/jobs/{id}/retry",
    tag = "jobs",
    operation_id = "retry_job",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 202, description = "The job, queued again", body = JobView),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::JobNotDead),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn retry(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let job = crate::jobs::visible_job(&s, &caller, &id).await?;
    let revived = revive(&s, &job, job.priority, "owner").await?;
    publish_jobs(
        s.backends.store.as_ref(),
        s.backends.broker.as_ref(),
        std::slice::from_ref(&revived),
    )
    .await;
    let outputs = s.backends.store.job_outputs(&revived.id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(crate::views::job(revived, outputs)),
    ))
}

/// Turns dead `job` back into a queued one in lane `priority` (see
/// [`kiln_core::MetaStore::retry_dead`]), announces it and records it in
/// the owner's history, naming who asked (`by`). Publishing is left to the
/// caller, so a batch is published together. `409` if it is not dead.
pub(crate) async fn revive(
    s: &AppState,
    job: &JobRecord,
    priority: Priority,
    by: &str,
) -> Result<JobRecord, ApiError> {
    let Some(revived) = s.backends.store.retry_dead(&job.id, priority).await? else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::JobNotDead,
            format!("only a dead job can be retried; this one is {}", job.status),
        ));
    };
    tracing::info!(job = %revived.id, kind = %revived.kind, %by, lane = %priority, "dead job queued again");
    // Followers see it queued again; the bus is best effort (they also
    // re-read the store).
    let event = crate::events::snapshot(&revived);
    if let Err(e) = s.backends.events.publish(&event).await {
        tracing::warn!(error = %e, "could not announce a retried job");
    }
    if let Some(owner) = revived.owner.as_deref() {
        crate::history::record(
            s,
            owner,
            kiln_core::HistoryAction::JobRetried,
            Some(&revived.id),
            json!({"kind": revived.kind.as_str(), "attempts": revived.attempts, "by": by}),
        )
        .await;
    }
    Ok(revived)
}
