//! Kiln's HTTP gateway: accepts uploads, records and publishes their jobs,
//! reports job status and serves files. It does no media work itself.

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
mod outbox;
#[doc(hidden)] // public for the fuzz target, not an API of the gateway
pub mod range;
mod rate_limit;
mod security_headers;
mod serve_safely;
pub mod server;
mod sniff;
mod upload;
mod upload_params;
mod usage;
mod views;

pub use cors::CorsConfig;
pub use error::ApiError;
pub use health::{live, readiness};
// The API's documents, under the names the gateway has always exported.
pub use kiln_proto::api::{JobOutput as OutputView, JobView};
pub use outbox::{relay_once, run_outbox_relay};
pub use server::{ConnectionLimits, serve};
pub use usage::QuotaDefaults;

pub use auth::Caller;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, delete, get, post};
use kiln_core::{Backends, RateLimit};
use kiln_proto::ImageFormat;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tower_http::trace::TraceLayer;

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
    let app = routes(state);
    // Outermost, so a preflight is answered before routing and auth.
    match cors {
        Some(layer) => app.layer(layer),
        None => app,
    }
}

fn routes(state: AppState) -> Router {
    let auth = |methods: MethodRouter<AppState>| {
        methods.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
    };
    let uploads = post(upload::create)
        .layer(DefaultBodyLimit::disable())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit_uploads,
        ));
    let sign_in = |methods: MethodRouter<AppState>| {
        methods.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit_sign_ins,
        ))
    };
    Router::new()
        .route("/v1/uploads", auth(uploads))
        .route("/v1/jobs", auth(get(jobs::list)))
        .route("/v1/jobs/{id}", auth(get(jobs::get_one)))
        .route("/v1/jobs/{id}/events", auth(get(events::stream)))
        .route("/v1/files", auth(get(library::list::list)))
        .route(
            "/v1/files/{id}",
            auth(
                get(files::download)
                    .delete(files::remove)
                    .patch(library::patch::update),
            ),
        )
        .route("/v1/files/{id}/links", auth(post(library::links::create)))
        .route(
            "/v1/albums",
            auth(get(library::albums::list).post(library::albums::create)),
        )
        .route(
            "/v1/albums/{id}",
            auth(
                get(library::albums::get_one)
                    .patch(library::albums::update)
                    .delete(library::albums::remove),
            ),
        )
        .route(
            "/v1/albums/{id}/files",
            auth(post(library::albums::add_files)),
        )
        .route(
            "/v1/albums/{id}/files/{file_id}",
            auth(delete(library::albums::remove_file)),
        )
        .route(
            "/v1/shares",
            auth(get(library::shares::list).post(library::shares::create)),
        )
        .route("/v1/shares/{id}", auth(delete(library::shares::revoke)))
        // Public: the token or the signature is the credential.
        .route("/s/{token}", get(library::public::show))
        .route("/s/{token}/files/{file_id}", get(library::public::file))
        .route("/d/{id}", get(library::links::open))
        .route("/v1/files/{id}/metadata", auth(get(files::metadata)))
        .route(
            "/v1/api-keys",
            auth(get(auth::list_keys).post(auth::create_key)),
        )
        .route("/v1/api-keys/{id}", auth(delete(auth::revoke_key)))
        .route("/v1/history", auth(get(history::list)))
        .route("/v1/usage", auth(get(usage::get)))
        .route("/v1/me", auth(get(auth::me::get).patch(auth::me::update)))
        .route("/v1/auth/signup", sign_in(post(auth::signup)))
        .route("/v1/auth/login", sign_in(post(auth::login)))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .fallback(error::fallback)
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(axum::middleware::from_fn(security_headers::api))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
