//! Kiln's HTTP gateway: accepts uploads, records and publishes their jobs,
//! reports job status and serves files. It does no media work itself.

pub mod auth;
mod error;
mod events;
mod files;
mod health;
mod history;
mod jobs;
mod outbox;
#[doc(hidden)] // public for the fuzz target, not an API of the gateway
pub mod range;
mod rate_limit;
mod serve_safely;
mod sniff;
mod upload;
mod upload_params;
mod usage;
mod views;

pub use error::ApiError;
pub use health::{live, readiness};
// The API's documents, under the names the gateway has always exported.
pub use kiln_proto::api::{JobOutput as OutputView, JobView};
pub use outbox::{relay_once, run_outbox_relay};
pub use usage::QuotaDefaults;

pub use auth::Caller;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
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
            auth: auth::AuthConfig::default(),
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
    /// Settings.
    pub config: Arc<GatewayConfig>,
}

/// The gateway's routes. Everything under `/v1` but sign-up and sign-in
/// goes through [`auth::authenticate`] (which lets every request through,
/// as [`auth::Caller::Anyone`], when auth is off).
pub fn router(state: AppState) -> Router {
    let authenticated = Router::new()
        .route(
            "/v1/uploads",
            post(upload::create)
                .layer(DefaultBodyLimit::disable())
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    rate_limit::limit_uploads,
                )),
        )
        .route("/v1/jobs", get(jobs::list))
        .route("/v1/jobs/{id}", get(jobs::get_one))
        .route("/v1/jobs/{id}/events", get(events::stream))
        .route("/v1/files/{id}", get(files::download).delete(files::remove))
        .route("/v1/files/{id}/metadata", get(files::metadata))
        .route("/v1/api-keys", get(auth::list_keys).post(auth::create_key))
        .route("/v1/api-keys/{id}", delete(auth::revoke_key))
        .route("/v1/history", get(history::list))
        .route("/v1/usage", get(usage::get))
        .route("/v1/me", get(auth::me::get).patch(auth::me::update))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ));
    let sign_in = Router::new()
        .route("/v1/auth/signup", post(auth::signup))
        .route("/v1/auth/login", post(auth::login))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit_sign_ins,
        ));
    Router::new()
        .merge(authenticated)
        .merge(sign_in)
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .fallback(error::fallback)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
