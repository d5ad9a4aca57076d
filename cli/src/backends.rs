//! Opening the configured backends: embedded or production.

use crate::config::{BrokerConfig, Config, StoreConfig};
use anyhow::{Context, bail};
use kiln_adapters::embedded::{
    EmbeddedBroker, FsBlobStore, LocalEventBus, LocalRateLimiter, SqliteStore,
};
use kiln_adapters::kafka::KafkaBroker;
use kiln_adapters::rabbitmq::RabbitBroker;
use kiln_core::{
    AccountStore, Backends, BlobStore, Broker, EventBus, Library, MetaStore, RateLimiter,
};
use kiln_proto::Names;
use std::sync::Arc;

/// The backends a configuration names, opened.
pub struct Opened {
    /// Every backend, as the traits the gateway and the workers see.
    pub backends: Backends,
    /// The in-process queue, when that is the broker (for inspection).
    pub embedded_broker: Option<EmbeddedBroker>,
}

/// Where a backend set will run: the in-process queue only works when every
/// role runs in the same process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `kiln serve`: everything in one process.
    SingleProcess,
    /// `kiln gateway` / `kiln worker`: one of several processes.
    Service,
}

impl Opened {
    /// Opens the backends `config` names.
    pub async fn open(config: &Config, scope: Scope) -> anyhow::Result<Opened> {
        let names = Names::new(config.namespace.clone());
        let needs_dir = matches!(config.store, StoreConfig::Embedded {})
            || matches!(config.broker, BrokerConfig::Embedded {});
        if needs_dir {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!("creating data directory {}", config.data_dir.display())
            })?;
        }
        let dir = &config.data_dir;
        type Stores = (
            Arc<dyn BlobStore>,
            Arc<dyn MetaStore>,
            Arc<dyn AccountStore>,
            Arc<dyn Library>,
        );
        let (blobs, store, accounts, library): Stores = match &config.store {
            StoreConfig::Embedded {} => {
                let db = SqliteStore::open(&dir.join("kiln.db")).context("opening the database")?;
                (
                    Arc::new(
                        FsBlobStore::open(dir.join("blobs"))
                            .await
                            .context("opening the blob store")?,
                    ),
                    Arc::new(db.clone()),
                    Arc::new(db.clone()),
                    Arc::new(db),
                )
            }
            StoreConfig::Mongodb(m) => {
                let (blobs, store) =
                    kiln_adapters::mongo::connect(m.uri.expose(), &m.database, m.create_indexes)
                        .await
                        .context("connecting to MongoDB")?;
                (
                    Arc::new(blobs),
                    Arc::new(store.clone()),
                    Arc::new(store.clone()),
                    Arc::new(store),
                )
            }
        };
        let (broker, embedded_broker): (Arc<dyn Broker>, _) = match &config.broker {
            BrokerConfig::Embedded {} if scope == Scope::Service => bail!(
                "the embedded queue lives inside one process; separate services need \
                 broker.kind = rabbitmq (KILN_BROKER=rabbitmq, KILN_AMQP_URL=...), or use `kiln serve`"
            ),
            BrokerConfig::Embedded {} => {
                let q = EmbeddedBroker::open(&dir.join("queue.db")).context("opening the queue")?;
                let recovered = q.recover().await.context("recovering the queue")?;
                if recovered > 0 {
                    tracing::info!(recovered, "requeued jobs in flight at the last stop");
                }
                (Arc::new(q.clone()), Some(q))
            }
            BrokerConfig::Rabbitmq(r) => {
                // Connects on first use: a gateway must accept uploads (into
                // the outbox) even while RabbitMQ is away.
                let b = RabbitBroker::lazy(r.url.expose(), names.clone(), r.settings.clone());
                if let Err(e) = b.ping().await {
                    tracing::warn!(error = %e, "RabbitMQ is not reachable yet; will keep trying");
                }
                (Arc::new(b), None)
            }
            BrokerConfig::Kafka(k) => {
                // Topics are created on first use, for the same reason.
                let b = KafkaBroker::lazy(k.brokers.expose(), names.clone(), k.settings.clone())
                    .context("configuring the Kafka clients")?;
                if let Err(e) = b.ping().await {
                    tracing::warn!(error = %e, "Kafka is not reachable yet; will keep trying");
                }
                (Arc::new(b), None)
            }
        };
        let (events, limiter): (Arc<dyn EventBus>, Arc<dyn RateLimiter>) = match &config.redis {
            Some(redis) => (
                Arc::new(
                    kiln_adapters::redis::RedisEventBus::connect(
                        redis.url.expose(),
                        names.namespace(),
                    )
                    .await
                    .context("connecting to Redis (events)")?,
                ),
                Arc::new(
                    kiln_adapters::redis::RedisRateLimiter::connect(
                        redis.url.expose(),
                        names.namespace(),
                    )
                    .await
                    .context("connecting to Redis (rate limits)")?,
                ),
            ),
            None => (
                Arc::new(LocalEventBus::new()),
                Arc::new(LocalRateLimiter::new()),
            ),
        };
        Ok(Opened {
            backends: Backends {
                blobs,
                store,
                accounts,
                broker,
                events,
                limiter,
                library,
            },
            embedded_broker,
        })
    }
}
