//! The `auth`, `jwt_secret` and `token_ttl_secs` settings, and what they
//! mean for each command: `kiln serve` runs without accounts unless asked,
//! `kiln gateway` with them unless told otherwise.

use anyhow::bail;
use kiln_gateway::auth::AuthConfig;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::config::Secret;

/// `on`/`off` (also `true`/`false`, `1`/`0`), as `KILN_AUTH` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch(pub bool);

impl<'de> Deserialize<'de> for Switch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Int(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(b) => Ok(Switch(b)),
            Raw::Int(1) => Ok(Switch(true)),
            Raw::Int(0) => Ok(Switch(false)),
            Raw::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" | "1" => Ok(Switch(true)),
                "off" | "false" | "no" | "0" => Ok(Switch(false)),
                other => Err(serde::de::Error::custom(format!(
                    "auth: {other:?} is not on or off"
                ))),
            },
            Raw::Int(n) => Err(serde::de::Error::custom(format!(
                "auth: {n} is not on or off"
            ))),
        }
    }
}

impl Serialize for Switch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.0 { "on" } else { "off" })
    }
}

/// Email addresses, as a list in a file or comma-separated in a variable
/// (`KILN_ADMIN_EMAILS=ada@example.com,bob@example.com`); kept lowercased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailList(pub Vec<String>);

impl<'de> Deserialize<'de> for EmailList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<String>),
            Text(String),
        }
        let items = match Raw::deserialize(d)? {
            Raw::List(l) => l,
            Raw::Text(t) => t.split(',').map(str::to_owned).collect(),
        };
        let mut out = Vec::new();
        for item in items {
            let e = item.trim().to_lowercase();
            if e.is_empty() {
                continue;
            }
            if !e.contains('@') {
                return Err(serde::de::Error::custom(format!(
                    "admin_emails: {e:?} is not an email address"
                )));
            }
            out.push(e);
        }
        Ok(EmailList(out))
    }
}

impl Serialize for EmailList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// Which command is starting the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayMode {
    /// `kiln serve`: one process; auth off by default; a random token key is
    /// fine (tokens end with the process).
    SingleProcess,
    /// `kiln gateway`: one of several replicas; auth on by default, and the
    /// replicas must share the token key.
    Replica,
}

/// The gateway's auth settings for `mode`.
pub fn resolve(
    auth: Option<Switch>,
    secret: Option<&Secret>,
    ttl_secs: u64,
    operators: &EmailList,
    mode: GatewayMode,
) -> anyhow::Result<AuthConfig> {
    let enabled = auth.map_or(mode == GatewayMode::Replica, |s| s.0);
    if enabled && secret.is_none() && mode == GatewayMode::Replica {
        bail!(
            "auth is on: set KILN_JWT_SECRET (the same on every gateway replica) or KILN_AUTH=off"
        );
    }
    if enabled && secret.is_some_and(|s| s.0.len() < 32) {
        bail!("KILN_JWT_SECRET is too short: use at least 32 random characters");
    }
    if ttl_secs == 0 {
        bail!("token_ttl_secs must be at least 1");
    }
    Ok(AuthConfig {
        enabled,
        jwt_secret: secret.map(|s| s.0.clone()),
        token_ttl_secs: ttl_secs,
        operator_emails: operators.0.clone(),
    })
}
