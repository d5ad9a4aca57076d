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
         content_type = "text/event-stream", body = String,
         example = "event: status\nid: 1-running\ndata: {\"status\":\"running\",\"attempts\":1}\n\n"),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn stream(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // Subscribe before reading, so no change falls between the two.
    let live = match s.backends.events.subscribe(&id).await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "event bus unavailable; following the job by polling");
            None
        }
    };
    let job = crate::jobs::visible_job(&s, &caller, &id).await?;
    let follow = Follow {
        job_id: job.id.clone(),
        state: s,
        live,
        last: Some(snapshot(&job)),
        seen: None,
    };
    let events = futures::stream::unfold(follow, Follow::step).map(|e| {
        Ok(Event::default()
            .event("status")
            .id(format!("{}-{}", e.attempts, e.status))
            .json_data(&e)
            .unwrap_or_default())
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
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

fn snapshot(job: &JobRecord) -> JobEvent {
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
