//! The account routes, as the router registers them: each handler of
//! [`crate::auth`] behind an annotated function of the same name that only
//! passes its extractors on. (The annotations live here rather than on the
//! handlers so that the account code stays in its own module; moving one
//! onto its handler changes nothing in the document.)

use super::responses as r;
use crate::auth::{self, Caller};
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use kiln_proto::api::{
    AccessToken, Account, ApiKeyList, CreatedApiKey, Me, NewApiKey, Preferences, SignUp,
};

/// Make an account
///
/// `201` with the account; sign in with `POST /v1/auth/login` next. `422`
/// names the field: a malformed email, a name that is empty or over 100
/// characters, or a weak password (under 10 characters, fewer than 5
/// different characters, or the email itself).
#[utoipa::path(
    post,
    path = "/v1/auth/signup",
    tag = "accounts",
    request_body = SignUp,
    responses(
        (status = 201, description = "The new account", body = Account),
        (status = 400, response = r::AuthDisabled),
        (status = 409, response = r::EmailTaken),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub(crate) async fn signup(
    state: State<AppState>,
    body: Result<Json<SignUp>, JsonRejection>,
) -> impl IntoResponse {
    auth::signup(state, body).await
}

/// Sign in
///
/// With a JSON body, or HTTP Basic (`curl -u email:password`). An unknown
/// email and a wrong password get the same `401`, after the same work.
#[utoipa::path(
    post,
    path = "/v1/auth/login",
    tag = "accounts",
    request_body(content = ref("#/components/schemas/Credentials"),
        description = "Optional when HTTP Basic is sent"),
    params(("Authorization" = Option<String>, Header,
        description = "`Basic base64(email:password)`, instead of a body")),
    responses(
        (status = 200, description = "An access token", body = AccessToken),
        (status = 400, response = r::AuthDisabled),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub(crate) async fn login(
    state: State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    auth::login(state, headers, body).await
}

/// Make an API key
///
/// The key is in this answer only; lists show its prefix.
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    tag = "accounts",
    // A reference rather than `Option<NewApiKey>`, which would document a
    // `null` body: the body is optional, not nullable.
    request_body(content = ref("#/components/schemas/NewApiKey"),
        description = "Optional: no body is an unnamed key"),
    responses(
        (status = 201, description = "The new key", body = CreatedApiKey),
        (status = 400, response = r::AuthDisabled),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub(crate) async fn create_key(
    state: State<AppState>,
    caller: Extension<Caller>,
    body: Result<Option<Json<NewApiKey>>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    // A body that is not the JSON of a key is the API's JSON `422`, not
    // axum's plain-text rejection.
    let body = body.map_err(|e| ApiError::invalid(format!("body: {}", e.body_text())))?;
    auth::create_key(state, caller, body).await
}

/// The caller's API keys
///
/// Revoked ones included, newest first, by prefix only.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    tag = "accounts",
    responses(
        (status = 200, description = "The keys", body = ApiKeyList),
        (status = 400, response = r::AuthDisabled),
        (status = 503, response = r::Unavailable),
    ),
)]
pub(crate) async fn list_keys(
    state: State<AppState>,
    caller: Extension<Caller>,
) -> impl IntoResponse {
    auth::list_keys(state, caller).await
}

/// Revoke an API key
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "Key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, response = r::AuthDisabled),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
)]
pub(crate) async fn revoke_key(
    state: State<AppState>,
    caller: Extension<Caller>,
    id: Path<String>,
) -> impl IntoResponse {
    auth::revoke_key(state, caller, id).await
}

/// The caller's account
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "accounts",
    responses(
        (status = 200, description = "The account", body = Me),
        (status = 400, response = r::AuthDisabled),
    ),
)]
pub(crate) async fn me(caller: Extension<Caller>) -> Result<Json<Me>, ApiError> {
    auth::me::get(caller).await
}

/// Change the caller's preferences
///
/// Absent fields stay; unknown ones are refused.
#[utoipa::path(
    patch,
    path = "/v1/me",
    tag = "accounts",
    request_body = Preferences,
    responses(
        (status = 200, description = "The account, changed", body = Me),
        (status = 400, response = r::AuthDisabled),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub(crate) async fn update_me(
    state: State<AppState>,
    caller: Extension<Caller>,
    body: Result<Json<Preferences>, JsonRejection>,
) -> Result<Json<Me>, ApiError> {
    auth::me::update(state, caller, body).await
}
