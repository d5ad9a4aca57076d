//! Kiln's HTTP gateway: accepts uploads, records and publishes their jobs,
//! reports job status and serves files. It does no media work itself.

#[doc(hidden)] // public for the fuzz target, not an API of the gateway
pub mod access_log;
mod admin;
pub mod auth;
mod cors;
mod dedupe;
mod disk;
mod error;
mod events;
mod filename;
mod files;
mod health;
mod history;
mod jobs;
pub mod library;
pub mod metrics;
mod openapi;
mod outbox;
#[doc(hidden)] // public for the fuzz target, not an API of the gateway
pub mod range;
mod rate_limit;
mod retry;
mod security_headers;
mod serve_safely;
pub mod server;
mod sniff;
mod upload;
mod upload_params;
mod usage;
mod views;
mod web;

pub use cors::CorsConfig;
pub use error::ApiError;
pub use health::{BrokerNeeded, live, readiness};
// The API's documents, under the names the gateway has always exported.
pub use kiln_proto::api::{JobOutput as OutputView, JobView};
pub use outbox::{relay_once, run_outbox_relay};
pub use server::{ConnectionLimits, serve};
pub use usage::QuotaDefaults;

pub use auth::Caller;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use kiln_core::{Backends, RateLimit};
use kiln_proto::ImageFormat;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Gateway settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// Largest upload accepted, in bytes (default 2 GiB).
    pub max_upload_bytes: u64,
    /// Thumbnail sizes when the client names none.
    pub default_sizes: Vec<u32>,
    /// Thumbnail formats when the client names none.
    pub default_formats: Vec<ImageFormat>,
    /// Uploads per client (token bucket; `per_second = 0` turns it off).
    pub upload_rate_limit: RateLimit,
    /// Whether uploads from this machine (a loopback address) count
    /// against `upload_rate_limit` too. Unset: not under `kiln serve` with
    /// accounts off (the local user's own batch is never refused), yes
    /// everywhere else.
    pub limit_local_uploads: Option<bool>,
    /// Sign-ups and sign-ins per client (default 10 at once, then one every
    /// 6 s), against password guessing.
    pub sign_in_rate_limit: RateLimit,
    /// Identify clients by the first `X-Forwarded-For` hop (only behind a
    /// proxy that sets it; otherwise clients could pick their own identity).
    pub trust_forwarded_for: bool,
    /// Quotas of accounts without their own.
    pub quotas: QuotaDefaults,
    /// Most thumbnail sizes one upload may ask for (default 8); each size
    /// is rendered in every requested format.
    pub max_thumbnail_sizes: usize,
    /// Header and body timeouts, connection caps (`[gateway.connections]`).
    pub connections: ConnectionLimits,
    /// Bytes the blob store's disk must keep free (default 256 MiB): below
    /// it uploads answer `507` and `/readyz` is unready, so deletes and job
    /// results still find room.
    pub min_free_bytes: u64,
    /// Longest lifetime of a signed download link, seconds (default 7 days).
    pub max_link_secs: u64,
    /// Lifetime of a web app sign-in (its session cookie), seconds
    /// (default 7 days).
    pub session_ttl_secs: u64,
    /// Which other origins may call the API from a browser
    /// (`[gateway.cors]`; none by default).
    pub cors: CorsConfig,
    /// Which uploads are kept: `any` type (default), or only `media`
    /// (images, audio, video; anything else is refused with `415`).
    pub accept_uploads: AcceptUploads,
    /// Accounts and sign-in (set from the top-level `auth` settings, not
    /// from this section).
    #[serde(skip)]
    pub auth: auth::AuthConfig,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            default_sizes: vec![256, 1024],
            default_formats: vec![ImageFormat::Jpeg],
            upload_rate_limit: RateLimit::default(),
            limit_local_uploads: None,
            sign_in_rate_limit: RateLimit {
                per_second: 1.0 / 6.0,
                burst: 10,
            },
            trust_forwarded_for: false,
            quotas: QuotaDefaults::default(),
            max_thumbnail_sizes: 8,
            connections: ConnectionLimits::default(),
            min_free_bytes: 256 * 1024 * 1024,
            max_link_secs: 7 * 24 * 3600,
            session_ttl_secs: 7 * 24 * 3600,
            cors: CorsConfig::default(),
            accept_uploads: AcceptUploads::Any,
            auth: auth::AuthConfig::default(),
        }
    }
}

/// Which sniffed types an upload may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AcceptUploads {
    /// Any bytes: whatever is not a passive type is only ever served as an
    /// `application/octet-stream` attachment.
    Any,
    /// Images, audio and video only.
    Media,
}

impl AcceptUploads {
    /// `Ok` if content of (sniffed) type `mime` may be kept, else why not.
    pub fn accepts(self, mime: &str) -> Result<(), String> {
        let media = ["image/", "audio/", "video/"]
            .iter()
            .any(|p| mime.starts_with(p))
            || mime == "application/ogg";
        match self {
            AcceptUploads::Media if !media => Err(format!(
                "this server keeps images, audio and video only; the upload is {mime}"
            )),
            _ => Ok(()),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Stores, broker, event bus, rate limiter: as traits.
    pub backends: Backends,
    /// Signs and verifies access tokens.
    pub tokens: auth::TokenSigner,
    /// Signs and checks download links (`/d/{id}`).
    pub links: kiln_core::LinkSigner,
    /// Renders the process's metrics for `GET /metrics`.
    pub metrics: kiln_core::metrics::RenderMetrics,
    /// Settings.
    pub config: Arc<GatewayConfig>,
}

/// The gateway's routes. Everything under `/v1` but sign-up and sign-in
/// goes through [`auth::authenticate`] (which lets every request through,
/// as [`auth::Caller::Anyone`], when auth is off). Authentication is
/// layered on each route's methods, not on the route, so a wrong method is
/// a `405` for everyone rather than a `401` first.
pub fn router(state: AppState) -> Router {
    let cors = state.config.cors.layer().ok().flatten();
    let app = routes(state.clone()).merge(web::routes(state));
    // Outermost, so a preflight is answered before routing and auth.
    match cors {
        Some(layer) => app.layer(layer),
        None => app,
    }
}

fn routes(state: AppState) -> Router {
    use axum::middleware::from_fn_with_state;
    use openapi::accounts;
    use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
    use utoipa_axum::routes;
    // Each helper layers its middleware on the methods and documents what
    // that middleware answers, so the document cannot miss one.
    let auth = |r: openapi::Routes| {
        openapi::secured(r)
            .map(|m| m.route_layer(from_fn_with_state(state.clone(), auth::authenticate)))
    };
    let sign_in = |r: openapi::Routes| {
        openapi::rate_limited(r).map(|m| {
            m.route_layer(from_fn_with_state(
                state.clone(),
                rate_limit::limit_sign_ins,
            ))
        })
    };
    let uploads = openapi::rate_limited(routes!(upload::create)).map(|m| {
        m.layer(DefaultBodyLimit::disable())
            .route_layer(from_fn_with_state(state.clone(), rate_limit::limit_uploads))
    });
    // One `routes!` per path: it routes each handler on the path and
    // methods of its `#[utoipa::path]` annotation.
    let (router, api) = OpenApiRouter::with_openapi(openapi::base())
        .routes(auth(uploads))
        .routes(auth(routes!(jobs::list)))
        .routes(auth(routes!(jobs::get_one)))
        .routes(auth(routes!(events::stream)))
        .routes(auth(routes!(library::list::list)))
        .routes(auth(routes!(
            files::download,
            files::remove,
            library::patch::update
        )))
        .routes(auth(routes!(library::links::create)))
        .routes(auth(routes!(files::metadata)))
        .routes(auth(routes!(
            library::albums::list,
            library::albums::create
        )))
        .routes(auth(routes!(
            library::albums::get_one,
            library::albums::update,
            library::albums::remove
        )))
        .routes(auth(routes!(library::albums::add_files)))
        .routes(auth(routes!(library::albums::remove_file)))
        .routes(auth(routes!(
            library::shares::list,
            library::shares::create
        )))
        .routes(auth(routes!(library::shares::revoke)))
        // Public: the token or the signature is the credential.
        .routes(routes!(library::public::show))
        .routes(routes!(library::public::file))
        .routes(routes!(library::links::open))
        .routes(auth(routes!(accounts::list_keys, accounts::create_key)))
        .routes(auth(routes!(accounts::revoke_key)))
        .routes(auth(routes!(history::list)))
        .routes(auth(routes!(usage::get)))
        .routes(auth(routes!(accounts::me, accounts::update_me)))
        .routes(sign_in(routes!(accounts::signup)))
        .routes(sign_in(routes!(accounts::login)))
        // The web app's: a browser's session (the cookie is its credential,
        // so reading and ending it need none), many jobs' events, retries,
        // one upload's details.
        .routes(routes!(auth::session::show, auth::session::end))
        .routes(sign_in(routes!(auth::session::create)))
        .routes(auth(routes!(events::stream_many)))
        .routes(auth(routes!(retry::retry)))
        .routes(auth(routes!(admin::jobs::list)))
        .routes(auth(routes!(admin::jobs::counts)))
        .routes(auth(routes!(admin::jobs::retry_one)))
        .routes(auth(routes!(admin::jobs::retry_matching)))
        .routes(auth(routes!(
            admin::dead_letters::inspect,
            admin::dead_letters::purge
        )))
        .routes(auth(routes!(library::details::get)))
        .routes(routes!(metrics::serve))
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
        // The document and its page are public, as the API's shape is.
        .routes(routes!(openapi::document))
        .routes(routes!(openapi::docs::page))
        .routes(routes!(openapi::docs::file))
        .split_for_parts();
    router
        .fallback(error::fallback)
        .layer(axum::Extension(Arc::new(openapi::Document::new(&api))))
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(axum::middleware::from_fn(security_headers::api))
        .layer(axum::middleware::from_fn(metrics::http))
        .layer(axum::middleware::from_fn(access_log::layer))
        .with_state(state)
}
