//! The operator API, `/v1/admin/…`: every account's jobs, their counts,
//! re-runs of dead jobs, and each role's dead-letter queue. Only for
//! operators ([`Caller::is_operator`]); everyone else gets `403
//! operator_only` (the routes themselves are public knowledge, in the
//! OpenAPI document).

pub mod dead_letters;
pub mod jobs;

use crate::auth::Caller;
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use kiln_proto::Role;
use kiln_proto::api::ErrorCode;

/// `Ok` for an operator, else `403 operator_only`.
pub(crate) fn operator(s: &AppState, caller: &Caller) -> Result<(), ApiError> {
    if caller.is_operator(&s.config.auth.operator_emails) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::OperatorOnly,
        "only an operator may use /v1/admin: ask one to run `kiln admin grant` for this account",
    ))
}

/// A role from a path segment, `404` for a name no role has.
pub(crate) fn role(name: &str) -> Result<Role, ApiError> {
    name.parse().map_err(|_| ApiError::not_found("role"))
}
