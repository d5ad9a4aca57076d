//! Who is calling: resolved once per request by [`authenticate`], then
//! checked by every handler against the owner of what it touches.

use super::keys;
use crate::{ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use kiln_core::User;
use kiln_proto::api::ErrorCode;
use std::sync::Arc;

/// The caller of a request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Auth is off: one user, who sees everything.
    Anyone,
    /// A signed-in account.
    User(Arc<User>),
}

impl Caller {
    /// The owner to record on what this caller creates.
    pub fn owner(&self) -> Option<String> {
        match self {
            Caller::Anyone => None,
            Caller::User(u) => Some(u.id.clone()),
        }
    }

    /// Whether the caller may see something owned by `owner`. Others' things
    /// answer 404, never 403, so their existence does not leak.
    pub fn can_see(&self, owner: Option<&str>) -> bool {
        match self {
            Caller::Anyone => true,
            Caller::User(u) => owner == Some(u.id.as_str()),
        }
    }

    /// The account, when signed in.
    pub fn user(&self) -> Option<&User> {
        match self {
            Caller::Anyone => None,
            Caller::User(u) => Some(u),
        }
    }

    /// Whether the caller may use the operator API: an account with the
    /// role, or named in `operator_emails`; with accounts off, the one user.
    pub fn is_operator(&self, operator_emails: &[String]) -> bool {
        match self {
            Caller::Anyone => true,
            Caller::User(u) => u.operator || operator_emails.iter().any(|e| *e == u.email),
        }
    }

    /// The account, for routes that only mean something with accounts on.
    pub fn signed_in(&self) -> Result<&User, ApiError> {
        self.user().ok_or_else(auth_disabled)
    }
}

/// 400 for account routes while accounts are off.
pub fn auth_disabled() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::AuthDisabled,
        "accounts are off in this installation (KILN_AUTH=off)",
    )
}

/// 401, with the one message every failed sign-in gets (whether the account
/// exists or not).
pub fn unauthorized() -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
        "sign in: send Authorization: Bearer with an access token or an API key",
    );
    e.headers.push((
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"kiln\""),
    ));
    e
}

/// Middleware: resolves the caller from `Authorization: Bearer` (an access
/// token or a `kiln_` API key), else from the web app's session cookie
/// (see [`super::session`]), and stores it in the request's extensions;
/// with auth on, a request without valid credentials ends here with 401.
pub async fn authenticate(
    State(s): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let caller = if s.config.auth.enabled {
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| super::credentials(v, "Bearer"));
        let user = match bearer {
            Some(key) if key.starts_with(keys::PREFIX) => {
                match s
                    .backends
                    .accounts
                    .api_key_by_hash(&keys::hash(key))
                    .await?
                {
                    Some(k) if k.revoked_at.is_none() => {
                        s.backends.accounts.user_by_id(&k.user_id).await?
                    }
                    _ => None,
                }
            }
            Some(token) => match s.tokens.verify(token) {
                Some(id) => s.backends.accounts.user_by_id(&id).await?,
                None => None,
            },
            // A browser: its session cookie, and for a change the CSRF
            // token beside it (the cookie alone may come from any site).
            None => match super::session::cookie_token(req.headers()) {
                Some(token) => match s.tokens.verify(token) {
                    Some(_) if !super::session::csrf_ok(req.method(), req.headers(), token) => {
                        return Err(super::session::csrf_missing());
                    }
                    Some(id) => s.backends.accounts.user_by_id(&id).await?,
                    None => None,
                },
                None => None,
            },
        };
        Caller::User(Arc::new(user.ok_or_else(unauthorized)?))
    } else {
        Caller::Anyone
    };
    req.extensions_mut().insert(caller);
    Ok(next.run(req).await)
}
