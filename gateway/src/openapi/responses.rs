//! Reusable responses, under `components.responses`: every error answer
//! (status, the codes it carries with an example of each, its headers) and
//! the byte answers of downloads. A handler's annotation names them as
//! `(status = 404, response = r::NotFound)`; the document defines each once.

use kiln_proto::api::ErrorCode;
use serde_json::json;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr, Response, ResponseBuilder};

/// A header's schema: a string, or an integer.
fn header_schema(integer: bool) -> Schema {
    let t = if integer { Type::Integer } else { Type::String };
    ObjectBuilder::new().schema_type(t).into()
}

/// A response header, by name and what it says.
fn header(name: &str, description: &str) -> (String, utoipa::openapi::header::Header) {
    let integer = matches!(name, "Retry-After" | "Content-Length");
    (
        name.to_owned(),
        HeaderBuilder::new()
            .schema(header_schema(integer))
            .description(Some(description))
            .build(),
    )
}

/// An error response: the `ErrorBody` schema, one example per code it may
/// carry, and its headers.
fn error(description: &str, codes: &[(ErrorCode, &str)], headers: &[(&str, &str)]) -> Response {
    let examples = codes.iter().map(|(code, message)| {
        let example = ExampleBuilder::new()
            .summary(format!("{code} ({})", code.http_status()))
            .value(Some(json!({"error": {"code": code, "message": message}})))
            .build();
        (code.as_str(), example)
    });
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .examples_from_iter(examples)
        .build();
    let mut b = ResponseBuilder::new()
        .description(description)
        .content("application/json", content);
    for (name, what) in headers {
        let (name, h) = header(name, what);
        b = b.header(name, h);
    }
    b.build()
}

const RETRY_AFTER: (&str, &str) = ("Retry-After", "Seconds to wait before trying again");

/// The headers of every download (whole or partial).
const DOWNLOAD_HEADERS: [(&str, &str); 7] = [
    ("Content-Length", "Bytes in this answer"),
    (
        "ETag",
        "The file's SHA-256, quoted: send it back as `If-None-Match` or `If-Range`",
    ),
    ("Accept-Ranges", "`bytes`: single ranges are served"),
    (
        "Cache-Control",
        "`private, max-age=31536000, immutable`: a file's bytes never change",
    ),
    (
        "Content-Disposition",
        "`inline` for passive types, else `attachment`, with the file name (outputs are named \
         after their original: `photo-256.jpeg`)",
    ),
    (
        "Content-Security-Policy",
        "`default-src 'none'; sandbox`: nothing in a file can run",
    ),
    ("X-Content-Type-Options", "`nosniff`"),
];

/// The media types a download may have: passive types are served as
/// themselves, anything a browser could run as `application/octet-stream`.
const FILE_TYPES: [&str; 5] = [
    "application/octet-stream",
    "image/*",
    "audio/*",
    "video/*",
    "text/plain",
];

/// A download's bytes, `status` telling whole from partial.
fn bytes(description: &str, partial: bool) -> Response {
    let binary: Schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .content_media_type("application/octet-stream")
        .into();
    let mut b = ResponseBuilder::new().description(description);
    for t in FILE_TYPES {
        b = b.content(
            t,
            ContentBuilder::new().schema(Some(binary.clone())).build(),
        );
    }
    for (name, what) in DOWNLOAD_HEADERS {
        let (name, h) = header(name, what);
        b = b.header(name, h);
    }
    if partial {
        let (name, h) = header("Content-Range", "`bytes FIRST-LAST/LENGTH`");
        b = b.header(name, h);
    }
    b.build()
}

/// Defines a marker type per reusable response, implementing
/// [`utoipa::ToResponse`] so that annotations can name it, and [`all`],
/// which puts every one into the document's components.
macro_rules! reusable {
    ($( $(#[$doc:meta])* $ty:ident = $name:ident: $build:expr; )+) => {
        $(
            $(#[$doc])*
            // Named by annotations; some only by the document's components.
            #[allow(dead_code)]
            pub(crate) struct $ty;

            /// Its name under `components.responses`.
            pub(crate) const $name: &str = stringify!($ty);

            impl<'a> utoipa::ToResponse<'a> for $ty {
                fn response() -> (&'a str, RefOr<Response>) {
                    ($name, RefOr::T($build))
                }
            }
        )+

        /// Every reusable response, by name.
        pub(crate) fn all() -> Vec<(String, RefOr<Response>)> {
            vec![$( ($name.to_owned(), RefOr::T($build)) ),+]
        }
    };
}

reusable! {
    /// `400 auth_disabled`.
    AuthDisabled = AUTH_DISABLED: error(
        "Accounts are off in this installation (`KILN_AUTH=off`): this route means nothing",
        &[(ErrorCode::AuthDisabled, "accounts are off in this installation (KILN_AUTH=off)")],
        &[],
    );
    /// `400`: an upload body that could not be read.
    BadUpload = BAD_UPLOAD: error(
        "The multipart body cannot be parsed, or the body ended before it was complete",
        &[
            (ErrorCode::BadMultipart, "malformed multipart body: ..."),
            (ErrorCode::UploadInterrupted, "the upload did not complete: ..."),
        ],
        &[],
    );
    /// `401 unauthorized`.
    Unauthorized = UNAUTHORIZED: error(
        "No valid access token or API key (with accounts on)",
        &[(
            ErrorCode::Unauthorized,
            "sign in: send Authorization: Bearer with an access token or an API key",
        )],
        &[("WWW-Authenticate", "`Bearer realm=\"kiln\"`")],
    );
    /// `403 forbidden`.
    Forbidden = FORBIDDEN: error(
        "A share link for viewing asked for an original, or a signed link's signature is wrong",
        &[(ErrorCode::Forbidden, "this link is not valid")],
        &[],
    );
    /// `403 forbidden` for a change authenticated by the session cookie
    /// without the session's CSRF token.
    CsrfMissing = CSRF_MISSING: error(
        "Authenticated by the web app's session cookie, a change must also carry the \
         session's `X-CSRF-Token` (from `GET /v1/auth/session`)",
        &[(
            ErrorCode::Forbidden,
            "this request relies on the session cookie: send the session's csrf_token \
             (GET /v1/auth/session) as X-CSRF-Token",
        )],
        &[],
    );
    /// `409 job_not_dead`.
    JobNotDead = JOB_NOT_DEAD: error(
        "Only a dead job can be retried; the message says where this one is",
        &[(ErrorCode::JobNotDead, "only a dead job can be retried; this one is succeeded")],
        &[],
    );
    /// `403 operator_only`.
    OperatorOnly = OPERATOR_ONLY: error(
        "Only an operator may do this: an account granted the role with `kiln admin grant`, \
         or named in `KILN_ADMIN_EMAILS`",
        &[(ErrorCode::OperatorOnly, "only an operator may use /v1/admin")],
        &[],
    );
    /// `404 not_found`.
    NotFound = NOT_FOUND: error(
        "It does not exist, or belongs to another account (the two are not told apart)",
        &[(ErrorCode::NotFound, "file not found")],
        &[],
    );
    /// `404`: the file, or its metadata, is missing.
    MetadataNotAvailable = METADATA_NOT_AVAILABLE: error(
        "The file does not exist, or its metadata is not extracted (yet, or ever: see its \
         metadata job)",
        &[
            (ErrorCode::NotFound, "file not found"),
            (
                ErrorCode::MetadataNotAvailable,
                "no metadata for this file (yet): see its metadata job",
            ),
        ],
        &[],
    );
    /// `404 no_route`: no route has this method and path.
    NoRoute = NO_ROUTE: error(
        "No route has this method and path (any path this document does not list)",
        &[(ErrorCode::NoRoute, "no such endpoint")],
        &[],
    );
    /// `405 method_not_allowed`: the path exists, the method does not.
    MethodNotAllowed = METHOD_NOT_ALLOWED: error(
        "The path exists, the method does not (any method this document does not list for a \
         path); answered before authentication",
        &[(
            ErrorCode::MethodNotAllowed,
            "this path does not take this method; see the Allow header",
        )],
        &[("Allow", "The methods the path takes")],
    );
    /// `409 email_taken`.
    EmailTaken = EMAIL_TAKEN: error(
        "An account already has this address (compared case-insensitively)",
        &[(ErrorCode::EmailTaken, "email: an account with this address exists")],
        &[],
    );
    /// `410 gone`.
    Gone = GONE: error(
        "The share link or signed link has expired",
        &[(ErrorCode::Gone, "this link has expired; ask for a new one")],
        &[],
    );
    /// `413`: over the size limit or the storage quota.
    TooLarge = TOO_LARGE: error(
        "The upload is over `gateway.max_upload_bytes`, or would take the account over its \
         storage quota",
        &[
            (ErrorCode::TooLarge, "upload exceeds the limit of 2147483648 bytes"),
            (
                ErrorCode::StorageQuotaExceeded,
                "storage quota: 990000000 of 1000000000 bytes in use; delete files or ask for \
                 a larger quota",
            ),
        ],
        &[],
    );
    /// `415 unsupported_media_type`.
    UnsupportedMediaType = UNSUPPORTED_MEDIA_TYPE: error(
        "The work asked for cannot apply to the sniffed type (`convert` on an image, \
         `thumbnails` on audio), or this server keeps media only",
        &[(ErrorCode::UnsupportedMediaType, "convert applies to audio and video; this is image/jpeg")],
        &[],
    );
    /// `416 range_not_satisfiable`.
    RangeNotSatisfiable = RANGE_NOT_SATISFIABLE: error(
        "The `Range` lies outside the file",
        &[(ErrorCode::RangeNotSatisfiable, "the file has 2481532 bytes")],
        &[("Content-Range", "`bytes */LENGTH`")],
    );
    /// `422 invalid_parameter`.
    InvalidParameter = INVALID_PARAMETER: error(
        "A malformed or out-of-range parameter, form field or JSON body; the message names it",
        &[(ErrorCode::InvalidParameter, "limit: must be a number from 1 to 200")],
        &[],
    );
    /// `429 rate_limited`.
    RateLimited = RATE_LIMITED: error(
        "Too many requests of this kind from this client",
        &[(ErrorCode::RateLimited, "too many uploads from this client; retry in 1 s")],
        &[RETRY_AFTER],
    );
    /// `429 transfer_quota_exceeded`.
    TransferQuotaExceeded = TRANSFER_QUOTA_EXCEEDED: error(
        "The account's monthly transfer quota is used up, until the month turns",
        &[(
            ErrorCode::TransferQuotaExceeded,
            "monthly transfer quota: 10000000000 of 10000000000 bytes used this month",
        )],
        &[RETRY_AFTER],
    );
    /// `429` on uploads: either limit.
    UploadLimited = UPLOAD_LIMITED: error(
        "Too many uploads from this client, or the monthly transfer quota is used up",
        &[
            (ErrorCode::RateLimited, "too many uploads from this client; retry in 1 s"),
            (
                ErrorCode::TransferQuotaExceeded,
                "monthly transfer quota: 10000000000 of 10000000000 bytes used this month",
            ),
        ],
        &[RETRY_AFTER],
    );
    /// `503 unavailable`.
    Unavailable = UNAVAILABLE: error(
        "The store, blob store or broker is away; retry later",
        &[(ErrorCode::Unavailable, "storage is temporarily unavailable; retry later")],
        &[RETRY_AFTER],
    );
    /// `507 insufficient_storage`.
    InsufficientStorage = INSUFFICIENT_STORAGE: error(
        "The server's disk is below `gateway.min_free_bytes` free: uploads wait until space \
         is freed (deletes still work)",
        &[(
            ErrorCode::InsufficientStorage,
            "the server is low on disk space; uploads resume once space is freed",
        )],
        &[RETRY_AFTER],
    );
    /// `200`: a whole file.
    FileBytes = FILE_BYTES: bytes(
        "The file's bytes: passive types (images, audio, video, plain text) as themselves, \
         anything a browser could run as `application/octet-stream`",
        false,
    );
    /// `206`: one range of a file.
    PartialBytes = PARTIAL_BYTES: bytes("The requested `Range` of the file's bytes", true);
    /// `304`: the client's copy is current.
    NotModified = NOT_MODIFIED: {
        let (name, h) = header("ETag", "The file's SHA-256, quoted");
        ResponseBuilder::new()
            .description("`If-None-Match` names the file's `ETag`: the client's copy is current")
            .header(name, h)
            .build()
    };
}
