//! The OpenAPI 3.1 document of the gateway, served at `GET /openapi.json`,
//! and its Swagger UI at `GET /docs`.
//!
//! Each route's path, parameters, body and responses come from the
//! `#[utoipa::path]` annotation on its handler, and [`crate::routes`]
//! registers handlers with `utoipa_axum::routes!`, which routes each one on
//! the path and methods of its annotation: the router and the document are
//! made from the same source and cannot drift. What the layers add (who must
//! send credentials, which routes are rate-limited) is documented by the
//! helpers here that the router wraps those routes in, for the same reason.
//! This file holds what belongs to no single route: info, servers, tags,
//! security schemes and the reusable responses.

pub(crate) mod accounts;
pub(crate) mod bodies;
pub(crate) mod docs;
pub(crate) mod responses;

use crate::AppState;
use axum::Extension;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kiln_proto::JobEvent;
use kiln_proto::api::{Credentials, ErrorBody, ErrorCode, ErrorDetail, NewApiKey, NewLink};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, PathItem, Paths};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa_axum::router::UtoipaMethodRouter;

/// The security schemes an authenticated route accepts (either one).
const SCHEMES: [&str; 3] = ["bearer", "api_key", "session"];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kiln",
        description = include_str!("openapi/description.md"),
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "/", description = "this gateway")),
    tags(
        (name = "uploads", description = "Files in, jobs out"),
        (name = "jobs", description = "What became of an upload's work"),
        (name = "files", description = "Uploads and outputs: bytes, metadata, the library"),
        (name = "albums", description = "Named, ordered sets of the caller's files"),
        (name = "shares", description = "Links that show files or albums to people without an account"),
        (name = "public", description = "What share links and signed links open, with no credentials"),
        (name = "accounts", description = "Sign-up, sign-in, API keys, the caller's account, history and usage"),
        (name = "admin", description = "For operators: every account's jobs, re-runs of dead jobs, dead-letter queues"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "docs", description = "This document and its browsable page"),
    ),
    // Schemas only referenced by name (optional bodies, errors, events).
    components(schemas(ErrorBody, ErrorDetail, ErrorCode, JobEvent, NewApiKey, NewLink, Credentials)),
    modifiers(&Components),
)]
struct Base;

/// Adds what the derive cannot express: the security schemes and the
/// reusable error responses.
struct Components;

impl utoipa::Modify for Components {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        let bearer = |description: &str, format: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(format)
                    .description(Some(description))
                    .build(),
            )
        };
        c.add_security_scheme(
            SCHEMES[0],
            bearer(
                "An access token from `POST /v1/auth/login`, as `Authorization: Bearer TOKEN`; \
                 it expires (see `expires_at`).",
                "JWT",
            ),
        );
        c.add_security_scheme(
            SCHEMES[1],
            bearer(
                "An API key from `POST /v1/api-keys` (`kiln_` and 40 characters), also as \
                 `Authorization: Bearer KEY`; it works until revoked.",
                "kiln_ API key",
            ),
        );
        c.add_security_scheme(
            SCHEMES[2],
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                kiln_proto::api::SESSION_COOKIE,
                "The web app's session cookie, set by `POST /v1/auth/session` (`HttpOnly`). \
                 A `POST`, `PUT`, `PATCH` or `DELETE` it authenticates must also send the \
                 session's `csrf_token` as `X-CSRF-Token`, else `403`.",
            ))),
        );
        c.responses.extend(responses::all());
    }
}

/// The document's parts that belong to no route.
pub(crate) fn base() -> utoipa::openapi::OpenApi {
    let mut api = Base::openapi();
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api
}

/// Every operation of `paths`.
fn operations(paths: &mut Paths) -> impl Iterator<Item = &mut Operation> {
    paths.paths.values_mut().flat_map(|item: &mut PathItem| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
    })
}

/// Adds `status` answered with the reusable response `name`, unless the
/// operation documents that status itself.
fn add_response(op: &mut Operation, status: &str, name: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

/// Documents routes that [`crate::auth::authenticate`] guards: any scheme,
/// `401` without a valid one, and for changes `403` when the session cookie
/// comes without its CSRF token.
pub(crate) fn secured<S>(mut r: UtoipaMethodRouter<S>) -> UtoipaMethodRouter<S> {
    for op in operations(&mut r.1) {
        op.security = Some(
            SCHEMES
                .iter()
                .map(|s| SecurityRequirement::new(*s, Vec::<String>::new()))
                .collect(),
        );
        add_response(op, "401", responses::UNAUTHORIZED);
    }
    // A change by a session cookie without its CSRF token.
    for item in r.1.paths.values_mut() {
        for op in [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            add_response(op, "403", responses::CSRF_MISSING);
        }
    }
    r
}

/// Documents routes behind a per-client rate limit: `429`.
pub(crate) fn rate_limited<S>(mut r: UtoipaMethodRouter<S>) -> UtoipaMethodRouter<S> {
    for op in operations(&mut r.1) {
        add_response(op, "429", responses::RATE_LIMITED);
    }
    r
}

/// The document as served, serialised once.
#[derive(Clone)]
pub(crate) struct Document(Bytes);

impl Document {
    /// Serialises `api`.
    pub(crate) fn new(api: &utoipa::openapi::OpenApi) -> Document {
        // Serialising plain data into memory does not fail; an empty
        // document would show at once in the tests.
        Document(Bytes::from(serde_json::to_vec(api).unwrap_or_default()))
    }
}

/// The OpenAPI document of this gateway
///
/// Every route, parameter, body, response and error code, generated from
/// the handlers and types that serve them.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "docs",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json",
         body = Object),
    ),
)]
pub(crate) async fn document(Extension(doc): Extension<Arc<Document>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc.0.clone(),
    )
        .into_response()
}

/// Every route registered with [`crate::routes`], for the state type.
pub(crate) type Routes = UtoipaMethodRouter<AppState>;
