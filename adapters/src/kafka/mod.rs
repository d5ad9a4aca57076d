//! [`Broker`] on Apache Kafka (rdkafka, librdkafka built from source).
//!
//! ```text
//! <ns>.jobs.<role>              work topic, keyed by file id; group <ns>.<role>
//! <ns>.jobs.<role>.bulk         the bulk lane's work topic, same group; the
//!                               group's members take interactive work first
//! <ns>.jobs.<role>.retry.<d>    delay topics (1s, 5s, 30s, 2m, 10m by default);
//!                               group <ns>.<role>.retry moves each message
//!                               back to its lane's work topic once it is due
//! <ns>.jobs.<role>.dead         dead letters, with the reason in a header
//! ```
//!
//! Offsets are committed only up to the lowest unsettled message of each
//! partition, after the worker has stored its output and the job's state, so
//! a crash or a rebalance means redelivery, never loss.

mod acker;
mod config;
mod consumer;
mod dead_letters;
mod forwarder;
mod offsets;
mod topics;

use crate::broker::{Broker, BrokerError, DeadLetter, QueueDepth, Subscription};
use async_trait::async_trait;
use bytes::Bytes;
use kiln_proto::{Names, Priority, Role};
use rdkafka::ClientConfig;
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub use config::KafkaConfig;
pub use topics::TopicStats;

#[derive(Default)]
struct Gate {
    closed_until: Option<Instant>,
    backoff: Option<Duration>,
}

/// Header names Kiln puts on its messages.
pub(crate) mod header {
    /// Kiln's own retries of this message so far.
    pub const RETRIES: &str = "kiln-retries";
    /// When a message in a delay topic may return (Unix ms).
    pub const DUE_AT: &str = "kiln-due-at";
    /// Why a message was dead-lettered.
    pub const REASON: &str = "kiln-reason";
    /// When it was dead-lettered (RFC 3339).
    pub const DEAD_AT: &str = "kiln-dead-at";
    /// The lane a retry returns to, when not the interactive one.
    pub const LANE: &str = "kiln-lane";
}

/// Kafka broker. Cheap to share; librdkafka reconnects on its own.
#[derive(Clone)]
pub struct KafkaBroker {
    inner: Arc<Inner>,
}

struct Inner {
    brokers: String,
    names: Names,
    config: KafkaConfig,
    producer: RwLock<FutureProducer>,
    topics_ready: tokio::sync::OnceCell<()>,
    /// After a failure to reach Kafka, calls fail at once until then, so a
    /// flood of uploads falls through to the outbox instead of each waiting
    /// out a timeout.
    gate: std::sync::Mutex<Gate>,
    /// One consumer per role per process, kept across `subscribe` calls:
    /// joining a group is a rebalance for every member, far too costly to
    /// repeat for each `process_one`.
    consumers: tokio::sync::Mutex<HashMap<Role, Arc<consumer::RoleConsumer>>>,
}

pub(crate) fn unavailable(e: impl Into<kiln_core::Cause>) -> BrokerError {
    BrokerError::Unavailable(e.into())
}

impl KafkaBroker {
    /// Connects to `brokers` (`host:port,...`) and creates Kiln's topics
    /// under `names` where they are missing.
    pub async fn connect(
        brokers: &str,
        names: Names,
        config: KafkaConfig,
    ) -> Result<KafkaBroker, BrokerError> {
        let broker = KafkaBroker::lazy(brokers, names, config)?;
        broker.ensure_topics().await?;
        Ok(broker)
    }

    /// Like [`KafkaBroker::connect`], but creates the topics on first use, so
    /// a service can start (and report not-ready) while Kafka is away.
    pub fn lazy(
        brokers: &str,
        names: Names,
        config: KafkaConfig,
    ) -> Result<KafkaBroker, BrokerError> {
        let producer = new_producer(brokers, &config)?;
        Ok(KafkaBroker {
            inner: Arc::new(Inner {
                brokers: brokers.to_owned(),
                names,
                config,
                producer: RwLock::new(producer),
                topics_ready: tokio::sync::OnceCell::new(),
                gate: std::sync::Mutex::new(Gate::default()),
                consumers: tokio::sync::Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The names of this broker's topics and groups.
    pub fn names(&self) -> &Names {
        &self.inner.names
    }

    pub(crate) fn config(&self) -> &KafkaConfig {
        &self.inner.config
    }

    /// Settings shared by every client of this broker.
    pub(crate) fn client_config(&self) -> ClientConfig {
        base_config(&self.inner.brokers, &self.inner.config)
    }

    async fn ensure_topics(&self) -> Result<(), BrokerError> {
        if self.inner.topics_ready.initialized() {
            return Ok(());
        }
        self.check_gate()?;
        let r = self
            .inner
            .topics_ready
            .get_or_try_init(|| topics::ensure(self))
            .await
            .map(|_| ());
        self.record(r.is_ok());
        r
    }

    fn check_gate(&self) -> Result<(), BrokerError> {
        let gate = consumer::lock(&self.inner.gate);
        match gate.closed_until {
            Some(t) if Instant::now() < t => Err(unavailable(
                "kafka unreachable a moment ago; waiting before trying again",
            )),
            _ => Ok(()),
        }
    }

    /// Widens the gate's backoff (250 ms doubling to 5 s) after a failure;
    /// opens it after a success.
    fn record(&self, ok: bool) {
        let mut gate = consumer::lock(&self.inner.gate);
        if ok {
            *gate = Gate::default();
        } else {
            let backoff = gate.backoff.map_or(Duration::from_millis(250), |b| {
                (b * 2).min(Duration::from_secs(5))
            });
            gate.backoff = Some(backoff);
            gate.closed_until = Some(Instant::now() + backoff);
        }
    }

    /// Produces one message and waits until the broker acknowledges it
    /// (written to every in-sync replica: `acks=all`).
    pub(crate) async fn produce(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        payload: &[u8],
        headers: OwnedHeaders,
    ) -> Result<(), BrokerError> {
        self.ensure_topics().await?;
        self.check_gate()?;
        let producer = self.producer();
        let mut record = FutureRecord::to(topic).payload(payload).headers(headers);
        if let Some(key) = key {
            record = record.key(key);
        }
        let timeout = Duration::from_millis(self.inner.config.publish_timeout_ms);
        match producer.send(record, timeout).await {
            Ok(_) => {
                self.record(true);
                Ok(())
            }
            Err((e, _)) => {
                self.record(false);
                // An idempotent producer that hit a fatal error (a fenced
                // epoch, say) can send nothing more: start a new one.
                if producer.client().fatal_error().is_some() {
                    tracing::warn!(error = %e, "kafka producer failed fatally; recreating it");
                    if let Ok(fresh) = new_producer(&self.inner.brokers, &self.inner.config)
                        && let Ok(mut slot) = self.inner.producer.write()
                    {
                        *slot = fresh;
                    }
                }
                Err(unavailable(format!("kafka did not take the message: {e}")))
            }
        }
    }

    pub(crate) fn producer(&self) -> FutureProducer {
        match self.inner.producer.read() {
            Ok(p) => p.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Messages in `topic` and what `group` has committed of it (for
    /// autoscaling, inspection and tests).
    pub async fn topic_stats(&self, topic: &str, group: &str) -> Result<TopicStats, BrokerError> {
        topics::stats(self, topic, group).await
    }

    /// Deletes this namespace's topics and consumer groups. For tests and
    /// uninstalls.
    pub async fn delete_topology(&self) -> Result<(), BrokerError> {
        self.close().await;
        topics::delete_all(self).await
    }
}

fn base_config(brokers: &str, config: &KafkaConfig) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers)
        .set("client.id", format!("kiln-{}", std::process::id()))
        .set("socket.keepalive.enable", "true");
    for (k, v) in &config.properties {
        // librdkafka's names use dots, never underscores.
        c.set(k.replace('_', "."), v);
    }
    c
}

fn new_producer(brokers: &str, config: &KafkaConfig) -> Result<FutureProducer, BrokerError> {
    base_config(brokers, config)
        // No duplicates or reordering from the producer's own retries.
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("message.timeout.ms", config.publish_timeout_ms.to_string())
        // Same key, same partition as the Java clients would choose.
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "2")
        .create()
        .map_err(unavailable)
}

#[async_trait]
impl Broker for KafkaBroker {
    async fn publish_in(
        &self,
        role: Role,
        lane: Priority,
        key: &str,
        payload: Bytes,
    ) -> Result<(), BrokerError> {
        let topic = self.inner.names.lane_topic(role, lane);
        self.produce(&topic, Some(key.as_bytes()), &payload, OwnedHeaders::new())
            .await
    }

    async fn subscribe(
        &self,
        role: Role,
        prefetch: usize,
    ) -> Result<Box<dyn Subscription>, BrokerError> {
        self.ensure_topics().await?;
        let rc = {
            let mut consumers = self.inner.consumers.lock().await;
            match consumers.get(&role) {
                Some(rc) => rc.clone(),
                None => {
                    let rc = Arc::new(consumer::RoleConsumer::start(self.clone(), role)?);
                    consumers.insert(role, rc.clone());
                    rc
                }
            }
        };
        rc.widen(prefetch);
        rc.wait_assigned(Duration::from_secs(30)).await;
        Ok(Box::new(consumer::KafkaSubscription::new(rc)))
    }

    async fn ping(&self) -> Result<(), BrokerError> {
        self.ensure_topics().await?;
        topics::ping(self).await
    }

    /// The consumer group's lag on the role's work topics (what is not yet
    /// done, both lanes), and the messages its dead-letter topic holds.
    async fn depth(&self, role: Role) -> Result<Option<QueueDepth>, BrokerError> {
        self.ensure_topics().await?;
        let names = &self.inner.names;
        let mut lag = 0;
        for lane in Priority::ALL {
            let work = self
                .topic_stats(&names.lane_topic(role, lane), &names.consumer_group(role))
                .await?;
            lag += work.lag.max(0);
        }
        // What operators have not purged.
        let dead = self
            .topic_stats(
                &names.dead_letter_topic(role),
                &names.dead_letter_group(role),
            )
            .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(Some(QueueDepth {
            queued: count(lag),
            dead: count(dead.lag),
        }))
    }

    async fn dead_letters(&self, role: Role, limit: usize) -> Result<Vec<DeadLetter>, BrokerError> {
        self.ensure_topics().await?;
        dead_letters::peek(self, role, limit).await
    }

    async fn purge_dead_letters(&self, role: Role) -> Result<u64, BrokerError> {
        self.ensure_topics().await?;
        dead_letters::purge(self, role).await
    }

    async fn close(&self) {
        let consumers: Vec<_> = self.inner.consumers.lock().await.drain().collect();
        for (_, rc) in consumers {
            rc.close().await;
        }
        let producer = self.producer();
        let _ = tokio::task::spawn_blocking(move || producer.flush(Duration::from_secs(5))).await;
    }
}
