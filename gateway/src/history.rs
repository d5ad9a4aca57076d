//! `GET /v1/history`: what the caller did (sign-ins, uploads, deletions,
//! API keys) and how their jobs ended, newest first.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use chrono::Utc;
use kiln_core::{HistoryAction, HistoryEntry, new_id};
use kiln_proto::api::{HistoryItem, HistoryPage, PageQuery};
use serde_json::Value;

/// Appends to a user's history. Best effort: a history write that fails is
/// logged, and never fails the action it describes.
pub async fn record(
    s: &AppState,
    user_id: &str,
    action: HistoryAction,
    subject: Option<&str>,
    detail: Value,
) {
    let entry = HistoryEntry {
        id: new_id(),
        user_id: user_id.to_owned(),
        action,
        subject: subject.map(str::to_owned),
        detail,
        at: Utc::now(),
    };
    if let Err(e) = s.backends.accounts.add_history(&entry).await {
        tracing::warn!(error = %e, action = %entry.action, "could not record history");
    }
}

/// The caller's history
///
/// Sign-ins, uploads, deletions, API key changes, job endings and library
/// changes, newest first, `limit` at a time; `next_cursor` fetches the next
/// page.
#[utoipa::path(
    get,
    path = "/v1/history",
    tag = "accounts",
    operation_id = "history",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of history", body = HistoryPage),
        (status = 400, response = r::AuthDisabled),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<HistoryPage>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let user = caller.signed_in()?;
    let limit = crate::jobs::page_limit(q.limit.as_deref())?;
    let cursor = q.cursor.filter(|c| !c.is_empty());
    let mut entries = s
        .backends
        .accounts
        .history(&user.id, cursor.as_deref(), limit + 1)
        .await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_cursor = if more {
        entries.last().map(|e| e.id.clone())
    } else {
        None
    };
    let entries = entries
        .into_iter()
        .map(|e| HistoryItem {
            id: e.id,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
            at: e.at,
        })
        .collect();
    Ok(Json(HistoryPage {
        entries,
        next_cursor,
    }))
}
