//! `GET /v1/admin/jobs`, `GET /v1/admin/jobs/counts`,
//! `POST /v1/admin/jobs/{id}/retry` and `POST /v1/admin/jobs/retry`.

use super::operator;
use crate::auth::Caller;
use crate::jobs::{kind_filter, page, page_limit, status_filter, with_outputs};
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kiln_core::{JobQuery, publish_jobs};
use kiln_proto::api::{
    AdminJob, AdminJobList, AdminJobQuery, JobCountRow, JobCounts, JobView, MAX_ERROR_FILTER_CHARS,
    MAX_RETRY_BATCH, RetryFilter, RetryReport,
};
use kiln_proto::{JobStatus, Priority};

/// Every account's jobs
///
/// Newest first, `limit` at a time, filtered by status, kind, owner, error
/// text and creation time; `next_cursor` fetches the next page.
#[utoipa::path(
    get,
    path = "/v1/admin/jobs",
    tag = "admin",
    operation_id = "admin_list_jobs",
    params(AdminJobQuery),
    responses(
        (status = 200, description = "A page of jobs", body = AdminJobList),
        (status = 403, response = r::OperatorOnly),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: Result<Query<AdminJobQuery>, QueryRejection>,
) -> Result<Json<AdminJobList>, ApiError> {
    operator(&s, &caller)?;
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let limit = page_limit(q.limit.as_deref())?;
    let query = JobQuery {
        status: status_filter(q.status.as_deref())?,
        kind: kind_filter(q.kind.as_deref())?,
        owner: q.owner.filter(|o| !o.is_empty()),
        error_contains: error_filter(q.error)?,
        since: time("since", q.since.as_deref())?,
        until: time("until", q.until.as_deref())?,
        before: q.cursor.filter(|c| !c.is_empty()),
        limit: limit + 1,
        ..JobQuery::default()
    };
    let (jobs, next_cursor) = page(s.backends.store.list_jobs(&query).await?, limit);
    let jobs = with_outputs(&s, jobs)
        .await?
        .into_iter()
        .map(|(owner, job)| AdminJob { owner, job })
        .collect();
    Ok(Json(AdminJobList { jobs, next_cursor }))
}

/// Jobs per kind and status
///
/// Across every account; pairs with no jobs are left out.
#[utoipa::path(
    get,
    path = "/v1/admin/jobs/counts",
    tag = "admin",
    operation_id = "admin_job_counts",
    responses(
        (status = 200, description = "The counts", body = JobCounts),
        (status = 403, response = r::OperatorOnly),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn counts(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<JobCounts>, ApiError> {
    operator(&s, &caller)?;
    let counts = s.backends.store.job_counts().await?;
    Ok(Json(JobCounts {
        counts: counts
            .into_iter()
            .map(|c| JobCountRow {
                kind: c.kind,
                status: c.status,
                count: c.count,
            })
            .collect(),
    }))
}

/// Re-run a dead job of any account
///
/// A new attempt with a fresh attempt budget, in the bulk lane (behind
/// work people are waiting for), recorded in the owner's history; the same
/// output ids, so nothing is duplicated. `409` for a job that is not dead.
#[utoipa::path(
    post,
    path = "/v1/admin/jobs/{id}/retry",
    tag = "admin",
    operation_id = "admin_retry_job",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 202, description = "The job, queued again", body = JobView),
        (status = 403, response = r::OperatorOnly),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::JobNotDead),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn retry_one(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    operator(&s, &caller)?;
    let job = s.backends.store.get_job(&id).await?;
    let job = job.ok_or_else(|| ApiError::not_found("job"))?;
    let revived = crate::retry::revive(&s, &job, Priority::Bulk, &actor(&caller)).await?;
    let published = std::slice::from_ref(&revived);
    publish_jobs(
        s.backends.store.as_ref(),
        s.backends.broker.as_ref(),
        published,
    )
    .await;
    let outputs = s.backends.store.job_outputs(&revived.id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(crate::views::job(revived, outputs)),
    ))
}

/// Re-run every dead job matching a filter
///
/// Up to 1000 at a time, oldest last (newest dead jobs first); `more`
/// says whether others match, so a script repeats until it is `false`.
/// Each gets a fresh attempt budget in the bulk lane.
#[utoipa::path(
    post,
    path = "/v1/admin/jobs/retry",
    tag = "admin",
    operation_id = "admin_retry_jobs",
    request_body = RetryFilter,
    responses(
        (status = 202, description = "What was queued again", body = RetryReport),
        (status = 403, response = r::OperatorOnly),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn retry_matching(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<RetryFilter>, JsonRejection>,
) -> Result<(StatusCode, Json<RetryReport>), ApiError> {
    operator(&s, &caller)?;
    let Json(f) = body.map_err(|e| ApiError::invalid(format!("body: {}", e.body_text())))?;
    if let Some(k) = f.kind.as_ref().filter(|k| k.role().is_none()) {
        return Err(ApiError::invalid(format!(
            "kind: unknown job kind {:?}",
            kiln_proto::api::excerpt(k.as_str())
        )));
    }
    let query = JobQuery {
        status: Some(JobStatus::Dead),
        kind: f.kind,
        owner: f.owner.filter(|o| !o.is_empty()),
        error_contains: error_filter(f.error)?,
        since: f.since,
        until: f.until,
        limit: MAX_RETRY_BATCH + 1,
        ..JobQuery::default()
    };
    let mut dead = s.backends.store.list_jobs(&query).await?;
    let more = dead.len() > MAX_RETRY_BATCH as usize;
    dead.truncate(MAX_RETRY_BATCH as usize);
    let by = actor(&caller);
    let mut revived = Vec::with_capacity(dead.len());
    for job in &dead {
        match crate::retry::revive(&s, job, Priority::Bulk, &by).await {
            Ok(j) => revived.push(j),
            // Retried or deleted by someone else meanwhile: not ours.
            Err(e) if e.status == StatusCode::CONFLICT => {}
            Err(e) => return Err(e),
        }
    }
    publish_jobs(
        s.backends.store.as_ref(),
        s.backends.broker.as_ref(),
        &revived,
    )
    .await;
    Ok((
        StatusCode::ACCEPTED,
        Json(RetryReport {
            retried: revived.len() as u64,
            job_ids: revived.into_iter().map(|j| j.id).collect(),
            more,
        }),
    ))
}

/// Who asked, for the log and the owner's history.
fn actor(caller: &Caller) -> String {
    match caller.user() {
        Some(u) => format!("operator {}", u.email),
        None => "operator".into(),
    }
}

fn error_filter(text: Option<String>) -> Result<Option<String>, ApiError> {
    match text.filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > MAX_ERROR_FILTER_CHARS => Err(ApiError::invalid(format!(
            "error: at most {MAX_ERROR_FILTER_CHARS} characters"
        ))),
        other => Ok(other),
    }
}

fn time(name: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    match value.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| {
                ApiError::invalid(format!(
                    "{name}: {:?} is not an RFC 3339 time ({e})",
                    kiln_proto::api::excerpt(v)
                ))
            }),
    }
}
