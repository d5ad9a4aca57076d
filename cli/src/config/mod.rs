//! Typed configuration: defaults, then a TOML file, then `KILN_*` variables,
//! then command-line flags. Every key is documented in
//! `docs/configuration.md`; unknown keys are refused.

#[cfg(test)]
mod known_variables;
mod load;
mod renamed;
mod secret;
mod sections;
#[cfg(test)]
mod tests;

pub use load::ConfigError;
pub use renamed::{RENAMED, Renamed};
pub use secret::{REDACTED, Secret, ServerUrl};
pub use sections::{
    BrokerConfig, KafkaSection, MongoConfig, NotifyWorkerConfig, RabbitSection, RedisConfig,
    RoleConfig, StoreConfig, WorkersConfig,
};

use crate::auth_config::Switch;
use kiln_gateway::GatewayConfig;
use kiln_imaging::{ImageLimits, RenderOptions};
use kiln_proto::Role;
use kiln_workers::{MediaSettings, NotifySettings, RetryPolicy};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything every `kiln` service needs. Nested sections map to variables with a
/// double underscore: `KILN_LIMITS__MAX_PIXELS=20000000`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// Where the embedded store and the embedded broker keep their files.
    pub data_dir: PathBuf,
    /// Storage backend and its settings.
    pub store: StoreConfig,
    /// Broker backend and its settings.
    pub broker: BrokerConfig,
    /// Redis: status fan-out across replicas and shared rate limits.
    pub redis: Option<RedisConfig>,
    /// Prefix of every queue, exchange and Redis key, so several
    /// installations can share servers.
    pub namespace: String,
    /// Where `kiln worker` serves `/healthz` and `/readyz`.
    pub health_listen: SocketAddr,
    /// Seconds in-flight jobs get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Each worker role's concurrency and time limit; the mail server.
    pub workers: WorkersConfig,
    /// Upload handling.
    pub gateway: GatewayConfig,
    /// Image safety limits (thumbnail and metadata workers).
    pub limits: ImageLimits,
    /// Thumbnail encoding: JPEG/WebP quality, embedded EXIF previews.
    pub thumbnails: RenderOptions,
    /// The media converter: input limits, time limit, scratch space.
    pub media: MediaSettings,
    /// Accounts: `on` or `off` (`KILN_AUTH`); unset means off for `kiln
    /// serve`, on for `kiln gateway`.
    pub auth: Option<Switch>,
    /// Start with accounts off even though the store holds accounts, which
    /// lets anyone read, change and delete every account's files
    /// (`KILN_AUTH_OFF_EXPOSES_ALL_ACCOUNTS=true`). Without it such a start
    /// is refused.
    pub auth_off_exposes_all_accounts: bool,
    /// Key signing access tokens (`KILN_JWT_SECRET`), shared by every gateway
    /// replica; never shown.
    pub jwt_secret: Option<Secret>,
    /// Lifetime of an access token, in seconds.
    pub token_ttl_secs: u64,
    /// Accounts that are operators without `kiln admin grant`
    /// (`KILN_ADMIN_EMAILS`, comma-separated): for the first operator.
    pub admin_emails: crate::auth_config::EmailList,
    /// The gateway's address as users reach it, for links in emails
    /// (`KILN_PUBLIC_URL`).
    pub public_url: String,
    /// Retry and dead-letter policy.
    pub retry: RetryPolicy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("kiln-data"),
            store: StoreConfig::default(),
            broker: BrokerConfig::default(),
            redis: None,
            namespace: "kiln".into(),
            health_listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            shutdown_grace_secs: 30,
            workers: WorkersConfig::default(),
            gateway: GatewayConfig::default(),
            limits: ImageLimits::default(),
            thumbnails: RenderOptions::default(),
            media: MediaSettings::default(),
            auth: None,
            auth_off_exposes_all_accounts: false,
            jwt_secret: None,
            token_ttl_secs: 3600,
            admin_emails: Default::default(),
            public_url: NotifySettings::default().public_url,
            retry: RetryPolicy::default(),
        }
    }
}

impl Config {
    /// The notifier's settings.
    pub fn notify_settings(&self) -> NotifySettings {
        let notify = &self.workers.notify;
        NotifySettings {
            smtp_url: notify.smtp_url.as_ref().map(|s| s.0.clone()),
            from: notify.mail_from.clone(),
            public_url: self.public_url.clone(),
            ..NotifySettings::default()
        }
    }

    /// Jobs of `role` processed at once, unless `kiln worker --concurrency`
    /// says otherwise.
    pub fn concurrency(&self, role: Role) -> usize {
        let w = &self.workers;
        match role {
            Role::Thumbnail => w.thumbnail.concurrency,
            Role::Metadata => w.metadata.concurrency,
            Role::Convert => w.convert.concurrency,
            Role::Notify => w.notify.concurrency,
        }
    }

    /// How long one attempt of a `role` job may run before it fails
    /// retryably: the role's own `timeout_secs`, else `workers.timeout_secs`,
    /// else the job kind's own limit (`JobSpec::TIME_LIMIT`).
    pub fn job_timeout(&self, role: Role) -> Duration {
        let w = &self.workers;
        let own = match role {
            Role::Thumbnail => w.thumbnail.timeout_secs,
            Role::Metadata => w.metadata.timeout_secs,
            Role::Convert => w.convert.timeout_secs,
            Role::Notify => w.notify.timeout_secs,
        };
        let limit = own
            .or(w.timeout_secs)
            .map_or_else(|| role.time_limit(), Duration::from_secs);
        match role {
            // The converter enforces its own (permanent) time limit; unless
            // the role says otherwise, the runtime's must not cut it short.
            Role::Convert if own.is_none() => {
                limit.max(Duration::from_secs(self.media.timeout_secs + 60))
            }
            _ => limit,
        }
    }

    /// The configuration as TOML, secrets shown as `***`.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}
