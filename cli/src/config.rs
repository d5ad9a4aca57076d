//! Typed configuration: defaults, then a TOML file, then `KILN_*` variables,
//! then command-line flags.

use crate::auth_config::{Secret, Switch};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use kiln_adapters::kafka::KafkaConfig;
use kiln_adapters::rabbitmq::RabbitConfig;
use kiln_gateway::GatewayConfig;
use kiln_imaging::{ImageLimits, RenderOptions};
use kiln_workers::{MediaSettings, NotifySettings, RetryPolicy};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything every `kiln` service needs. Nested sections map to variables with a
/// double underscore: `KILN_LIMITS__MAX_PIXELS=20000000`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// Where embedded backends keep their files.
    pub data_dir: PathBuf,
    /// Storage backend: `embedded` (local files + SQLite) or `mongodb`.
    pub store: String,
    /// Broker backend: `embedded` (in-process, `kiln serve` only), `rabbitmq`
    /// or `kafka`.
    pub broker: String,
    /// MongoDB connection string, for `store = "mongodb"`.
    pub mongodb_uri: Option<String>,
    /// MongoDB database name.
    pub mongodb_database: String,
    /// Create the indexes Kiln's queries need at start-up (idempotent).
    /// Turn off where indexes are managed by hand.
    pub mongodb_create_indexes: bool,
    /// AMQP URL, for `broker = "rabbitmq"`.
    pub amqp_url: Option<String>,
    /// RabbitMQ queue settings.
    pub rabbitmq: RabbitConfig,
    /// Kafka bootstrap servers (`host:port,...`), for `broker = "kafka"`.
    pub kafka_brokers: Option<String>,
    /// Kafka topic, retry and client settings.
    pub kafka: KafkaConfig,
    /// Redis URL: status fan-out across replicas and shared rate limits.
    /// Without it both stay inside the process.
    pub redis_url: Option<String>,
    /// Prefix of every queue, exchange and Redis key, so several
    /// installations can share servers.
    pub namespace: String,
    /// Where `kiln worker` serves `/healthz` and `/readyz`.
    pub health_listen: SocketAddr,
    /// Thumbnail jobs processed at once (default: one per CPU).
    pub thumbnail_concurrency: usize,
    /// Metadata jobs processed at once.
    pub metadata_concurrency: usize,
    /// Conversions run at once (default: one per CPU; each uses one core).
    pub convert_concurrency: usize,
    /// Seconds an attempt may run before it fails retryably.
    pub job_timeout_secs: u64,
    /// Seconds in-flight jobs get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Upload handling.
    pub gateway: GatewayConfig,
    /// Image safety limits.
    pub limits: ImageLimits,
    /// Thumbnail encoding: JPEG/WebP quality, embedded EXIF previews.
    pub thumbnails: RenderOptions,
    /// The media converter: input limits, time limit, scratch space.
    pub media: MediaSettings,
    /// Accounts: `on` or `off` (`KILN_AUTH`); unset means off for `kiln
    /// serve`, on for `kiln gateway`.
    pub auth: Option<Switch>,
    /// Key signing access tokens (`KILN_JWT_SECRET`), shared by every gateway
    /// replica; never logged.
    pub jwt_secret: Option<Secret>,
    /// Lifetime of an access token, in seconds.
    pub token_ttl_secs: u64,
    /// The notifier's mail server (`KILN_SMTP_URL`):
    /// `smtp://[user:pass@]host[:port][?tls=required]` or `smtps://...`.
    pub smtp_url: Option<Secret>,
    /// The notifier's From address (`KILN_MAIL_FROM`).
    pub mail_from: String,
    /// The gateway's address as users reach it, for links in emails
    /// (`KILN_PUBLIC_URL`).
    pub public_url: String,
    /// Notifications sent at once.
    pub notify_concurrency: usize,
    /// Retry and dead-letter policy.
    pub retry: RetryPolicy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("kiln-data"),
            store: "embedded".into(),
            broker: "embedded".into(),
            mongodb_uri: None,
            mongodb_database: "kiln".into(),
            mongodb_create_indexes: true,
            amqp_url: None,
            rabbitmq: RabbitConfig::default(),
            kafka_brokers: None,
            kafka: KafkaConfig::default(),
            redis_url: None,
            namespace: "kiln".into(),
            health_listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            thumbnail_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            metadata_concurrency: 2,
            convert_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            job_timeout_secs: 300,
            shutdown_grace_secs: 30,
            gateway: GatewayConfig::default(),
            limits: ImageLimits::default(),
            thumbnails: RenderOptions::default(),
            media: MediaSettings::default(),
            auth: None,
            jwt_secret: None,
            token_ttl_secs: 3600,
            smtp_url: None,
            mail_from: NotifySettings::default().from,
            public_url: NotifySettings::default().public_url,
            notify_concurrency: 4,
            retry: RetryPolicy::default(),
        }
    }
}

impl Config {
    /// The notifier's settings.
    pub fn notify_settings(&self) -> NotifySettings {
        NotifySettings {
            smtp_url: self.smtp_url.as_ref().map(|s| s.0.clone()),
            from: self.mail_from.clone(),
            public_url: self.public_url.clone(),
            ..NotifySettings::default()
        }
    }

    /// Loads defaults, then `file` (or `./kiln.toml` if present), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => fig = fig.merge(Toml::file_exact(f)),
            None => fig = fig.merge(Toml::file("kiln.toml")),
        }
        fig.merge(Env::prefixed("KILN_").split("__").ignore(&["server"]))
            .extract()
            .map_err(Box::new)
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "k.toml",
                "listen = \"127.0.0.1:9999\"\n[limits]\nmax_pixels = 1000\n",
            )?;
            jail.set_env("KILN_LIMITS__MAX_PIXELS", "2000");
            jail.set_env("KILN_RETRY__MAX_ATTEMPTS", "3");
            jail.set_env("KILN_KAFKA__PARTITIONS", "12");
            jail.set_env("KILN_KAFKA__PROPERTIES__SASL_PASSWORD", "hunter2");
            jail.set_env("KILN_KAFKA__PROPERTIES__LINGER_MS", "5");
            jail.set_env("KILN_AUTH", "on");
            jail.set_env("KILN_JWT_SECRET", "swordfish-swordfish-swordfish-42");
            let c = Config::load(Some(Path::new("k.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 9999);
            assert_eq!(c.limits.max_pixels, 2000);
            assert_eq!(c.retry.max_attempts, 3);
            assert_eq!(c.gateway.default_sizes, vec![256, 1024]);
            assert_eq!(c.kafka.partitions, 12);
            assert_eq!(c.kafka.properties["sasl_password"], "hunter2");
            assert_eq!(c.kafka.properties["linger_ms"], "5");
            // Client secrets never reach a log line.
            assert!(!format!("{c:?}").contains("hunter2"));
            assert_eq!(c.auth, Some(Switch(true)));
            assert!(!format!("{c:?}").contains("swordfish"));
            Ok(())
        });
    }
}
