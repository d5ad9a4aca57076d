//! `GET /metrics` (Prometheus text) and what the gateway records itself:
//! every HTTP answer by route template, and uploads.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kiln_core::metrics::{
    DEAD_LETTERS, HTTP_DURATION, HTTP_REQUESTS, OUTBOX_BACKLOG, QUEUE_DEPTH, UPLOAD_BYTES, UPLOADS,
};
use kiln_core::{Backends, metrics::RenderMetrics};
use kiln_proto::Role;
use std::fmt::Write;
use std::time::{Duration, Instant};

/// Longest a scrape waits for the broker and the store before answering
/// with what it has (the last values stay).
const SAMPLE_WITHIN: Duration = Duration::from_secs(3);

/// Most unpublished jobs counted for the outbox backlog.
const BACKLOG_CAP: u32 = 1000;

/// Middleware: counts and times every answer by method, route template
/// and status. Only templates and standard methods become labels, so no
/// request can add a time series.
pub async fn http(req: Request, next: Next) -> Response {
    let route = route_of(&req);
    let method = match *req.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status)
        .increment(1);
    resp
}

/// The template of the route a request matched (`/v1/jobs/{id}`), or
/// `unmatched`: never the raw path, which the client chooses.
pub(crate) fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned())
}

/// Counts a stored upload (`duplicate`: answered from the library).
pub fn upload(bytes: u64, duplicate: bool) {
    let result = if duplicate { "duplicate" } else { "stored" };
    metrics::counter!(UPLOADS, "result" => result).increment(1);
    metrics::counter!(UPLOAD_BYTES, "result" => result).increment(bytes);
}

/// Renders every metric, with what is read rather than counted: each
/// role's queue and dead letters, and the outbox. Those are read at each
/// scrape from this process's own backends and written into the answer
/// directly (not into the shared recorder), so they are always this
/// gateway's or worker's own and never stale.
pub async fn scrape(b: &Backends, roles: &[Role], render: &RenderMetrics) -> String {
    let mut queued = Vec::new();
    let mut dead = Vec::new();
    let mut backlog = None;
    let sample = async {
        for &role in roles {
            match b.broker.depth(role).await {
                Ok(Some(d)) => {
                    queued.push((role, d.queued));
                    dead.push((role, d.dead));
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, %role, "cannot read the queue depth"),
            }
        }
        match b.store.unpublished_jobs(BACKLOG_CAP).await {
            Ok(jobs) => backlog = Some(jobs.len()),
            Err(e) => tracing::warn!(error = %e, "cannot read the outbox"),
        }
    };
    if tokio::time::timeout(SAMPLE_WITHIN, sample).await.is_err() {
        tracing::warn!("metrics: the broker or store did not answer in time");
    }
    let mut text = render();
    let mut gauge = |name: &str, help: &str, samples: &[(Role, u64)]| {
        if samples.is_empty() {
            return;
        }
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (role, n) in samples {
            let _ = writeln!(text, "{name}{{role=\"{role}\"}} {n}");
        }
    };
    gauge(QUEUE_DEPTH, "Messages in each role's queue", &queued);
    gauge(
        DEAD_LETTERS,
        "Messages in each role's dead-letter queue",
        &dead,
    );
    if let Some(n) = backlog {
        let _ = writeln!(
            text,
            "# HELP {OUTBOX_BACKLOG} Jobs stored but not yet published (up to {BACKLOG_CAP})\n\
             # TYPE {OUTBOX_BACKLOG} gauge\n{OUTBOX_BACKLOG} {n}"
        );
    }
    text
}

/// Prometheus metrics of this gateway
///
/// Jobs, queues, dead letters, uploads, HTTP requests, the outbox and
/// emails, in the Prometheus text format (see docs/operations.md for each
/// metric). Queue depths and the outbox are read at each scrape. Public,
/// like the probes: restrict it at the ingress if it should not be.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    operation_id = "metrics",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4",
         content_type = "text/plain; version=0.0.4", body = String,
         example = "# TYPE kiln_jobs_total counter\nkiln_jobs_total{kind=\"thumbnail\",outcome=\"succeeded\"} 12\n"),
    ),
)]
pub async fn serve(State(s): State<AppState>) -> Response {
    let text = scrape(&s.backends, &Role::ALL, &s.metrics).await;
    text_response(text)
}

/// A Prometheus text answer.
pub fn text_response(text: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}
