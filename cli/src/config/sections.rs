//! The sections that choose and configure a backend (`[store]`, `[broker]`,
//! `[redis]`) and those of the worker roles (`[workers.*]`).
//!
//! A backend section is tagged by `kind`, and holds only what that kind
//! understands: `uri` under `kind = "rabbitmq"` is refused, not ignored.

use super::secret::{REDACTED, Secret, ServerUrl};
use kiln_adapters::kafka::KafkaConfig;
use kiln_adapters::rabbitmq::RabbitConfig;
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// Where files, jobs and accounts are kept (`[store]`).
// `Embedded {}` rather than `Embedded`: serde lets a unit variant of a
// tagged enum carry any keys; an empty struct variant refuses them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum StoreConfig {
    /// Local files and SQLite, under the top-level `data_dir`.
    Embedded {},
    /// MongoDB: GridFS for bytes, collections for records.
    Mongodb(MongoConfig),
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig::Embedded {}
    }
}

impl StoreConfig {
    /// The `kind` as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreConfig::Embedded {} => "embedded",
            StoreConfig::Mongodb(_) => "mongodb",
        }
    }
}

/// `[store] kind = "mongodb"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MongoConfig {
    /// Connection string, e.g. `mongodb://host:27017/?replicaSet=rs0`.
    pub uri: ServerUrl,
    /// Database name.
    #[serde(default = "default_database")]
    pub database: String,
    /// Create the indexes Kiln's queries need at start-up (idempotent).
    /// Turn off where indexes are managed by hand.
    #[serde(default = "yes")]
    pub create_indexes: bool,
}

fn default_database() -> String {
    "kiln".into()
}

fn yes() -> bool {
    true
}

impl MongoConfig {
    /// MongoDB at `uri`, with the default database and index creation.
    pub fn new(uri: impl Into<ServerUrl>) -> Self {
        MongoConfig {
            uri: uri.into(),
            database: default_database(),
            create_indexes: true,
        }
    }
}

/// Where jobs are queued (`[broker]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BrokerConfig {
    /// In-process, persisted under `data_dir` (`kiln serve` only).
    Embedded {},
    /// RabbitMQ.
    Rabbitmq(RabbitSection),
    /// Kafka, or any Kafka-protocol broker.
    Kafka(KafkaSection),
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig::Embedded {}
    }
}

impl BrokerConfig {
    /// The `kind` as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            BrokerConfig::Embedded {} => "embedded",
            BrokerConfig::Rabbitmq(_) => "rabbitmq",
            BrokerConfig::Kafka(_) => "kafka",
        }
    }
}

/// `[broker] kind = "rabbitmq"`: the server's URL beside the queue settings.
#[derive(Debug, Clone, Serialize)]
pub struct RabbitSection {
    /// AMQP URL, e.g. `amqp://user:pass@host:5672/%2f`.
    pub url: ServerUrl,
    /// Queue type, confirm timeout, delivery limit.
    #[serde(flatten)]
    pub settings: RabbitConfig,
}

impl RabbitSection {
    /// RabbitMQ at `url` with the default settings.
    pub fn new(url: impl Into<ServerUrl>) -> Self {
        RabbitSection {
            url: url.into(),
            settings: RabbitConfig::default(),
        }
    }
}

/// `[broker] kind = "kafka"`: the bootstrap servers beside the topic, retry
/// and client settings.
#[derive(Debug, Clone)]
pub struct KafkaSection {
    /// Bootstrap servers, `host:port,...`.
    pub brokers: ServerUrl,
    /// Topics, delay tiers, timeouts, librdkafka properties.
    pub settings: KafkaConfig,
}

impl KafkaSection {
    /// Kafka at `brokers` with the default settings.
    pub fn new(brokers: impl Into<ServerUrl>) -> Self {
        KafkaSection {
            brokers: brokers.into(),
            settings: KafkaConfig::default(),
        }
    }
}

impl Serialize for KafkaSection {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            brokers: &'a ServerUrl,
            #[serde(flatten)]
            settings: KafkaConfig,
        }
        // librdkafka properties may hold SASL or TLS key passwords: they
        // are shown by name only.
        let mut settings = self.settings.clone();
        for v in settings.properties.values_mut() {
            *v = REDACTED.to_owned();
        }
        Shown {
            brokers: &self.brokers,
            settings,
        }
        .serialize(s)
    }
}

/// A section's own field beside a flattened settings struct, and whatever
/// else was written (which serde's `deny_unknown_fields` cannot catch next
/// to `flatten`, so it is checked by hand).
#[derive(Deserialize)]
struct Flattened<A, T> {
    #[serde(flatten)]
    own: A,
    #[serde(flatten)]
    settings: T,
    #[serde(flatten)]
    rest: BTreeMap<String, IgnoredAny>,
}

impl<A, T> Flattened<A, T> {
    fn check<E: serde::de::Error>(self, expected: &'static [&'static str]) -> Result<(A, T), E> {
        match self.rest.into_keys().next() {
            Some(key) => Err(E::unknown_field(&key, expected)),
            None => Ok((self.own, self.settings)),
        }
    }
}

#[derive(Deserialize)]
struct Url {
    url: ServerUrl,
}

#[derive(Deserialize)]
struct Brokers {
    brokers: ServerUrl,
}

impl<'de> Deserialize<'de> for RabbitSection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const EXPECTED: &[&str] = &["url", "queue_type", "confirm_timeout_ms", "delivery_limit"];
        let (own, settings) = Flattened::<Url, RabbitConfig>::deserialize(d)?.check(EXPECTED)?;
        Ok(RabbitSection {
            url: own.url,
            settings,
        })
    }
}

impl<'de> Deserialize<'de> for KafkaSection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const EXPECTED: &[&str] = &[
            "brokers",
            "partitions",
            "replication_factor",
            "retry_delays_ms",
            "publish_timeout_ms",
            "session_timeout_ms",
            "properties",
        ];
        let (own, settings) = Flattened::<Brokers, KafkaConfig>::deserialize(d)?.check(EXPECTED)?;
        Ok(KafkaSection {
            brokers: own.brokers,
            settings,
        })
    }
}

/// `[redis]`: job events across replicas and shared rate limits. Without
/// it both stay inside the process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// e.g. `redis://host:6379`.
    pub url: ServerUrl,
}

/// `[workers]`: the default time limit and one section per role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkersConfig {
    /// Seconds an attempt may run before it fails retryably, for roles
    /// without their own `timeout_secs`; unset, each job kind's own limit
    /// applies (300 s; the converter's `media.timeout_secs` + 60 s).
    pub timeout_secs: Option<u64>,
    /// Bytes of output one job may write (default 1 GiB); a job that would
    /// write more dies with a reason naming this limit.
    pub max_output_bytes_per_job: u64,
    /// Bytes of decoded pixels all image decodes of the process may hold at
    /// once (default 1 GiB): large images wait for room rather than run
    /// together. One image over it still runs, alone.
    pub decode_memory_bytes: u64,
    /// `[workers.thumbnail]`.
    pub thumbnail: RoleConfig,
    /// `[workers.metadata]`.
    pub metadata: RoleConfig,
    /// `[workers.convert]`.
    pub convert: RoleConfig,
    /// `[workers.notify]`, with the mail server.
    pub notify: NotifyWorkerConfig,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        WorkersConfig {
            timeout_secs: None,
            max_output_bytes_per_job: 1 << 30,
            decode_memory_bytes: 1 << 30,
            thumbnail: RoleConfig::with_concurrency(cpus),
            metadata: RoleConfig::with_concurrency(2),
            // Each conversion uses one core.
            convert: RoleConfig::with_concurrency(cpus),
            notify: NotifyWorkerConfig::default(),
        }
    }
}

/// One worker role's section.
///
/// A role's default concurrency differs from role to role; a section that
/// sets only `timeout_secs` keeps it because the loader lays the file over
/// [`WorkersConfig::default`], not over this type's own default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleConfig {
    /// Jobs processed at once (`kiln worker --concurrency` overrides it;
    /// it is also the RabbitMQ prefetch).
    pub concurrency: usize,
    /// This role's time limit, instead of `workers.timeout_secs`.
    pub timeout_secs: Option<u64>,
}

impl RoleConfig {
    /// `concurrency` jobs at once, the default time limit.
    pub fn with_concurrency(concurrency: usize) -> Self {
        RoleConfig {
            concurrency,
            timeout_secs: None,
        }
    }
}

impl Default for RoleConfig {
    fn default() -> Self {
        RoleConfig::with_concurrency(2)
    }
}

/// `[workers.notify]`: a role section plus the mail server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyWorkerConfig {
    /// Emails sent at once.
    pub concurrency: usize,
    /// This role's time limit, instead of `workers.timeout_secs`.
    pub timeout_secs: Option<u64>,
    /// The mail server: `smtp://[user:pass@]host[:port][?tls=required]` or
    /// `smtps://...`; never shown.
    pub smtp_url: Option<Secret>,
    /// The From address of notifications.
    pub mail_from: String,
}

impl Default for NotifyWorkerConfig {
    fn default() -> Self {
        NotifyWorkerConfig {
            concurrency: 4,
            timeout_secs: None,
            smtp_url: None,
            mail_from: kiln_workers::NotifySettings::default().from,
        }
    }
}
