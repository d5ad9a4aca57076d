//! Request ids and the access log: every request gets an id (the client's
//! `X-Request-Id` when it is a sane one, else a new UUID), echoed in the
//! answer; every log line written while the request is handled carries it
//! (the `request` span), and one `info` line per request says what was
//! answered and how fast.
//!
//! When the process exports traces, the `request` span is the root of the
//! upload's trace (or a child of the client's, from its `traceparent`
//! header), named after the route. Probes and scrapes get a `probe` span
//! instead, which carries the same id in logs but is not exported.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::time::Instant;
use tracing::Instrument;

/// The request id header, taken from the client and echoed.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest client request id kept.
const MAX_ID: usize = 128;

/// A client's id if it is short and plain (it is written into logs).
pub fn acceptable(v: &HeaderValue) -> Option<&str> {
    let s = v.to_str().ok()?;
    let plain = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    (!s.is_empty() && s.len() <= MAX_ID && plain).then_some(s)
}

/// Middleware: assigns the id, logs inside its span, writes the access line.
pub(crate) async fn layer(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(acceptable)
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    req.headers_mut()
        .insert(X_REQUEST_ID.clone(), value.clone());
    let method = req.method().clone();
    let route = crate::metrics::route_of(&req);
    // Probes and scrapes come every few seconds: logged only when they fail.
    let probe = matches!(route.as_str(), "/healthz" | "/readyz" | "/metrics");
    let span = if probe {
        tracing::info_span!("probe", id = %id, %method, %route)
    } else {
        tracing::info_span!(
            "request",
            id = %id,
            %method,
            %route,
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
        )
    };
    if !probe && kiln_core::trace::enabled() {
        span.record("otel.name", format!("{method} {route}"));
        span.record("otel.kind", "server");
        kiln_core::trace::set_parent(&span, &trace_headers(req.headers()));
    }
    let started = Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    resp.headers_mut().insert(X_REQUEST_ID.clone(), value);
    let bytes = resp
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    let routine = probe && status < 400;
    span.in_scope(|| {
        if routine {
            tracing::debug!(status, bytes, ms, "answered");
        } else {
            tracing::info!(status, bytes, ms, "answered");
        }
    });
    resp
}

/// A client's W3C trace context headers, for the request span's parent.
fn trace_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    ["traceparent", "tracestate"]
        .into_iter()
        .filter_map(|name| {
            let value = headers.get(name)?.to_str().ok()?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_ids_are_taken_from_clients() {
        let ok = HeaderValue::from_static("req-42_a.b:c");
        assert_eq!(acceptable(&ok), Some("req-42_a.b:c"));
        for bad in ["", "a b", "x\"y", "<script>"] {
            assert_eq!(acceptable(&HeaderValue::from_static(bad)), None, "{bad}");
        }
        let long = HeaderValue::from_str(&"a".repeat(MAX_ID + 1)).unwrap_or(ok);
        assert_eq!(acceptable(&long), None);
    }
}
