//! `GET /v1/jobs/{id}` and `GET /v1/jobs`.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use kiln_core::{JobQuery, JobRecord};
use kiln_proto::api::{JobList, JobListQuery, JobView};
use kiln_proto::{JobKind, JobStatus};
use std::collections::HashMap;

/// One job with its outputs
#[utoipa::path(
    get,
    path = "/v1/jobs/{id}",
    tag = "jobs",
    operation_id = "get_job",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn get_one(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = visible_job(&s, &caller, &id).await?;
    let outputs = s.backends.store.job_outputs(&job.id).await?;
    Ok(Json(crate::views::job(job, outputs)))
}

/// The job, if the caller may see it; `404` alike for missing and for
/// someone else's.
pub(crate) async fn visible_job(
    s: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<JobRecord, ApiError> {
    s.backends
        .store
        .get_job(id)
        .await?
        .filter(|j| caller.can_see(j.owner.as_deref()))
        .ok_or_else(|| ApiError::not_found("job"))
}

/// A page size from a `limit` parameter: 1 to 200, 50 when absent.
pub(crate) fn page_limit(limit: Option<&str>) -> Result<u32, ApiError> {
    match limit {
        None | Some("") => Ok(50),
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| ApiError::invalid("limit: must be a number from 1 to 200")),
    }
}

/// A `status` filter: absent or empty for none, else a known status.
pub(crate) fn status_filter(status: Option<&str>) -> Result<Option<JobStatus>, ApiError> {
    match status.filter(|s| !s.is_empty()) {
        Some(st) => Ok(Some(
            st.parse::<JobStatus>()
                .map_err(|e| ApiError::invalid(format!("status: {e}")))?,
        )),
        None => Ok(None),
    }
}

/// A `kind` filter: absent or empty for none, else a known kind.
pub(crate) fn kind_filter(kind: Option<&str>) -> Result<Option<JobKind>, ApiError> {
    match kind.filter(|s| !s.is_empty()) {
        Some(k) => match JobKind::from(k.to_owned()) {
            JobKind::Unknown(k) => Err(ApiError::invalid(format!(
                "kind: unknown job kind {:?}",
                kiln_proto::api::excerpt(&k)
            ))),
            known => Ok(Some(known)),
        },
        None => Ok(None),
    }
}

/// A page from `limit + 1` jobs (the extra one says whether more follow):
/// the first `limit`, and the cursor of the next page if any.
pub(crate) fn page(mut jobs: Vec<JobRecord>, limit: u32) -> (Vec<JobRecord>, Option<String>) {
    let more = jobs.len() > limit as usize;
    jobs.truncate(limit as usize);
    let next = more.then(|| jobs.last().map(|j| j.id.clone())).flatten();
    (jobs, next)
}

/// Views of `jobs` with their outputs, read in one call.
pub(crate) async fn with_outputs(
    s: &AppState,
    jobs: Vec<JobRecord>,
) -> Result<Vec<(Option<String>, JobView)>, ApiError> {
    let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    let mut outputs: HashMap<String, Vec<_>> = HashMap::new();
    for f in s.backends.store.jobs_outputs(&ids).await? {
        if let Some(job_id) = f.job_id.clone() {
            outputs.entry(job_id).or_default().push(f);
        }
    }
    Ok(jobs
        .into_iter()
        .map(|job| {
            let outs = outputs.remove(&job.id).unwrap_or_default();
            (job.owner.clone(), crate::views::job(job, outs))
        })
        .collect())
}

/// The caller's jobs
///
/// Newest first, `limit` at a time; `next_cursor` fetches the next page.
#[utoipa::path(
    get,
    path = "/v1/jobs",
    tag = "jobs",
    operation_id = "list_jobs",
    params(JobListQuery),
    responses(
        (status = 200, description = "A page of jobs", body = JobList),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: Result<Query<JobListQuery>, QueryRejection>,
) -> Result<Json<JobList>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let status = status_filter(q.status.as_deref())?;
    let kind = kind_filter(q.kind.as_deref())?;
    let limit = page_limit(q.limit.as_deref())?;
    let query = JobQuery {
        status,
        kind,
        owner: caller.owner(),
        file_id: q.file_id.filter(|f| !f.is_empty()),
        before: q.cursor.filter(|c| !c.is_empty()),
        limit: limit + 1,
        ..JobQuery::default()
    };
    let (jobs, next_cursor) = page(s.backends.store.list_jobs(&query).await?, limit);
    let jobs = with_outputs(&s, jobs)
        .await?
        .into_iter()
        .map(|(_, view)| view)
        .collect();
    Ok(Json(JobList { jobs, next_cursor }))
}
