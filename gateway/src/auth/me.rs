//! `GET /v1/me` and `PATCH /v1/me`: the caller's account and preferences.

use super::Caller;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use kiln_proto::api::{Me, Preferences, QuotaOverrides};

fn view(u: &kiln_core::User) -> Me {
    Me {
        id: u.id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
        created_at: u.created_at,
        notify_email: u.notify_email,
        quota: QuotaOverrides {
            storage_bytes: u.quota.storage_bytes,
            monthly_transfer_bytes: u.quota.monthly_transfer_bytes,
        },
    }
}

/// The caller's account.
pub async fn get(Extension(caller): Extension<Caller>) -> Result<Json<Me>, ApiError> {
    Ok(Json(view(caller.signed_in()?)))
}

/// Changes the caller's preferences.
pub async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Preferences>, JsonRejection>,
) -> Result<Json<Me>, ApiError> {
    let user = caller.signed_in()?;
    let Json(p) = body.map_err(|e| ApiError::invalid(format!("body: {}", e.body_text())))?;
    if let Some(on) = p.notify_email {
        s.backends.accounts.set_notify_email(&user.id, on).await?;
    }
    let fresh = s
        .backends
        .accounts
        .user_by_id(&user.id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(view(&fresh)))
}
