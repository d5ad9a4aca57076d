//! JSON errors: `{"error": {"code": "...", "message": "..."}}` on every route.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiln_core::{BlobError, BrokerError, StoreError};
use kiln_proto::api::{ErrorBody, ErrorCode};

/// An error answer: status, stable machine code, human message.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code clients can match on.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Extra headers (e.g. `Content-Range` on a 416).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        // The documentation promises one status per code.
        debug_assert_eq!(status.as_u16(), code.http_status(), "{code}");
        ApiError {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 404 for a resource kind.
    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("{what} not found"),
        )
    }

    /// 422 for a bad parameter, naming it.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidParameter,
            message,
        )
    }

    /// 503: a backend is away; the client may retry.
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "backend unavailable");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "storage is temporarily unavailable; retry later",
        )
    }
}

/// Longest message an error answer carries; longer ones are cut (a message
/// quoting a client's input must not return that input whole).
const MAX_MESSAGE: usize = 400;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut message = self.message;
        if message.len() > MAX_MESSAGE {
            let mut end = MAX_MESSAGE;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push('…');
        }
        let body = ErrorBody::new(self.code, message);
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        for (k, v) in self.headers {
            resp.headers_mut().insert(k, v);
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::unavailable(e)
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::NotFound => ApiError::not_found("file content"),
            other => ApiError::unavailable(other),
        }
    }
}

impl From<BrokerError> for ApiError {
    fn from(e: BrokerError) -> Self {
        ApiError::unavailable(e)
    }
}

/// Unknown routes answer in the same JSON shape.
pub async fn fallback() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NoRoute,
        "no such endpoint",
    )
}

/// Every error is the JSON error body, whichever layer answered it: axum's
/// own `405` (empty) and `413` (plain text) and the `404` fallback come out
/// in the same shape as the handlers' errors, headers (`Allow`) kept.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "this path does not take this method; see the Allow header",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::TooLarge, "the request body is too large"),
        StatusCode::NOT_FOUND => (ErrorCode::NoRoute, "no such endpoint"),
        _ => return resp,
    };
    let (parts, _) = resp.into_parts();
    let mut fixed = ApiError::new(status, code, message).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            fixed.headers_mut().insert(name, v.clone());
        }
    }
    fixed
}
