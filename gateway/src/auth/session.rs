//! Browser sessions (`/v1/auth/session`): the web app signs in with a
//! password and gets an `HttpOnly` cookie, so no script ever holds the
//! credential. Because a browser sends that cookie on its own, every
//! request that changes something must also carry the session's CSRF token
//! (`X-CSRF-Token`), which only a page of this origin can read.

use super::routes::verify_credentials;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiln_proto::api::{Account, CSRF_HEADER, Credentials, SESSION_COOKIE, Session};
use sha2::{Digest, Sha256};

/// The session token the request's cookie carries, if any.
pub fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// The CSRF token of a session: derived from the session token, which is
/// secret (`HttpOnly`), so no other site can know it, and nothing is stored.
pub fn csrf_token(session: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"kiln-csrf\0");
    h.update(session.as_bytes());
    hex::encode(h.finalize())
}

/// Whether a cookie-authenticated request may go ahead: reads always, a
/// change only with the session's CSRF token.
pub fn csrf_ok(method: &Method, headers: &HeaderMap, session: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let expected = csrf_token(session);
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 403 for a cookie-authenticated change without the CSRF token.
pub(crate) fn csrf_missing() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        kiln_proto::api::ErrorCode::Forbidden,
        "this request relies on the session cookie: send the session's csrf_token \
         (GET /v1/auth/session) as X-CSRF-Token",
    )
}

/// `Secure` when the browser reached us over TLS: a proxy we trust says so
/// (`X-Forwarded-Proto`), since the gateway itself speaks plain HTTP.
fn over_tls(s: &AppState, headers: &HeaderMap) -> bool {
    s.config.trust_forwarded_for
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

fn set_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    // A JWT and a number are always valid header text.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn account(u: &kiln_core::User) -> Account {
    Account {
        id: u.id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
        created_at: u.created_at,
    }
}

/// The browser's session
///
/// Whether accounts are on, and who the `kiln_session` cookie sent signs
/// in (`account: null` without a valid one). The web app starts here.
#[utoipa::path(
    get,
    path = "/v1/auth/session",
    tag = "accounts",
    operation_id = "get_session",
    responses(
        (status = 200, description = "The session", body = Session),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn show(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let mut session = Session {
        accounts: s.config.auth.enabled,
        account: None,
        csrf_token: None,
        expires_at: None,
    };
    if let Some(token) = cookie_token(&headers).filter(|_| s.config.auth.enabled)
        && let Some((id, expires_at)) = s.tokens.verify_with_expiry(token)
        && let Some(user) = s.backends.accounts.user_by_id(&id).await?
    {
        session.account = Some(account(&user));
        session.csrf_token = Some(csrf_token(token));
        session.expires_at = Some(expires_at);
    }
    Ok(private(Json(session).into_response()))
}

/// Sign a browser in
///
/// Checks an email and password like `POST /v1/auth/login`, then sets the
/// `kiln_session` cookie (`HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure`
/// behind a TLS proxy) and answers the session with its `csrf_token`, which
/// every cookie-authenticated `POST`, `PATCH`, `PUT` or `DELETE` must send as
/// `X-CSRF-Token`.
#[utoipa::path(
    post,
    path = "/v1/auth/session",
    tag = "accounts",
    operation_id = "create_session",
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in; the cookie is set", body = Session,
         headers(("Set-Cookie" = String, description = "`kiln_session=...; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800`"))),
        (status = 400, response = r::AuthDisabled),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    parsed: Result<Json<Credentials>, JsonRejection>,
) -> Result<Response, ApiError> {
    if !s.config.auth.enabled {
        return Err(super::caller::auth_disabled());
    }
    let Json(creds) = parsed.map_err(|e| ApiError::invalid(format!("body: {}", e.body_text())))?;
    let user = verify_credentials(&s, creds, "session").await?;
    let ttl = i64::try_from(s.config.session_ttl_secs.max(60)).unwrap_or(i64::MAX / 2);
    let (token, expires_at) = s
        .tokens
        .issue_for(&user.id, chrono::Duration::seconds(ttl))
        .map_err(ApiError::unavailable)?;
    let session = Session {
        accounts: true,
        account: Some(account(&user)),
        csrf_token: Some(csrf_token(&token)),
        expires_at: Some(expires_at),
    };
    let mut resp = private(Json(session).into_response());
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(&token, ttl, over_tls(&s, &headers)),
    );
    Ok(resp)
}

/// Sign a browser out
///
/// Removes the session cookie. The token in it stays valid until it
/// expires; it was never readable by script.
#[utoipa::path(
    delete,
    path = "/v1/auth/session",
    tag = "accounts",
    operation_id = "delete_session",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared",
         headers(("Set-Cookie" = String, description = "`kiln_session=; Max-Age=0; ...`"))),
    ),
)]
pub async fn end(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let mut resp = private(StatusCode::NO_CONTENT.into_response());
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie("", 0, over_tls(&s, &headers)),
    );
    resp
}

/// A session answer is for this browser only.
fn private(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; kiln_session=tok; b=2"),
        );
        assert_eq!(cookie_token(&h), Some("tok"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("kiln_sessionx=1"));
        h.append(header::COOKIE, HeaderValue::from_static("kiln_session="));
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn changes_need_the_sessions_own_csrf_token() {
        let mut h = HeaderMap::new();
        assert!(csrf_ok(&Method::GET, &h, "s1"));
        assert!(!csrf_ok(&Method::POST, &h, "s1"));
        h.insert(
            CSRF_HEADER,
            HeaderValue::from_str(&csrf_token("s2"))
                .unwrap_or_else(|_| HeaderValue::from_static("")),
        );
        assert!(!csrf_ok(&Method::DELETE, &h, "s1"));
        assert!(csrf_ok(&Method::DELETE, &h, "s2"));
    }
}
