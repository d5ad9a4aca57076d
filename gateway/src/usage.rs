//! `GET /v1/usage`, and the quotas the gateway enforces: storage (uploads
//! refused with 413 once an account keeps its quota's worth) and monthly
//! transfer (uploads and downloads refused with 429 once a calendar month's
//! bytes reach it).

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode, header};
use chrono::{Datelike, NaiveDate, Utc};
use kiln_core::{Direction, Transfer, User};
use kiln_proto::api::{ErrorCode, Quotas, StorageUsage, TransferTotals, TransferUsage, Usage};
use serde::{Deserialize, Serialize};

/// Quotas of accounts without overrides; `None` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaDefaults {
    /// Bytes of uploads and outputs an account may keep.
    pub storage_bytes: Option<u64>,
    /// Bytes an account may upload plus download per calendar month (UTC).
    pub monthly_transfer_bytes: Option<u64>,
}

/// The quotas that apply to `user`: their overrides, else the defaults.
fn quotas(s: &AppState, user: &User) -> QuotaDefaults {
    let d = s.config.quotas;
    QuotaDefaults {
        storage_bytes: user.quota.storage_bytes.or(d.storage_bytes),
        monthly_transfer_bytes: user
            .quota
            .monthly_transfer_bytes
            .or(d.monthly_transfer_bytes),
    }
}

fn month_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
}

/// How many bytes one upload may bring.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    /// Most bytes accepted.
    pub max_bytes: u64,
    /// When the storage quota (rather than the upload size limit) sets it:
    /// the bytes in use and the quota.
    pub quota: Option<(u64, u64)>,
}

/// 413 naming the storage quota.
pub fn storage_exceeded(used: u64, quota: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::StorageQuotaExceeded,
        format!(
            "storage quota: {used} of {quota} bytes in use; delete files or ask for a larger quota"
        ),
    )
}

fn transfer_exceeded(used: u64, quota: u64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TransferQuotaExceeded,
        format!("monthly transfer quota: {used} of {quota} bytes used this month"),
    );
    let now = Utc::now().date_naive();
    let next = month_start(now + chrono::Months::new(1));
    let secs = (next
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now)
        - Utc::now())
    .num_seconds()
    .max(1);
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        e.headers.push((header::RETRY_AFTER, v));
    }
    e
}

/// Refuses when the caller's month of transfer is used up (uploads and downloads).
pub async fn check_transfer(s: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let Some(user) = caller.user() else {
        return Ok(());
    };
    let Some(quota) = quotas(s, user).monthly_transfer_bytes else {
        return Ok(());
    };
    let today = Utc::now().date_naive();
    let t = s
        .backends
        .accounts
        .transfer(&user.id, month_start(today), today)
        .await?;
    let used = t.uploaded + t.downloaded;
    if used >= quota {
        return Err(transfer_exceeded(used, quota));
    }
    Ok(())
}

/// What an upload of `declared` bytes (if the client said) may bring, or
/// why it is refused before any byte is stored.
pub async fn upload_allowance(
    s: &AppState,
    caller: &Caller,
    declared: Option<u64>,
) -> Result<Allowance, ApiError> {
    let limit = s.config.max_upload_bytes;
    let whole = Allowance {
        max_bytes: limit,
        quota: None,
    };
    let Some(user) = caller.user() else {
        return Ok(whole);
    };
    check_transfer(s, caller).await?;
    let Some(quota) = quotas(s, user).storage_bytes else {
        return Ok(whole);
    };
    let usage = s.backends.accounts.storage_usage(&user.id).await?;
    let used = usage.original_bytes + usage.output_bytes;
    let room = quota.saturating_sub(used);
    if room == 0 || declared.is_some_and(|n| n > room) {
        return Err(storage_exceeded(used, quota));
    }
    Ok(if room < limit {
        Allowance {
            max_bytes: room,
            quota: Some((used, quota)),
        }
    } else {
        whole
    })
}

/// Adds to the caller's transfer counters. Best effort: a counter that
/// cannot be written is logged, and never fails the transfer it counts.
pub async fn count(s: &AppState, caller: &Caller, direction: Direction, bytes: u64) {
    let Some(user) = caller.user() else { return };
    if let Err(e) = s
        .backends
        .accounts
        .add_transfer(&user.id, direction, bytes, Utc::now().date_naive())
        .await
    {
        tracing::warn!(error = %e, "could not count transfer");
    }
}

/// The caller's usage
///
/// Storage kept, bytes moved today and this month, and the quotas that
/// apply.
#[utoipa::path(
    get,
    path = "/v1/usage",
    tag = "accounts",
    operation_id = "usage",
    responses(
        (status = 200, description = "Usage and quotas", body = Usage),
        (status = 400, response = r::AuthDisabled),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn get(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Usage>, ApiError> {
    let user = caller.signed_in()?;
    let today = Utc::now().date_naive();
    let storage = s.backends.accounts.storage_usage(&user.id).await?;
    let day = s.backends.accounts.transfer(&user.id, today, today).await?;
    let month = s
        .backends
        .accounts
        .transfer(&user.id, month_start(today), today)
        .await?;
    let q = quotas(&s, user);
    let totals = |t: Transfer| TransferTotals {
        uploaded: t.uploaded,
        downloaded: t.downloaded,
    };
    Ok(Json(Usage {
        storage: StorageUsage {
            original_bytes: storage.original_bytes,
            output_bytes: storage.output_bytes,
            total_bytes: storage.original_bytes + storage.output_bytes,
            files: storage.files,
            jobs: storage.jobs,
        },
        transfer: TransferUsage {
            today: totals(day),
            month: totals(month),
        },
        quota: Quotas {
            storage_bytes: q.storage_bytes,
            monthly_transfer_bytes: q.monthly_transfer_bytes,
        },
    }))
}
