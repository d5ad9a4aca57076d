//! Names of broker objects (exchanges, queues, topics, channels).

use crate::{Priority, Role};

/// Broker object names under one namespace (`kiln` by default), so several
/// installations, or parallel test runs, can share one broker without meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    namespace: String,
}

impl Default for Names {
    fn default() -> Self {
        Names::new("kiln")
    }
}

impl Names {
    /// Names under `namespace`.
    pub fn new(namespace: impl Into<String>) -> Self {
        Names {
            namespace: namespace.into(),
        }
    }

    /// The namespace itself.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The topic exchange every job is published to.
    pub fn jobs_exchange(&self) -> String {
        format!("{}.jobs", self.namespace)
    }

    /// Routing key of a role's jobs; other consumers (audit, analytics) may
    /// bind `<namespace>.jobs.#` to see every job.
    pub fn routing_key(&self, role: Role) -> String {
        format!("{}.jobs.{role}", self.namespace)
    }

    /// The durable work queue of a role, shared by all its replicas.
    pub fn queue(&self, role: Role) -> String {
        format!("{}.{role}", self.namespace)
    }

    /// The work queue of a role's jobs in `lane`: [`Names::queue`] for
    /// interactive work, `<namespace>.<role>.bulk` for bulk work.
    pub fn lane_queue(&self, role: Role, lane: Priority) -> String {
        with_lane(self.queue(role), lane)
    }

    /// The routing key of a role's jobs in `lane` (bulk: `….bulk`).
    pub fn lane_routing_key(&self, role: Role, lane: Priority) -> String {
        with_lane(self.routing_key(role), lane)
    }

    /// A delay queue for retries of `lane`, which returns them to that
    /// lane's work queue.
    pub fn lane_retry_queue(&self, role: Role, lane: Priority, delay_ms: u64) -> String {
        match lane {
            Priority::Interactive => self.retry_queue(role, delay_ms),
            Priority::Bulk => format!("{}.{role}.bulk.retry.{delay_ms}ms", self.namespace),
        }
    }

    /// The Kafka topic of a role's jobs in `lane` (bulk: `….bulk`).
    pub fn lane_topic(&self, role: Role, lane: Priority) -> String {
        with_lane(self.topic(role), lane)
    }

    /// Where a role's dead jobs are kept for inspection.
    pub fn dead_letter_queue(&self, role: Role) -> String {
        format!("{}.{role}.dead", self.namespace)
    }

    /// A delay queue holding a role's retries for `delay_ms` before they
    /// return to the work queue.
    pub fn retry_queue(&self, role: Role, delay_ms: u64) -> String {
        format!("{}.{role}.retry.{delay_ms}ms", self.namespace)
    }

    /// The Kafka topic of a role's jobs (keyed by file id, so one file's jobs
    /// stay in order on one partition).
    pub fn topic(&self, role: Role) -> String {
        format!("{}.jobs.{role}", self.namespace)
    }

    /// A Kafka delay topic: a role's retries wait here `delay_ms` before
    /// they return to [`Names::topic`]. Named like `….retry.10s`.
    pub fn retry_topic(&self, role: Role, delay_ms: u64) -> String {
        format!(
            "{}.jobs.{role}.retry.{}",
            self.namespace,
            short_duration(delay_ms)
        )
    }

    /// The Kafka topic where a role's dead jobs are kept for inspection.
    pub fn dead_letter_topic(&self, role: Role) -> String {
        format!("{}.jobs.{role}.dead", self.namespace)
    }

    /// The Kafka consumer group of a role's workers.
    pub fn consumer_group(&self, role: Role) -> String {
        format!("{}.{role}", self.namespace)
    }

    /// The Kafka consumer group that moves a role's due retries back.
    pub fn retry_consumer_group(&self, role: Role) -> String {
        format!("{}.{role}.retry", self.namespace)
    }

    /// The Kafka consumer group whose committed offsets mark how much of a
    /// role's dead-letter topic operators have purged (nothing consumes it).
    pub fn dead_letter_group(&self, role: Role) -> String {
        format!("{}.{role}.dead-letters", self.namespace)
    }

    /// The pub/sub channel carrying job status events.
    pub fn events_channel(&self) -> String {
        format!("{}:job-events", self.namespace)
    }
}

fn with_lane(name: String, lane: Priority) -> String {
    match lane {
        Priority::Interactive => name,
        Priority::Bulk => name + ".bulk",
    }
}

/// `1500ms`, `10s`, `1m`, `2h`: the largest unit that divides the delay.
fn short_duration(ms: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(3_600_000, "h"), (60_000, "m"), (1_000, "s")];
    for (size, unit) in UNITS {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_namespaced_per_role() {
        let n = Names::new("t1");
        assert_eq!(n.queue(Role::Metadata), "t1.metadata");
        assert_eq!(n.routing_key(Role::Thumbnail), "t1.jobs.thumbnail");
        assert_eq!(n.dead_letter_queue(Role::Thumbnail), "t1.thumbnail.dead");
        assert_eq!(
            n.retry_queue(Role::Metadata, 1500),
            "t1.metadata.retry.1500ms"
        );
        assert_eq!(n.topic(Role::Thumbnail), "t1.jobs.thumbnail");
        assert_eq!(
            n.retry_topic(Role::Thumbnail, 10_000),
            "t1.jobs.thumbnail.retry.10s"
        );
        assert_eq!(
            n.retry_topic(Role::Metadata, 600_000),
            "t1.jobs.metadata.retry.10m"
        );
        assert_eq!(
            n.retry_topic(Role::Metadata, 1_500),
            "t1.jobs.metadata.retry.1500ms"
        );
        assert_eq!(n.dead_letter_topic(Role::Metadata), "t1.jobs.metadata.dead");
        assert_eq!(
            n.lane_queue(Role::Metadata, Priority::Interactive),
            n.queue(Role::Metadata)
        );
        assert_eq!(
            n.lane_queue(Role::Metadata, Priority::Bulk),
            "t1.metadata.bulk"
        );
        assert_eq!(
            n.lane_routing_key(Role::Metadata, Priority::Bulk),
            "t1.jobs.metadata.bulk"
        );
        assert_eq!(
            n.lane_retry_queue(Role::Metadata, Priority::Bulk, 1500),
            "t1.metadata.bulk.retry.1500ms"
        );
        assert_eq!(
            n.lane_topic(Role::Thumbnail, Priority::Bulk),
            "t1.jobs.thumbnail.bulk"
        );
        assert_ne!(
            n.consumer_group(Role::Metadata),
            n.retry_consumer_group(Role::Metadata)
        );
        assert_ne!(
            Names::default().queue(Role::Metadata),
            n.queue(Role::Metadata)
        );
    }
}
