//! The whole pipeline in one process: gateway, workers and outbox relay on
//! the embedded backends.

use crate::config::Config;
use anyhow::{Context, bail};
use kiln_adapters::embedded::{EmbeddedBroker, FsBlobStore, SqliteStore};
use kiln_adapters::{BlobStore, Broker, MetaStore};
use kiln_gateway::{AppState, relay_once, router, run_outbox_relay};
use kiln_proto::Role;
use kiln_workers::{Handler, JobContext, MetadataHandler, ThumbnailHandler, Worker, WorkerConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running single-process Kiln.
pub struct App {
    /// Where the gateway listens (useful with port 0).
    pub addr: SocketAddr,
    /// The embedded broker, for inspection (queue depth, dead letters).
    pub broker: EmbeddedBroker,
    workers: Vec<Arc<Worker>>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Whether [`start`] runs the workers in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    /// Consume queues continuously (normal operation).
    Background,
    /// Build them but leave processing to [`App::worker`] + `process_one`.
    Manual,
}

/// Opens the embedded backends under `config.data_dir` and starts everything.
pub async fn start(config: &Config, workers: Workers) -> anyhow::Result<App> {
    if config.store != "embedded" || config.broker != "embedded" {
        bail!(
            "kiln serve runs on the embedded backends only (store={:?}, broker={:?}); \
             production backends come with `kiln gateway` and `kiln worker`",
            config.store,
            config.broker
        );
    }
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    let blobs: Arc<dyn BlobStore> = Arc::new(
        FsBlobStore::open(dir.join("blobs"))
            .await
            .context("opening the blob store")?,
    );
    let store: Arc<dyn MetaStore> =
        Arc::new(SqliteStore::open(&dir.join("kiln.db")).context("opening the database")?);
    let embedded = EmbeddedBroker::open(&dir.join("queue.db")).context("opening the queue")?;
    let recovered = embedded.recover().await.context("recovering the queue")?;
    let broker: Arc<dyn Broker> = Arc::new(embedded.clone());
    // Jobs accepted but never handed to the queue (a crash between the two)
    // are published before anything else happens.
    let relayed = relay_once(store.as_ref(), broker.as_ref(), Duration::ZERO).await;
    if recovered + relayed as u64 > 0 {
        tracing::info!(recovered, relayed, "resuming jobs from the previous run");
    }

    let (shutdown, rx) = watch::channel(false);
    let state = AppState {
        blobs: blobs.clone(),
        store: store.clone(),
        broker: broker.clone(),
        config: Arc::new(config.gateway.clone()),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let mut tasks = Vec::new();
    let mut srx = rx.clone();
    tasks.push(tokio::spawn(async move {
        let stop = async move {
            let _ = srx.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, router(state))
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!(error = %e, "http server failed");
        }
    }));
    tasks.push(tokio::spawn(run_outbox_relay(
        store.clone(),
        broker.clone(),
        Duration::from_secs(5),
        rx.clone(),
    )));

    let ctx = JobContext { blobs, store };
    let worker_config = |concurrency: usize| WorkerConfig {
        concurrency,
        retry: config.retry,
        job_timeout: Duration::from_secs(config.job_timeout_secs),
        shutdown_grace: Duration::from_secs(config.shutdown_grace_secs),
    };
    let handlers: Vec<(Arc<dyn Handler>, usize)> = vec![
        (
            Arc::new(ThumbnailHandler::new(config.limits)),
            config.thumbnail_concurrency,
        ),
        (
            Arc::new(MetadataHandler::new(config.limits)),
            config.metadata_concurrency,
        ),
    ];
    let mut all = Vec::new();
    for (handler, concurrency) in handlers {
        let w = Worker::new(
            handler,
            ctx.clone(),
            broker.clone(),
            worker_config(concurrency),
        );
        if workers == Workers::Background {
            tasks.push(tokio::spawn(w.clone().run(rx.clone())));
        }
        all.push(w);
    }
    tracing::info!(%addr, data_dir = %dir.display(), "kiln is serving");
    Ok(App {
        addr,
        broker: embedded,
        workers: all,
        shutdown,
        tasks,
    })
}

impl App {
    /// The worker of `role`, to drive by hand in [`Workers::Manual`] mode.
    pub fn worker(&self, role: Role) -> Arc<Worker> {
        self.workers
            .iter()
            .find(|w| w.role() == role)
            .cloned()
            .expect("every role has a worker")
    }

    /// Stops taking requests and jobs, lets in-flight work finish (within the
    /// grace period) and returns when everything has stopped.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
