//! Kafka settings: topics, retry delays, timeouts and client properties.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Kafka settings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaConfig {
    /// Partitions of each topic Kiln creates: the most consumers of one role
    /// that can work at once.
    pub partitions: i32,
    /// Replicas of each topic Kiln creates; `-1` takes the broker's default.
    pub replication_factor: i32,
    /// The delay topics: a retry waits in the shortest one at least as long
    /// as the backoff asked for (the longest one caps it).
    pub retry_delays_ms: Vec<u64>,
    /// How long a publish may wait for the broker's acknowledgement.
    pub publish_timeout_ms: u64,
    /// A consumer silent this long is dropped from its group and its
    /// partitions move to the others.
    pub session_timeout_ms: u64,
    /// Further librdkafka settings for every client (`security.protocol`,
    /// `sasl.username`, ...). Underscores stand for dots, so they can come
    /// from the environment: `KILN_KAFKA__PROPERTIES__SASL_USERNAME`. Never
    /// logged: they may hold secrets.
    #[serde(deserialize_with = "scalars_as_strings")]
    pub properties: BTreeMap<String, String>,
}

/// librdkafka takes every setting as a string, but a config file or the
/// environment may well say `batch_num_messages = 1`.
fn scalars_as_strings<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(BTreeMap::<String, Scalar>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Scalar::Text(s) => s,
                Scalar::Int(i) => i.to_string(),
                Scalar::Float(f) => f.to_string(),
                Scalar::Bool(b) => b.to_string(),
            };
            (k, v)
        })
        .collect())
}

impl std::fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaConfig")
            .field("partitions", &self.partitions)
            .field("replication_factor", &self.replication_factor)
            .field("retry_delays_ms", &self.retry_delays_ms)
            .field("publish_timeout_ms", &self.publish_timeout_ms)
            .field("session_timeout_ms", &self.session_timeout_ms)
            .field("properties", &self.properties.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            partitions: 6,
            replication_factor: -1,
            retry_delays_ms: vec![1_000, 5_000, 30_000, 120_000, 600_000],
            publish_timeout_ms: 5_000,
            session_timeout_ms: 10_000,
            properties: BTreeMap::new(),
        }
    }
}

impl KafkaConfig {
    /// The delay topic a retry after `delay` waits in.
    pub(super) fn retry_tier(&self, delay: Duration) -> u64 {
        let ms = delay.as_millis().min(u64::MAX as u128) as u64;
        let mut tiers = self.retry_delays_ms.clone();
        tiers.sort_unstable();
        tiers
            .iter()
            .copied()
            .find(|&t| t >= ms)
            .or(tiers.last().copied())
            .unwrap_or(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_waits_in_the_shortest_delay_topic_long_enough() {
        let c = KafkaConfig::default();
        assert_eq!(c.retry_tier(Duration::from_millis(300)), 1_000);
        assert_eq!(c.retry_tier(Duration::from_millis(1_000)), 1_000);
        assert_eq!(c.retry_tier(Duration::from_millis(1_001)), 5_000);
        assert_eq!(c.retry_tier(Duration::from_secs(40)), 120_000);
        // Longer than the longest: capped.
        assert_eq!(c.retry_tier(Duration::from_secs(3_600)), 600_000);
    }
}
