//! `GET /v1/jobs/{id}/events`: a job's status as Server-Sent Events.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::extract::{Extension, Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{BoxStream, Stream, StreamExt};
use kiln_core::JobRecord;
use kiln_proto::{JobEvent, JobStatus};
use std::convert::Infallible;
use std::time::Duration;

/// How often the store is read as well, in case the bus lost an event.
const RECHECK: Duration = Duration::from_secs(5);

/// Follow a job as Server-Sent Events
///
/// Streams `status` events: the current state first, then every change,
/// ending after the terminal one (`succeeded` or `dead`).
///
/// Live changes come from the event bus (Redis in production, so any gateway
/// replica sees any worker's changes). The bus is best effort, so the store is
/// re-read every few seconds too; the stream never skips the final state.
#[utoipa::path(
    get,
    path = "/v1/jobs/{id}/events",
    tag = "jobs",
    operation_id = "follow_job",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "`event: status` events, each `data` a `JobEvent` \
            (JSON); the stream ends after `succeeded` or `dead`",
         content_type = "text/event-stream", body = crate::openapi::bodies::StatusEvent,
         example = json!({"event": "status", "id": "1-running",
             "data": "{\"schema_version\":1,\"job_id\":\"0190d1f4-8a52-7b11-a3c4-5d6e7f801234\",\
                 \"file_id\":\"0190d1f4-8a41-7c2e-9d6a-2f1b4c8e7a10\",\"kind\":\"thumbnail\",\
                 \"status\":\"running\",\"attempts\":1,\"at\":\"2024-06-01T12:00:01Z\"}"})),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn stream(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let events = follow(&s, &caller, &id).await?;
    Ok(sse(events))
}

/// Most jobs one `GET /v1/events` follows (each is re-read from the store
/// every few seconds).
pub const MAX_FOLLOWED_JOBS: usize = 50;

/// Query of `GET /v1/events`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ManyQuery {
    /// Job ids, comma-separated (1 to 50).
    #[param(example = "0193b3c1-...,0193b3c2-...")]
    pub jobs: Option<String>,
}

/// Follow several jobs as Server-Sent Events
///
/// The `status` events of 1 to 50 jobs in one response, each as
/// `GET /v1/jobs/{id}/events` gives them (its state now, then every
/// change), ending once every job has ended. A browser holds only a few
/// connections per server, so a page following many jobs needs one stream.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "jobs",
    operation_id = "follow_jobs",
    params(ManyQuery),
    responses(
        (status = 200, description = "`event: status` events, each `data` a `JobEvent` (JSON) \
            naming its `job_id`; the stream ends once every job has ended",
         content_type = "text/event-stream", body = crate::openapi::bodies::StatusEvent,
         example = json!({"event": "status", "id": "1-running",
             "data": "{\"schema_version\":1,\"job_id\":\"0190d1f4-8a52-7b11-a3c4-5d6e7f801234\",\
                 \"file_id\":\"0190d1f4-8a41-7c2e-9d6a-2f1b4c8e7a10\",\"kind\":\"thumbnail\",\
                 \"status\":\"running\",\"attempts\":1,\"at\":\"2024-06-01T12:00:01Z\"}"})),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn stream_many(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    axum::extract::Query(q): axum::extract::Query<ManyQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let mut ids: Vec<&str> = q
        .jobs
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_FOLLOWED_JOBS {
        return Err(ApiError::invalid(format!(
            "jobs: give 1 to {MAX_FOLLOWED_JOBS} job ids, comma-separated"
        )));
    }
    let mut streams = Vec::with_capacity(ids.len());
    for id in ids {
        streams.push(follow(&s, &caller, id).await?.boxed());
    }
    Ok(sse(futures::stream::select_all(streams)))
}

fn sse(
    events: impl Stream<Item = JobEvent> + Send + 'static,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = events.map(|e| {
        Ok(Event::default()
            .event("status")
            .id(format!("{}-{}", e.attempts, e.status))
            .json_data(&e)
            .unwrap_or_default())
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// A job's events: its state now, then each change until it is terminal.
async fn follow(
    s: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<impl Stream<Item = JobEvent> + Send + 'static + use<>, ApiError> {
    // Subscribe before reading, so no change falls between the two.
    let live = match s.backends.events.subscribe(id).await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "event bus unavailable; following the job by polling");
            None
        }
    };
    let job = crate::jobs::visible_job(s, caller, id).await?;
    let follow = Follow {
        job_id: job.id.clone(),
        state: s.clone(),
        live,
        last: Some(snapshot(&job)),
        seen: None,
    };
    Ok(futures::stream::unfold(follow, Follow::step))
}

struct Follow {
    job_id: String,
    state: AppState,
    live: Option<BoxStream<'static, JobEvent>>,
    /// The next event to emit, if any.
    last: Option<JobEvent>,
    /// The last (attempts, status) emitted, to drop repeats.
    seen: Option<(u32, JobStatus)>,
}

impl Follow {
    async fn step(mut self) -> Option<(JobEvent, Follow)> {
        loop {
            if let Some(e) = self.last.take() {
                let key = (e.attempts, e.status);
                // Events can arrive late (a slow bus) or twice (bus + recheck):
                // never go back to an earlier attempt or repeat a state.
                if self.seen.is_some_and(|s| key.0 < s.0 || key == s) {
                    continue;
                }
                if self.seen.is_some_and(|s| s.1.is_terminal()) {
                    return None;
                }
                self.seen = Some(key);
                return Some((e, self));
            }
            if self.seen.is_some_and(|s| s.1.is_terminal()) {
                return None;
            }
            let live_next = async {
                match &mut self.live {
                    Some(l) => l.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                e = live_next => match e {
                    Some(e) => self.last = Some(e),
                    None => self.live = None,
                },
                _ = tokio::time::sleep(RECHECK) => {
                    match self.state.backends.store.get_job(&self.job_id).await {
                        Ok(Some(job)) => self.last = Some(snapshot(&job)),
                        // Deleted while followed: nothing more will happen.
                        Ok(None) => return None,
                        Err(e) => tracing::warn!(error = %e, "job status recheck failed"),
                    }
                }
            }
        }
    }
}

/// The event of a job as it is now.
pub(crate) fn snapshot(job: &JobRecord) -> JobEvent {
    JobEvent {
        schema_version: kiln_proto::SCHEMA_VERSION,
        job_id: job.id.clone(),
        file_id: job.file_id.clone(),
        kind: job.kind.clone(),
        status: job.status,
        attempts: job.attempts,
        error: job.error.clone(),
        at: job.updated_at,
    }
}
