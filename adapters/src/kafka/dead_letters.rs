//! A role's dead-letter topic for operators. Kafka cannot delete single
//! messages, so a purge moves a mark instead: the committed offsets of the
//! role's dead-letter group (nothing consumes with it). Inspection reads
//! from the mark, and [`Broker::depth`](crate::broker::Broker::depth)
//! counts past it; retention removes the bytes in time.

use super::topics::{ADMIN_TIMEOUT, blocking};
use super::{KafkaBroker, header, unavailable};
use crate::broker::{BrokerError, DeadLetter};
use bytes::Bytes;
use kiln_proto::Role;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::time::{Duration, Instant};

/// Per partition of the dead-letter topic: where the mark is and where
/// the topic ends.
struct Span {
    partition: i32,
    from: i64,
    end: i64,
}

fn consumer(b: &KafkaBroker, role: Role) -> Result<BaseConsumer, BrokerError> {
    let mut config = b.client_config();
    config
        .set("group.id", b.names().dead_letter_group(role))
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest");
    config.create().map_err(unavailable)
}

fn spans(c: &BaseConsumer, topic: &str) -> Result<Vec<Span>, BrokerError> {
    let md = c
        .fetch_metadata(Some(topic), ADMIN_TIMEOUT)
        .map_err(unavailable)?;
    let mut tpl = TopicPartitionList::new();
    let mut marks = Vec::new();
    for t in md.topics() {
        for p in t.partitions() {
            tpl.add_partition(topic, p.id());
            let (low, high) = c
                .fetch_watermarks(topic, p.id(), ADMIN_TIMEOUT)
                .map_err(unavailable)?;
            marks.push((p.id(), low, high));
        }
    }
    let committed = c
        .committed_offsets(tpl, ADMIN_TIMEOUT)
        .map_err(unavailable)?;
    Ok(marks
        .into_iter()
        .map(|(partition, low, end)| {
            let mark = committed
                .find_partition(topic, partition)
                .and_then(|e| e.offset().to_raw())
                .filter(|&o| o >= 0)
                .unwrap_or(low);
            Span {
                partition,
                from: mark.max(low),
                end,
            }
        })
        .collect())
}

/// The first `limit` unpurged dead letters of `role` (by time).
pub(super) async fn peek(
    b: &KafkaBroker,
    role: Role,
    limit: usize,
) -> Result<Vec<DeadLetter>, BrokerError> {
    let c = consumer(b, role)?;
    let topic = b.names().dead_letter_topic(role);
    blocking(move || {
        let spans: Vec<Span> = spans(&c, &topic)?
            .into_iter()
            .filter(|s| s.from < s.end)
            .collect();
        let mut tpl = TopicPartitionList::new();
        for s in &spans {
            tpl.add_partition_offset(&topic, s.partition, Offset::Offset(s.from))
                .map_err(unavailable)?;
        }
        c.assign(&tpl).map_err(unavailable)?;
        // Up to `limit` from every partition, so the oldest overall are
        // among them whatever the spread.
        let mut left: Vec<(i32, i64)> = spans
            .iter()
            .map(|s| (s.partition, (s.end - s.from).min(limit as i64)))
            .collect();
        let mut found = Vec::new();
        let deadline = Instant::now() + ADMIN_TIMEOUT;
        while left.iter().any(|(_, n)| *n > 0) && Instant::now() < deadline {
            let Some(m) = c.poll(Duration::from_millis(200)) else {
                continue;
            };
            let m = m.map_err(unavailable)?;
            let Some(slot) = left.iter_mut().find(|(p, _)| *p == m.partition()) else {
                continue;
            };
            if slot.1 == 0 {
                continue;
            }
            slot.1 -= 1;
            found.push((m.timestamp().to_millis().unwrap_or(0), letter(&m)));
        }
        found.sort_by_key(|(at, _)| *at);
        Ok(found.into_iter().take(limit).map(|(_, d)| d).collect())
    })
    .await
}

/// Moves the mark to the end of every partition; returns how many
/// messages it passed.
pub(super) async fn purge(b: &KafkaBroker, role: Role) -> Result<u64, BrokerError> {
    let c = consumer(b, role)?;
    let topic = b.names().dead_letter_topic(role);
    blocking(move || {
        let spans = spans(&c, &topic)?;
        let mut tpl = TopicPartitionList::new();
        let mut purged = 0;
        for s in &spans {
            purged += (s.end - s.from).max(0) as u64;
            tpl.add_partition_offset(&topic, s.partition, Offset::Offset(s.end))
                .map_err(unavailable)?;
        }
        if purged > 0 {
            c.commit(&tpl, CommitMode::Sync).map_err(unavailable)?;
        }
        Ok(purged)
    })
    .await
}

fn letter(m: &rdkafka::message::BorrowedMessage<'_>) -> DeadLetter {
    let text = |name: &str| {
        m.headers().and_then(|h| {
            h.iter()
                .find(|x| x.key == name)
                .and_then(|x| x.value)
                .map(|v| String::from_utf8_lossy(v).into_owned())
        })
    };
    DeadLetter {
        payload: Bytes::copy_from_slice(m.payload().unwrap_or_default()),
        reason: text(header::REASON).unwrap_or_default(),
        deliveries: text(header::RETRIES)
            .and_then(|r| r.parse::<u32>().ok())
            .map(|r| r + 1),
        dead_at: text(header::DEAD_AT)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
    }
}
