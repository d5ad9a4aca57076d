//! Headers every answer carries so that a browser treats it as data: never
//! sniffed into something runnable, never framed, never allowed to load
//! anything. Downloads set stricter ones of their own first
//! ([`crate::serve_safely`]); those are kept.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of an API answer: JSON loads nothing and is framed by no one.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Adds the headers a response does not set itself.
pub async fn api(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, API_CSP),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}
