//! The whole pipeline in one process: gateway, outbox relay and a worker per
//! role, on whatever backends the configuration names (embedded by default).

use crate::backends::{Opened, Scope};
use crate::config::Config;
use crate::services::{build_worker, spawn_gateway};
use anyhow::Context;
use kiln_adapters::embedded::EmbeddedBroker;
use kiln_core::Backends;
use kiln_gateway::relay_once;
use kiln_proto::Role;
use kiln_workers::Worker;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running single-process Kiln.
pub struct App {
    /// Where the gateway listens (useful with port 0).
    pub addr: SocketAddr,
    /// The backends it runs on.
    pub backends: Backends,
    embedded_broker: Option<EmbeddedBroker>,
    workers: Vec<Arc<Worker>>,
    shutdown: CancellationToken,
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

/// Opens the configured backends and starts everything.
pub async fn start(config: &Config, workers: Workers) -> anyhow::Result<App> {
    let Opened {
        backends,
        embedded_broker,
    } = Opened::open(config, Scope::SingleProcess).await?;
    // Jobs accepted but never handed to the queue (a crash between the two)
    // are published before anything else happens.
    let relayed = relay_once(
        backends.store.as_ref(),
        backends.broker.as_ref(),
        Duration::ZERO,
    )
    .await;
    if relayed > 0 {
        tracing::info!(relayed, "published jobs left over from the previous run");
    }
    let shutdown = CancellationToken::new();
    let (addr, mut tasks) = spawn_gateway(
        config,
        &backends,
        crate::auth_config::GatewayMode::SingleProcess,
        shutdown.clone(),
    )
    .await
    .context("starting the gateway")?;
    let mut all = Vec::new();
    for role in Role::ALL {
        let w = build_worker(config, &backends, role, config.concurrency(role))?;
        if workers == Workers::Background {
            tasks.push(tokio::spawn(w.clone().run(shutdown.clone())));
        }
        all.push(w);
    }
    tracing::info!(%addr, store = config.store.kind(), broker = config.broker.kind(), "kiln is serving");
    Ok(App {
        addr,
        backends,
        embedded_broker,
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

    /// The in-process queue (queue depth, dead letters), when it is the broker.
    pub fn embedded_broker(&self) -> &EmbeddedBroker {
        self.embedded_broker
            .as_ref()
            .expect("this app runs on the embedded broker")
    }

    /// Stops taking requests and jobs, lets in-flight work finish (within the
    /// grace period) and returns when everything has stopped.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        for t in self.tasks {
            let _ = t.await;
        }
        self.backends.broker.close().await;
    }
}
