//! `GET /v1/me` and `PATCH /v1/me`: the caller's account and preferences.

use super::Caller;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use serde::Deserialize;
use serde_json::{Value, json};

/// Preferences a user may change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Email me when any of my jobs ends (as `notify=email` on every upload).
    notify_email: Option<bool>,
}

fn view(u: &kiln_core::User) -> Value {
    json!({"id": u.id, "email": u.email, "name": u.name, "created_at": u.created_at,
           "notify_email": u.notify_email, "quota": u.quota})
}

/// The caller's account.
pub async fn get(Extension(caller): Extension<Caller>) -> Result<Json<Value>, ApiError> {
    Ok(Json(view(caller.signed_in()?)))
}

/// Changes the caller's preferences.
pub async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Preferences>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let user = caller.signed_in()?;
    let Json(p) = body.map_err(|e| ApiError::invalid(format!("body: {}", e.body_text())))?;
    if let Some(on) = p.notify_email {
        s.accounts.set_notify_email(&user.id, on).await?;
    }
    let fresh = s
        .accounts
        .user_by_id(&user.id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(view(&fresh)))
}
