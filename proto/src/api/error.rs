//! Error answers: `{"error": {"code": "...", "message": "..."}}` on every
//! route, with a stable [`ErrorCode`] clients can match on.

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// Every machine-readable code the API answers, with the status it comes
/// with. Serialised in snake_case (`ErrorCode::TooLarge` is `"too_large"`).
///
/// A code is stable once released: clients match on it, so a new situation
/// gets a new code rather than a changed meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// `400`: a route that only means something with accounts (sign-up,
    /// sign-in, API keys, `/v1/me`, history, usage) while accounts are off
    /// (`KILN_AUTH=off`).
    AuthDisabled,
    /// `400`: a multipart upload body that cannot be parsed.
    BadMultipart,
    /// `409`: sign-up with an email address an account already has
    /// (compared case-insensitively).
    EmailTaken,
    /// `403`: a share link that lets people view thumbnails only, asked for
    /// an original; or a signed download link whose signature is wrong.
    Forbidden,
    /// `410`: a share link or a signed download link that has expired.
    Gone,
    /// `507`: the server's disk is nearly full: uploads wait until space is
    /// freed (deletes still work); retry after `Retry-After` seconds.
    InsufficientStorage,
    /// `422`: a query parameter, form field or JSON body that is malformed
    /// or out of range; the message names it.
    InvalidParameter,
    /// `409`: a retry of a job that is not dead (only a dead job can be
    /// given another attempt; the message says where it is).
    JobNotDead,
    /// `404`: a file's metadata is not extracted (yet, or ever: see its
    /// metadata job).
    MetadataNotAvailable,
    /// `405`: the path exists, the method does not (with `Allow`).
    MethodNotAllowed,
    /// `404`: no route has this method and path.
    NoRoute,
    /// `404`: the job, file, API key or account does not exist, or belongs
    /// to another account (the two are not told apart).
    NotFound,
    /// `416`: a `Range` outside the file (with `Content-Range: bytes */LEN`).
    RangeNotSatisfiable,
    /// `429`: too many uploads, sign-ups or sign-ins from this client (with
    /// `Retry-After`).
    RateLimited,
    /// `413`: the upload would take the account over its storage quota.
    StorageQuotaExceeded,
    /// `413`: the upload is over the gateway's size limit.
    TooLarge,
    /// `429`: the account's monthly transfer quota is used up (uploads and
    /// downloads; `Retry-After` until the month turns).
    TransferQuotaExceeded,
    /// `403`: an operator route (`/v1/admin/…`) called by an account
    /// without the operator role.
    OperatorOnly,
    /// `401`: no valid access token or API key (also every failed sign-in,
    /// whether or not the account exists).
    Unauthorized,
    /// `503`: a backend (store, blob store, broker) is away; retry after
    /// `Retry-After` seconds.
    Unavailable,
    /// `415`: the work asked for cannot apply to the upload's sniffed type
    /// (`convert` on an image, `thumbnails` on audio).
    UnsupportedMediaType,
    /// `400`: the upload's body ended or failed before it was complete.
    UploadInterrupted,
}

impl ErrorCode {
    /// Every code, in alphabetical order.
    pub const ALL: [ErrorCode; 22] = [
        ErrorCode::AuthDisabled,
        ErrorCode::BadMultipart,
        ErrorCode::EmailTaken,
        ErrorCode::Forbidden,
        ErrorCode::Gone,
        ErrorCode::InsufficientStorage,
        ErrorCode::InvalidParameter,
        ErrorCode::JobNotDead,
        ErrorCode::MetadataNotAvailable,
        ErrorCode::MethodNotAllowed,
        ErrorCode::NoRoute,
        ErrorCode::NotFound,
        ErrorCode::OperatorOnly,
        ErrorCode::RangeNotSatisfiable,
        ErrorCode::RateLimited,
        ErrorCode::StorageQuotaExceeded,
        ErrorCode::TooLarge,
        ErrorCode::TransferQuotaExceeded,
        ErrorCode::Unauthorized,
        ErrorCode::Unavailable,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::UploadInterrupted,
    ];

    /// The HTTP status this code is answered with (each code has one).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::AuthDisabled | ErrorCode::BadMultipart | ErrorCode::UploadInterrupted => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden | ErrorCode::OperatorOnly => 403,
            ErrorCode::Gone => 410,
            ErrorCode::MetadataNotAvailable | ErrorCode::NoRoute | ErrorCode::NotFound => 404,
            ErrorCode::EmailTaken | ErrorCode::JobNotDead => 409,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::InsufficientStorage => 507,
            ErrorCode::StorageQuotaExceeded | ErrorCode::TooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RangeNotSatisfiable => 416,
            ErrorCode::InvalidParameter => 422,
            ErrorCode::RateLimited | ErrorCode::TransferQuotaExceeded => 429,
            ErrorCode::Unavailable => 503,
        }
    }

    /// The wire form of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AuthDisabled => "auth_disabled",
            ErrorCode::BadMultipart => "bad_multipart",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Gone => "gone",
            ErrorCode::InsufficientStorage => "insufficient_storage",
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::JobNotDead => "job_not_dead",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::MetadataNotAvailable => "metadata_not_available",
            ErrorCode::NoRoute => "no_route",
            ErrorCode::NotFound => "not_found",
            ErrorCode::OperatorOnly => "operator_only",
            ErrorCode::RangeNotSatisfiable => "range_not_satisfiable",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::StorageQuotaExceeded => "storage_quota_exceeded",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::TransferQuotaExceeded => "transfer_quota_exceeded",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::UploadInterrupted => "upload_interrupted",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": {"code": "not_found", "message": "file not found"}}))]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, for programs and for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code to match on.
    pub code: ErrorCode,
    /// Explanation for people; its wording may change.
    #[schema(example = "file not found")]
    pub message: String,
}

impl ErrorBody {
    /// The body for `code` with `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
            },
        }
    }
}

/// At most [`EXCERPT_CHARS`] characters of `input`, with `…` when cut: what
/// an error message may quote of what a client sent (a 1 MB field must not
/// come back as a 1 MB error).
pub fn excerpt(input: &str) -> std::borrow::Cow<'_, str> {
    match input.char_indices().nth(EXCERPT_CHARS) {
        None => input.into(),
        Some((end, _)) => format!("{}…", &input[..end]).into(),
    }
}

/// How many characters of a client's input an error message quotes.
pub const EXCERPT_CHARS: usize = 40;
