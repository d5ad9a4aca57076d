//! Per-client rate limits on uploads and on sign-in attempts (`429` with
//! `Retry-After`).

use crate::{ApiError, AppState};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kiln_core::Decision;
use kiln_proto::api::ErrorCode;
use std::net::SocketAddr;

/// Takes a token from the client's bucket before the upload is read.
///
/// The client is its IP address (the first `X-Forwarded-For` hop when the
/// gateway is configured to trust its proxy). If the limiter's backend is
/// away the request goes through: losing uploads to a Redis outage would be
/// worse than briefly not limiting them.
pub async fn limit_uploads(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let limit = s.config.upload_rate_limit;
    if s.config.limit_local_uploads == Some(false) && is_local(&req, s.config.trust_forwarded_for) {
        return next.run(req).await;
    }
    limited(&s, req, next, "upload", limit, "uploads").await
}

/// Whether the client is this machine (behind a trusted proxy: the
/// forwarded client, not the proxy).
fn is_local(req: &Request, trust_forwarded_for: bool) -> bool {
    client_key(req, trust_forwarded_for)
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The same for sign-up and sign-in, with a much smaller bucket: password
/// guessing from one address slows to the configured rate.
pub async fn limit_sign_ins(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let limit = s.config.sign_in_rate_limit;
    limited(&s, req, next, "sign-in", limit, "sign-in attempts").await
}

async fn limited(
    s: &AppState,
    req: Request,
    next: Next,
    bucket: &str,
    limit: kiln_core::RateLimit,
    what: &str,
) -> Response {
    if limit.is_off() {
        return next.run(req).await;
    }
    let client = client_key(&req, s.config.trust_forwarded_for);
    match s
        .backends
        .limiter
        .acquire(&format!("{bucket}:{client}"), limit)
        .await
    {
        Ok(Decision::Allowed) => next.run(req).await,
        Ok(Decision::Limited { retry_after }) => {
            let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            let mut resp = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!("too many {what} from this client; retry in {secs} s"),
            )
            .into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            resp
        }
        Err(e) => {
            tracing::warn!(error = %e, "rate limiter unavailable; letting the request through");
            next.run(req).await
        }
    }
}

fn client_key(req: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return first.to_owned();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}
