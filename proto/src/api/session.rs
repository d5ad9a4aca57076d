//! `GET`, `POST` and `DELETE /v1/auth/session`: a browser's sign-in, kept
//! in an `HttpOnly` cookie rather than handed to script.

use super::Account;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Name of the session cookie (`HttpOnly`, `SameSite=Lax`, `Path=/`).
pub const SESSION_COOKIE: &str = "kiln_session";

/// Header a cookie-authenticated request that changes anything must carry,
/// with the session's [`Session::csrf_token`].
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The browser's session, as the web app starts from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// Whether this installation has accounts; when `false`, everything
    /// works without signing in.
    pub accounts: bool,
    /// The signed-in account; `null` when nobody is signed in (or accounts
    /// are off).
    pub account: Option<Account>,
    /// Send as `X-CSRF-Token` on every `POST`, `PATCH`, `PUT` and `DELETE`
    /// that relies on the session cookie; `null` without a session.
    pub csrf_token: Option<String>,
    /// When the session ends; `null` without a session.
    pub expires_at: Option<DateTime<Utc>>,
}
