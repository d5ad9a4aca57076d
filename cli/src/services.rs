//! The building blocks of every deployable: the gateway (HTTP + outbox
//! relay), a worker of one role, and the probe server workers expose.

use crate::auth_config::GatewayMode;
use crate::config::Config;
use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use kiln_core::{Backends, LinkSigner};
use kiln_gateway::auth::TokenSigner;
use kiln_gateway::{AppState, readiness, router, run_outbox_relay};
use kiln_proto::Role;
use kiln_proto::api::{Liveness, LivenessStatus, Readiness};
use kiln_workers::{
    AnyHandler, ConvertHandler, Mailer, MetadataHandler, NotifyHandler, ThumbnailHandler,
    WorkBudget, Worker, WorkerConfig,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often the outbox relay looks for jobs the broker did not take.
const RELAY_INTERVAL: Duration = Duration::from_secs(5);

/// Binds `listen` and spawns the HTTP API and the outbox relay; both stop
/// when `shutdown` is cancelled (the server after finishing open requests).
pub async fn spawn_gateway(
    config: &Config,
    b: &Backends,
    mode: GatewayMode,
    shutdown: CancellationToken,
) -> anyhow::Result<(SocketAddr, Vec<JoinHandle<()>>)> {
    let mut gateway = config.gateway.clone();
    gateway.auth = crate::auth_config::resolve(
        config.auth,
        config.jwt_secret.as_ref(),
        config.token_ttl_secs,
        &config.admin_emails,
        mode,
    )?;
    if gateway.auth.enabled && gateway.auth.jwt_secret.is_none() {
        tracing::warn!(
            "no KILN_JWT_SECRET: access tokens are signed with a random key and end with this process"
        );
    }
    if !gateway.auth.enabled {
        let has_users = b
            .accounts
            .has_users()
            .await
            .context("looking for accounts")?;
        if has_users && !config.auth_off_exposes_all_accounts {
            anyhow::bail!(
                "accounts are off but the store holds accounts: every account's files would be \
                 open to anyone. Start with KILN_AUTH=on, or, if that is really meant, with \
                 KILN_AUTH_OFF_EXPOSES_ALL_ACCOUNTS=true"
            );
        }
        if has_users {
            tracing::warn!(
                "ACCOUNTS ARE OFF on a store with accounts: anyone can read, change and delete every account's files"
            );
        }
    }
    // One person's own machine: their batch is not theirs to be refused.
    let single_user = mode == GatewayMode::SingleProcess && !gateway.auth.enabled;
    gateway.limit_local_uploads.get_or_insert(!single_user);
    let mode_name = if gateway.auth.enabled {
        "on: requests need a token or API key"
    } else {
        "off: anyone who can reach the gateway can use it (single-user mode)"
    };
    tracing::info!(auth = gateway.auth.enabled, "accounts {mode_name}");
    // A mistyped origin is refused now, not ignored on every request.
    gateway.cors.layer().map_err(anyhow::Error::msg)?;
    let tokens = TokenSigner::new(
        gateway.auth.jwt_secret.as_deref(),
        gateway.auth.token_ttl_secs,
    );
    let state = AppState {
        backends: b.clone(),
        tokens,
        links: link_signer(config)?,
        metrics: crate::telemetry::metrics(),
        config: Arc::new(gateway),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let limits = state.config.connections;
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let http = tokio::spawn(kiln_gateway::serve(
        listener,
        router(state),
        limits,
        shutdown.clone(),
        grace,
    ));
    let relay = tokio::spawn(run_outbox_relay(
        b.clone(),
        RELAY_INTERVAL,
        job_lease(config),
        shutdown,
    ));
    Ok((addr, vec![http, relay]))
}

/// The key of signed download links (`/d/{id}`): derived from
/// `KILN_JWT_SECRET` when set, which every gateway replica and notify
/// worker then shares; else, on the embedded store, a random key kept in
/// the data directory (so links survive a restart of `kiln serve`); else a
/// random key that ends with the process.
pub fn link_signer(config: &Config) -> anyhow::Result<LinkSigner> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(LinkSigner::new(secret.0.as_bytes()));
    }
    if matches!(config.store, crate::config::StoreConfig::Embedded {}) {
        let path = config.data_dir.join("link-secret");
        let key = match std::fs::read_to_string(&path) {
            Ok(k) if k.trim().len() >= 32 => k,
            _ => {
                let k = random_key();
                write_private(&path, &k).with_context(|| format!("writing {}", path.display()))?;
                k
            }
        };
        return Ok(LinkSigner::new(key.trim().as_bytes()));
    }
    tracing::warn!(
        "no KILN_JWT_SECRET: download links are signed with a random key and stop working with this process"
    );
    Ok(LinkSigner::new(random_key().as_bytes()))
}

/// 256 random bits, as hex.
fn random_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// How long a started job may go without news before it is queued again:
/// longer than any attempt may run (its time limit, then the wait for it to
/// stop) plus the longest retry delay, so only lost jobs are requeued.
pub fn job_lease(config: &Config) -> Duration {
    let longest = Role::ALL
        .iter()
        .map(|r| config.job_timeout(*r))
        .max()
        .unwrap_or_default();
    longest
        + kiln_workers::STOP_WAIT
        + Duration::from_millis(config.retry.max_delay_ms)
        + Duration::from_secs(60)
}

/// A worker for `role` with `concurrency` jobs at a time.
pub fn build_worker(
    config: &Config,
    b: &Backends,
    role: Role,
    concurrency: usize,
) -> anyhow::Result<Arc<Worker>> {
    let handler: Arc<dyn AnyHandler> = match role {
        Role::Thumbnail => Arc::new(ThumbnailHandler::new(
            config.limits,
            config.thumbnails,
            WorkBudget::new(
                config.workers.max_output_bytes_per_job,
                config.workers.decode_memory_bytes,
                config.gateway.quotas.storage_bytes,
            ),
        )),
        Role::Metadata => Arc::new(MetadataHandler::new(config.limits)),
        Role::Convert => Arc::new(ConvertHandler::new(config.media.clone())),
        Role::Notify => Arc::new(NotifyHandler::new(
            Mailer::new(&config.notify_settings())
                .map_err(anyhow::Error::msg)?
                .with_signed_links(
                    link_signer(config)?,
                    Duration::from_secs(config.gateway.max_link_secs),
                ),
        )),
    };
    Ok(Worker::new(
        handler,
        b.clone(),
        WorkerConfig {
            concurrency,
            retry: config.retry,
            job_timeout: Some(config.job_timeout(role)),
            shutdown_grace: Duration::from_secs(config.shutdown_grace_secs),
        },
    ))
}

/// What the probe server answers from.
#[derive(Clone)]
struct Probes {
    backends: Backends,
    min_free_bytes: u64,
    role: kiln_proto::Role,
    metrics: kiln_core::metrics::RenderMetrics,
    worker: Arc<Worker>,
}

/// Serves `/healthz` (`worker` makes progress: no delivery held past its
/// time limit, see [`kiln_workers::SETTLE_GRACE`]), `/readyz` (its broker,
/// store and blob store answer) and `/metrics` (the process's metrics,
/// with its role's queue depth) on `listen`, until `shutdown`.
pub async fn spawn_probes(
    listen: SocketAddr,
    b: &Backends,
    min_free_bytes: u64,
    worker: Arc<Worker>,
    shutdown: CancellationToken,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let role = worker.role();
    let app = Router::new()
        .route("/healthz", get(worker_live))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .with_state(Probes {
            backends: b.clone(),
            min_free_bytes,
            role,
            metrics: crate::telemetry::metrics(),
            worker,
        });
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding the probe port {listen}"))?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
        {
            tracing::error!(error = %e, "probe server failed");
        }
    });
    Ok((addr, task))
}

async fn worker_live(State(p): State<Probes>) -> (StatusCode, axum::Json<Liveness>) {
    match p.worker.stuck() {
        None => (StatusCode::OK, axum::Json(Liveness::default())),
        Some(stuck) => {
            tracing::error!(%stuck, "worker stuck: liveness fails so that it is restarted");
            let body = Liveness {
                status: LivenessStatus::Stuck,
                stuck: Some(stuck.to_string()),
            };
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body))
        }
    }
}

async fn ready(State(p): State<Probes>) -> (StatusCode, axum::Json<Readiness>) {
    let b = &p.backends;
    readiness(
        b.blobs.as_ref(),
        b.store.as_ref(),
        b.broker.as_ref(),
        p.min_free_bytes,
        kiln_gateway::BrokerNeeded::Yes,
    )
    .await
}

async fn metrics(State(p): State<Probes>) -> axum::response::Response {
    let text = kiln_gateway::metrics::scrape(&p.backends, &[p.role], &p.metrics).await;
    kiln_gateway::metrics::text_response(text)
}
