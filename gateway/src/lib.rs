//! Kiln's HTTP gateway: accepts uploads, records and publishes their jobs,
//! reports job status and serves files. It does no media work itself.

mod error;
mod events;
mod files;
mod health;
mod jobs;
mod outbox;
mod rate_limit;
mod sniff;
mod upload;
mod upload_params;
mod views;

pub use error::ApiError;
pub use health::readiness;
pub use outbox::{publish_jobs, relay_once, run_outbox_relay};
pub use views::{JobView, OutputView};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use kiln_adapters::{BlobStore, Broker, EventBus, MetaStore, RateLimit, RateLimiter};
use kiln_proto::ImageFormat;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// Gateway settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct GatewayConfig {
    /// Largest upload accepted, in bytes (default 2 GiB).
    pub max_upload_bytes: u64,
    /// Thumbnail sizes when the client names none.
    pub default_sizes: Vec<u32>,
    /// Thumbnail formats when the client names none.
    pub default_formats: Vec<ImageFormat>,
    /// Uploads per client (token bucket; `per_second = 0` turns it off).
    pub upload_rate_limit: RateLimit,
    /// Identify clients by the first `X-Forwarded-For` hop (only behind a
    /// proxy that sets it; otherwise clients could pick their own identity).
    pub trust_forwarded_for: bool,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            default_sizes: vec![256, 1024],
            default_formats: vec![ImageFormat::Jpeg],
            upload_rate_limit: RateLimit::default(),
            trust_forwarded_for: false,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// File bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Files, jobs, metadata.
    pub store: Arc<dyn MetaStore>,
    /// Where jobs are published.
    pub broker: Arc<dyn Broker>,
    /// Live job status changes.
    pub events: Arc<dyn EventBus>,
    /// Per-client request limits.
    pub limiter: Arc<dyn RateLimiter>,
    /// Settings.
    pub config: Arc<GatewayConfig>,
}

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
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
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .fallback(error::fallback)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
