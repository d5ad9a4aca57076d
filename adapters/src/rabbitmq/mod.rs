//! [`Broker`] on RabbitMQ (lapin): durable quorum queues, publisher confirms,
//! delay queues for backoff and a dead-letter queue per role.
//!
//! Topology, declared idempotently on every (re)connection:
//!
//! ```text
//! <ns>.jobs (topic) --<ns>.jobs.<role>-->      <ns>.<role>       work queue (quorum)
//!                   --<ns>.jobs.<role>.bulk--> <ns>.<role>.bulk  bulk lane
//! <ns>.<role>[.bulk].retry.<ms>ms  --TTL expires, dead-letters to-->  its lane's queue
//! <ns>.<role>.dead                                              dead letters
//! ```
//!
//! A subscription consumes both lanes of its role and takes interactive
//! deliveries first (bulk keeps a small share, see `lanes`). Separate
//! queues rather than `x-max-priority`: quorum queues before RabbitMQ 4
//! have no priorities, and an existing queue's arguments cannot change.

mod consumer;
mod dead_letters;
mod topology;

use crate::broker::{Broker, BrokerError, DeadLetter, QueueDepth, Subscription};
use async_trait::async_trait;
use bytes::Bytes;
use kiln_proto::{Names, Priority, Role};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// RabbitMQ settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RabbitConfig {
    /// `quorum` (replicated, the default) or `classic` work queues.
    pub queue_type: String,
    /// How long a publish may wait for the broker's confirm.
    pub confirm_timeout_ms: u64,
    /// Deliveries of one message before RabbitMQ itself dead-letters it
    /// (quorum queues only): the backstop for a message that crashes every
    /// worker that takes it.
    pub delivery_limit: u32,
}

impl Default for RabbitConfig {
    fn default() -> Self {
        RabbitConfig {
            queue_type: "quorum".into(),
            confirm_timeout_ms: 5_000,
            delivery_limit: 20,
        }
    }
}

/// A connection and a confirm-mode channel for publishing.
struct Link {
    conn: Connection,
    publisher: Channel,
}

struct LinkState {
    link: Option<Arc<Link>>,
    /// After a failed connect, no new attempt before this instant.
    retry_at: Option<Instant>,
    backoff: Duration,
}

/// RabbitMQ broker. Cheap to share; reconnects with backoff on its own.
#[derive(Clone)]
pub struct RabbitBroker {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    names: Names,
    config: RabbitConfig,
    state: Mutex<LinkState>,
}

pub(crate) fn unavailable(e: impl Into<kiln_core::Cause>) -> BrokerError {
    BrokerError::Unavailable(e.into())
}

impl RabbitBroker {
    /// Connects to `url` and declares Kiln's topology under `names`.
    pub async fn connect(
        url: &str,
        names: Names,
        config: RabbitConfig,
    ) -> Result<RabbitBroker, BrokerError> {
        let broker = RabbitBroker::lazy(url, names, config);
        broker.link().await?;
        Ok(broker)
    }

    /// Like [`RabbitBroker::connect`], but connects on first use, so a
    /// service can start (and report not-ready) while the broker is away.
    pub fn lazy(url: &str, names: Names, config: RabbitConfig) -> RabbitBroker {
        RabbitBroker {
            inner: Arc::new(Inner {
                url: url.to_owned(),
                names,
                config,
                state: Mutex::new(LinkState {
                    link: None,
                    retry_at: None,
                    backoff: Duration::from_millis(250),
                }),
            }),
        }
    }

    /// The names of this broker's queues.
    pub fn names(&self) -> &Names {
        &self.inner.names
    }

    /// The live link, reconnecting if it is gone. While the broker is down,
    /// attempts are spaced by an exponential backoff (250 ms to 5 s), so a
    /// flood of uploads fails fast to the outbox instead of hammering it.
    async fn link(&self) -> Result<Arc<Link>, BrokerError> {
        let mut st = self.inner.state.lock().await;
        if let Some(l) = &st.link {
            if l.conn.status().connected() && l.publisher.status().connected() {
                return Ok(l.clone());
            }
            tracing::warn!("rabbitmq connection lost; reconnecting");
            st.link = None;
        }
        if let Some(at) = st.retry_at
            && Instant::now() < at
        {
            return Err(unavailable("rabbitmq unreachable; waiting to reconnect"));
        }
        match tokio::time::timeout(Duration::from_secs(10), self.open()).await {
            Ok(Ok(link)) => {
                let link = Arc::new(link);
                st.link = Some(link.clone());
                st.retry_at = None;
                st.backoff = Duration::from_millis(250);
                Ok(link)
            }
            failed => {
                st.retry_at = Some(Instant::now() + st.backoff);
                st.backoff = (st.backoff * 2).min(Duration::from_secs(5));
                Err(match failed {
                    Ok(Err(e)) => e,
                    _ => unavailable("timed out connecting to rabbitmq"),
                })
            }
        }
    }

    async fn open(&self) -> Result<Link, BrokerError> {
        let props = ConnectionProperties::default()
            .with_connection_name(format!("kiln-{}", std::process::id()).into());
        let conn = Connection::connect(&self.inner.url, props)
            .await
            .map_err(unavailable)?;
        let publisher = conn.create_channel().await.map_err(unavailable)?;
        topology::declare(&publisher, &self.inner.names, &self.inner.config).await?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(unavailable)?;
        tracing::info!(
            namespace = self.inner.names.namespace(),
            "connected to rabbitmq"
        );
        Ok(Link { conn, publisher })
    }

    /// Publishes to `exchange` with `routing_key` and waits for the broker's
    /// confirm. Unroutable messages (`mandatory`) and nacks are errors.
    pub(crate) async fn publish_confirmed(
        &self,
        exchange: &str,
        routing_key: &str,
        payload: &[u8],
        headers: FieldTable,
    ) -> Result<(), BrokerError> {
        let link = self.link().await?;
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_headers(headers);
        let timeout = Duration::from_millis(self.inner.config.confirm_timeout_ms);
        let confirm = async {
            link.publisher
                .basic_publish(
                    exchange.into(),
                    routing_key.into(),
                    BasicPublishOptions {
                        mandatory: true,
                        ..Default::default()
                    },
                    payload,
                    props,
                )
                .await?
                .await
        };
        match tokio::time::timeout(timeout, confirm).await {
            Ok(Ok(Confirmation::Ack(None))) => Ok(()),
            Ok(Ok(Confirmation::Ack(Some(_)))) => Err(unavailable(format!(
                "no queue is bound for {routing_key:?} on {exchange:?}"
            ))),
            Ok(Ok(Confirmation::Nack(_))) => Err(unavailable("rabbitmq refused the message")),
            Ok(Ok(Confirmation::NotRequested)) => Err(unavailable("confirms are not enabled")),
            Ok(Err(e)) => Err(unavailable(e)),
            Err(_) => Err(unavailable(format!(
                "no publisher confirm within {timeout:?}"
            ))),
        }
    }

    /// Declares (idempotently) the delay queue for `delay_ms` retries of
    /// `role`'s `lane`.
    pub(crate) async fn retry_queue(
        &self,
        role: Role,
        lane: Priority,
        delay_ms: u64,
    ) -> Result<String, BrokerError> {
        let link = self.link().await?;
        topology::declare_retry_queue(&link.publisher, &self.inner.names, role, lane, delay_ms)
            .await
    }

    /// Messages ready in a queue (for autoscaling and tests).
    pub async fn depth(&self, queue: &str) -> Result<u32, BrokerError> {
        let link = self.link().await?;
        // A throwaway channel: a passive declare of a missing queue closes it.
        let ch = link.conn.create_channel().await.map_err(unavailable)?;
        let q = ch
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(unavailable)?;
        let _ = ch.close(200, "OK".into()).await;
        Ok(q.message_count())
    }
}

impl RabbitBroker {
    /// Deletes this namespace's exchange, work, dead-letter and (given their
    /// delays) retry queues with their messages. For tests and uninstalls.
    pub async fn delete_topology(&self, retry_delays_ms: &[u64]) -> Result<(), BrokerError> {
        let link = self.link().await?;
        let names = &self.inner.names;
        let mut queues = Vec::new();
        for role in Role::ALL {
            queues.push(names.dead_letter_queue(role));
            for lane in Priority::ALL {
                queues.push(names.lane_queue(role, lane));
                queues.extend(
                    retry_delays_ms
                        .iter()
                        .map(|&ms| names.lane_retry_queue(role, lane, ms)),
                );
            }
        }
        for q in queues {
            link.publisher
                .queue_delete(q.as_str().into(), Default::default())
                .await
                .map_err(unavailable)?;
        }
        link.publisher
            .exchange_delete(names.jobs_exchange().as_str().into(), Default::default())
            .await
            .map_err(unavailable)
    }
}

#[async_trait]
impl Broker for RabbitBroker {
    async fn publish_in(
        &self,
        role: Role,
        lane: Priority,
        key: &str,
        payload: Bytes,
    ) -> Result<(), BrokerError> {
        let names = &self.inner.names;
        let mut headers = FieldTable::default();
        headers.insert("x-kiln-key".into(), AMQPValue::LongString(key.into()));
        self.publish_confirmed(
            &names.jobs_exchange(),
            &names.lane_routing_key(role, lane),
            &payload,
            headers,
        )
        .await
    }

    async fn subscribe(
        &self,
        role: Role,
        prefetch: usize,
    ) -> Result<Box<dyn Subscription>, BrokerError> {
        let link = self.link().await?;
        let sub =
            consumer::RabbitSubscription::start(self.clone(), &link.conn, role, prefetch).await?;
        Ok(Box::new(sub))
    }

    async fn ping(&self) -> Result<(), BrokerError> {
        self.link().await.map(|_| ())
    }

    async fn dead_letters(&self, role: Role, limit: usize) -> Result<Vec<DeadLetter>, BrokerError> {
        self.peek_dead(role, limit).await
    }

    async fn purge_dead_letters(&self, role: Role) -> Result<u64, BrokerError> {
        self.purge_dead(role).await
    }

    /// Ready messages of both lanes' work queues and of the dead-letter
    /// queue, by passive declares (no management plugin needed); messages
    /// held unacked by a consumer are not counted.
    async fn depth(&self, role: Role) -> Result<Option<QueueDepth>, BrokerError> {
        let names = &self.inner.names;
        let mut queued = 0u64;
        for lane in Priority::ALL {
            queued += u64::from(RabbitBroker::depth(self, &names.lane_queue(role, lane)).await?);
        }
        let dead = RabbitBroker::depth(self, &names.dead_letter_queue(role)).await?;
        Ok(Some(QueueDepth {
            queued,
            dead: dead.into(),
        }))
    }
}
