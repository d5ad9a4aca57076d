//! Settings that must never reach a log line or `kiln config`'s output: whole
//! secrets (token keys, the SMTP URL) and server URLs whose password is
//! hidden but whose host stays visible.

use serde::{Deserialize, Serialize, Serializer};

/// What a hidden value prints as.
pub const REDACTED: &str = "***";

/// A secret setting. Printed (`Debug`) and serialised as `***`: configuration
/// is only ever serialised to be shown, so the value cannot leak that way.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

/// A server's URL (`mongodb://`, `amqp://`, `redis://`, Kafka's
/// `host:port,...`). Printed and serialised with its password as `***`;
/// [`ServerUrl::expose`] gives the real one to the client that connects.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ServerUrl(String);

impl ServerUrl {
    /// The URL as written, password included.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with the password of its user info (`user:PASSWORD@`) hidden.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
            return url.clone();
        };
        let rest = &url[scheme_end..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        // The last `@` ends the user info: hosts cannot contain one.
        let Some(at) = authority.rfind('@') else {
            return url.clone();
        };
        let Some(colon) = authority[..at].find(':') else {
            return url.clone();
        };
        format!(
            "{}{REDACTED}{}",
            &url[..scheme_end + colon + 1],
            &url[scheme_end + at..]
        )
    }
}

impl From<&str> for ServerUrl {
    fn from(s: &str) -> Self {
        ServerUrl(s.to_owned())
    }
}

impl From<String> for ServerUrl {
    fn from(s: String) -> Self {
        ServerUrl(s)
    }
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for ServerUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_hosts_are_not() {
        let r = |u: &str| ServerUrl::from(u).redacted();
        assert_eq!(
            r("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(
            r("mongodb://u:p%40ss@h1:27017,h2:27017/?replicaSet=rs0"),
            "mongodb://u:***@h1:27017,h2:27017/?replicaSet=rs0"
        );
        assert_eq!(r("redis://:hunter2@redis:6379"), "redis://:***@redis:6379");
        assert_eq!(r("redis://redis:6379"), "redis://redis:6379");
        assert_eq!(r("amqp://user@host/"), "amqp://user@host/");
        assert_eq!(r("kafka1:9092,kafka2:9092"), "kafka1:9092,kafka2:9092");
        let s = format!("{:?}", ServerUrl::from("amqp://a:hunter2@h/"));
        assert!(!s.contains("hunter2"), "{s}");
    }
}
