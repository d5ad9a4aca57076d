//! `POST /v1/auth/signup`, `POST /v1/auth/login`, and API keys
//! (`GET`/`POST /v1/api-keys`, `DELETE /v1/api-keys/{id}`).

use super::caller::{auth_disabled as disabled, unauthorized};
use super::{Caller, keys, password};
use crate::{ApiError, AppState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::{Json, body::Bytes};
use base64::Engine;
use chrono::Utc;
use kiln_core::{AccountError, ApiKey, HistoryEntry, QuotaOverride, User, new_id};
use kiln_proto::api::{
    AccessToken, Account, ApiKeyInfo, ApiKeyList, CreatedApiKey, Credentials, ErrorCode, NewApiKey,
    SignUp, TokenType,
};
use serde_json::json;

fn body<T>(parsed: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    parsed
        .map(|Json(v)| v)
        .map_err(|e| ApiError::invalid(format!("body: {}", e.body_text())))
}

/// The account key of an address, or a 422 naming the rule it breaks
/// (see [`kiln_proto::api::normalize_email`]).
fn normalise_email(raw: &str) -> Result<String, ApiError> {
    kiln_proto::api::normalize_email(raw).map_err(|e| ApiError::invalid(e.0))
}

/// Makes an account: `201`, `409` for a taken email, `422` naming a bad field.
pub async fn signup(
    State(s): State<AppState>,
    parsed: Result<Json<SignUp>, JsonRejection>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    if !s.config.auth.enabled {
        return Err(disabled());
    }
    let req = body(parsed)?;
    let email = normalise_email(&req.email)?;
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name: give 1 to 100 printable characters",
        ));
    }
    if let Some(why) = password::weakness(&req.password, &email) {
        return Err(ApiError::invalid(why));
    }
    let pw = req.password;
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(ApiError::unavailable)?
        .map_err(ApiError::unavailable)?;
    let user = User {
        id: new_id(),
        email,
        name,
        password_hash,
        created_at: Utc::now(),
        notify_email: false,
        quota: QuotaOverride::default(),
        operator: false,
    };
    match s.backends.accounts.create_user(&user).await {
        Ok(()) => {}
        Err(AccountError::EmailTaken) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::EmailTaken,
                "email: an account with this address exists",
            ));
        }
        Err(AccountError::Store(e)) => return Err(e.into()),
    }
    Ok((
        StatusCode::CREATED,
        Json(Account {
            id: user.id,
            email: user.email,
            name: user.name,
            created_at: user.created_at,
        }),
    ))
}

fn basic(headers: &HeaderMap) -> Option<Credentials> {
    let encoded = super::credentials(headers.get(header::AUTHORIZATION)?.to_str().ok()?, "Basic")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (email, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some(Credentials {
        email: email.to_owned(),
        password: password.to_owned(),
    })
}

/// Exchanges an email and password (JSON body, or HTTP Basic for scripts)
/// for an access token. Unknown email and wrong password answer the same 401.
pub async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    raw: Bytes,
) -> Result<Json<AccessToken>, ApiError> {
    if !s.config.auth.enabled {
        return Err(disabled());
    }
    let creds = match basic(&headers) {
        Some(c) => c,
        None => serde_json::from_slice::<Credentials>(&raw)
            .map_err(|e| ApiError::invalid(format!("body: {e}; or use HTTP Basic")))?,
    };
    let method = if headers.contains_key(header::AUTHORIZATION) {
        "basic"
    } else {
        "password"
    };
    let user = verify_credentials(&s, creds, method).await?;
    let (token, expires_at) = s.tokens.issue(&user.id).map_err(ApiError::unavailable)?;
    Ok(Json(AccessToken {
        access_token: token,
        token_type: TokenType::Bearer,
        expires_at,
    }))
}

/// The account `creds` sign in to, recorded in its history as a sign-in
/// by `method`; 401 otherwise. Unknown email and wrong password answer the
/// same, after the same hashing work.
pub(crate) async fn verify_credentials(
    s: &AppState,
    creds: Credentials,
    method: &str,
) -> Result<User, ApiError> {
    // An address that cannot be an account's is no account's: refused as
    // any wrong password is.
    let email = kiln_proto::api::normalize_email(&creds.email).unwrap_or_default();
    let user = match email.is_empty() {
        true => None,
        false => s.backends.accounts.user_by_email(&email).await?,
    };
    let stored = user.as_ref().map_or_else(
        || password::decoy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let pw = creds.password;
    let matches = tokio::task::spawn_blocking(move || password::verify(&pw, &stored))
        .await
        .map_err(ApiError::unavailable)?;
    let user = user.filter(|_| matches).ok_or_else(unauthorized)?;
    s.backends
        .accounts
        .add_history(&HistoryEntry {
            id: new_id(),
            user_id: user.id.clone(),
            action: kiln_core::HistoryAction::SignIn,
            subject: None,
            detail: json!({ "method": method }),
            at: Utc::now(),
        })
        .await?;
    Ok(user)
}

/// Makes an API key; the key is in this answer only.
pub async fn create_key(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    parsed: Option<Json<NewApiKey>>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    let user = caller.signed_in()?;
    let name = parsed
        .map(|Json(k)| k.name)
        .unwrap_or_default()
        .trim()
        .to_owned();
    if name.chars().count() > 100 {
        return Err(ApiError::invalid("name: at most 100 characters"));
    }
    let key = keys::generate();
    let record = ApiKey {
        id: new_id(),
        user_id: user.id.clone(),
        name,
        prefix: keys::display_prefix(&key),
        hash: keys::hash(&key),
        created_at: Utc::now(),
        revoked_at: None,
    };
    s.backends.accounts.insert_api_key(&record).await?;
    crate::history::record(
        &s,
        &user.id,
        kiln_core::HistoryAction::ApiKeyCreated,
        Some(&record.id),
        json!({"prefix": record.prefix}),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKey {
            id: record.id,
            name: record.name,
            prefix: record.prefix,
            key,
            created_at: record.created_at,
        }),
    ))
}

/// The caller's keys, by prefix only.
pub async fn list_keys(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<ApiKeyList>, ApiError> {
    let user = caller.signed_in()?;
    let keys = s
        .backends
        .accounts
        .api_keys(&user.id)
        .await?
        .into_iter()
        .map(|k| ApiKeyInfo {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        })
        .collect();
    Ok(Json(ApiKeyList { keys }))
}

/// Revokes one of the caller's keys: `204`, or `404` for any other id.
pub async fn revoke_key(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = caller.signed_in()?;
    if !s.backends.accounts.revoke_api_key(&user.id, &id).await? {
        return Err(ApiError::not_found("API key"));
    }
    crate::history::record(
        &s,
        &user.id,
        kiln_core::HistoryAction::ApiKeyRevoked,
        Some(&id),
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
