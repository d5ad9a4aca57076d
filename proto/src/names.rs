//! Names of broker objects (exchanges, queues, topics, channels).

use crate::Role;

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

    /// Where a role's dead jobs are kept for inspection.
    pub fn dead_letter_queue(&self, role: Role) -> String {
        format!("{}.{role}.dead", self.namespace)
    }

    /// A delay queue holding a role's retries for `delay_ms` before they
    /// return to the work queue.
    pub fn retry_queue(&self, role: Role, delay_ms: u64) -> String {
        format!("{}.{role}.retry.{delay_ms}ms", self.namespace)
    }

    /// The pub/sub channel carrying job status events.
    pub fn events_channel(&self) -> String {
        format!("{}:job-events", self.namespace)
    }
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
        assert_ne!(
            Names::default().queue(Role::Metadata),
            n.queue(Role::Metadata)
        );
    }
}
