//! Creating, inspecting and deleting Kiln's topics (the admin API). The
//! librdkafka calls here block, so they run on the blocking pool.

use super::{KafkaBroker, unavailable};
use crate::broker::BrokerError;
use kiln_proto::{Priority, Role};
use rdkafka::TopicPartitionList;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::Producer;
use std::time::Duration;

pub(super) const ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Every topic of the namespace: work (both lanes), delay and dead-letter,
/// per role.
pub(super) fn all_topics(b: &KafkaBroker) -> Vec<String> {
    let names = b.names();
    let mut topics = Vec::new();
    for role in Role::ALL {
        for lane in Priority::ALL {
            topics.push(names.lane_topic(role, lane));
        }
        for &d in &b.config().retry_delays_ms {
            topics.push(names.retry_topic(role, d));
        }
        topics.push(names.dead_letter_topic(role));
    }
    topics
}

fn admin(b: &KafkaBroker) -> Result<AdminClient<DefaultClientContext>, BrokerError> {
    b.client_config().create().map_err(unavailable)
}

fn options() -> AdminOptions {
    AdminOptions::new()
        .request_timeout(Some(ADMIN_TIMEOUT))
        .operation_timeout(Some(ADMIN_TIMEOUT))
}

/// Creates the topics that do not exist yet; existing ones are left as
/// they are (an operator may have tuned them).
pub(super) async fn ensure(b: &KafkaBroker) -> Result<(), BrokerError> {
    let admin = admin(b)?;
    let topics = all_topics(b);
    let cfg = b.config();
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|t| {
            NewTopic::new(
                t,
                cfg.partitions.max(1),
                TopicReplication::Fixed(cfg.replication_factor),
            )
        })
        .collect();
    let results = tokio::time::timeout(
        ADMIN_TIMEOUT + Duration::from_secs(2),
        admin.create_topics(&new, &options()),
    )
    .await
    .map_err(|_| unavailable("timed out creating kafka topics"))?
    .map_err(unavailable)?;
    for r in results {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(unavailable(format!("creating topic {topic}: {code}")));
            }
        }
    }
    tracing::info!(namespace = b.names().namespace(), "kafka topics ready");
    Ok(())
}

/// The cluster answers a metadata request for a work topic (through the
/// producer's connections: a probe every few seconds must not open new ones).
pub(super) async fn ping(b: &KafkaBroker) -> Result<(), BrokerError> {
    let topic = b.names().topic(Role::ALL[0]);
    let producer = b.producer();
    blocking(move || {
        producer
            .client()
            .fetch_metadata(Some(&topic), Duration::from_secs(3))
            .map(|_| ())
            .map_err(unavailable)
    })
    .await
}

/// A topic's size and a group's progress through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TopicStats {
    /// Messages the topic holds (high minus low watermark, all partitions).
    pub messages: i64,
    /// Messages past the group's committed offsets: its backlog, the number
    /// an autoscaler watches.
    pub lag: i64,
}

pub(super) async fn stats(
    b: &KafkaBroker,
    topic: &str,
    group: &str,
) -> Result<TopicStats, BrokerError> {
    let mut config = b.client_config();
    config.set("group.id", group);
    let topic = topic.to_owned();
    blocking(move || {
        let c: BaseConsumer = config.create().map_err(unavailable)?;
        let md = c
            .fetch_metadata(Some(&topic), ADMIN_TIMEOUT)
            .map_err(unavailable)?;
        let mut tpl = TopicPartitionList::new();
        let mut marks = Vec::new();
        for t in md.topics() {
            for p in t.partitions() {
                tpl.add_partition(&topic, p.id());
                marks.push((
                    p.id(),
                    c.fetch_watermarks(&topic, p.id(), ADMIN_TIMEOUT)
                        .map_err(unavailable)?,
                ));
            }
        }
        let committed = c
            .committed_offsets(tpl, ADMIN_TIMEOUT)
            .map_err(unavailable)?;
        let mut s = TopicStats::default();
        for (p, (low, high)) in marks {
            s.messages += high - low;
            let done = committed
                .find_partition(&topic, p)
                .and_then(|e| e.offset().to_raw())
                .filter(|&o| o >= 0)
                .unwrap_or(low);
            s.lag += (high - done).max(0);
        }
        Ok(s)
    })
    .await
}

/// Deletes the namespace's topics and groups (missing ones are fine).
pub(super) async fn delete_all(b: &KafkaBroker) -> Result<(), BrokerError> {
    let admin = admin(b)?;
    let topics = all_topics(b);
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    for r in admin
        .delete_topics(&refs, &options())
        .await
        .map_err(unavailable)?
    {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
            Err((topic, code)) => {
                return Err(unavailable(format!("deleting topic {topic}: {code}")));
            }
        }
    }
    let names = b.names();
    let groups: Vec<String> = Role::ALL
        .iter()
        .flat_map(|&r| {
            [
                names.consumer_group(r),
                names.retry_consumer_group(r),
                names.dead_letter_group(r),
            ]
        })
        .collect();
    let refs: Vec<&str> = groups.iter().map(String::as_str).collect();
    // Groups that never had a member do not exist; nothing to report.
    let _ = admin.delete_groups(&refs, &options()).await;
    Ok(())
}

pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BrokerError> + Send + 'static,
) -> Result<T, BrokerError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| unavailable(format!("kafka admin task failed: {e}")))?
}
