//! Moves a role's retries from its delay topics back to their lane's work
//! topic once they are due, so a failing message never blocks the partition behind it.
//!
//! Each delay topic holds one fixed delay, so within a partition messages
//! fall due in the order they were written: the forwarder holds a
//! partition's oldest message with that partition paused until it is due,
//! while every other partition goes on.

use super::acker::with_header;
use super::consumer::{consumer_config, header_u64, leave, lock, tps};
use super::offsets::Tp;
use super::{KafkaBroker, header, unavailable};
use crate::broker::BrokerError;
use kiln_proto::{Priority, Role};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers, Message, OwnedHeaders};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Records revocations for the loop to act on, and the first assignment.
struct FwdCtx {
    revoked: Mutex<Vec<Tp>>,
    assigned: watch::Sender<bool>,
}

impl ClientContext for FwdCtx {}

impl ConsumerContext for FwdCtx {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, r: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = r {
            lock(&self.revoked).extend(tps(tpl));
        }
    }

    fn post_rebalance(&self, c: &BaseConsumer<Self>, r: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = r {
            // A pause outlives the assignment in librdkafka (see consumer.rs).
            let _ = c.resume(tpl);
            self.assigned.send_replace(true);
        }
    }
}

/// A message waiting for its time.
struct Held {
    key: Option<Vec<u8>>,
    payload: Vec<u8>,
    retries: u64,
    due_ms: u64,
    offset: i64,
    lane: Priority,
}

/// Joins the role's retry group; returns the forwarding task and a flag
/// that turns true once partitions are assigned.
pub(super) fn start(
    broker: KafkaBroker,
    role: Role,
    stop: watch::Receiver<bool>,
) -> Result<(JoinHandle<()>, watch::Receiver<bool>), BrokerError> {
    let (assigned, rx) = watch::channel(false);
    let ctx = FwdCtx {
        revoked: Mutex::new(Vec::new()),
        assigned,
    };
    let names = broker.names().clone();
    let consumer: StreamConsumer<FwdCtx> =
        consumer_config(&broker, &names.retry_consumer_group(role))
            .create_with_context(ctx)
            .map_err(unavailable)?;
    let topics: Vec<String> = broker
        .config()
        .retry_delays_ms
        .iter()
        .map(|&d| names.retry_topic(role, d))
        .collect();
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&refs).map_err(unavailable)?;
    Ok((tokio::spawn(run(broker, consumer, role, stop)), rx))
}

/// The lane a retry returns to (interactive unless its header says so).
fn lane_of(m: &BorrowedMessage<'_>) -> Priority {
    m.headers()
        .and_then(|h| {
            h.iter()
                .find(|h| h.key == header::LANE)
                .and_then(|h| h.value)
        })
        .and_then(|v| std::str::from_utf8(v).ok()?.parse().ok())
        .unwrap_or_default()
}

fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

fn one(tp: &Tp, offset: Option<i64>) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::new();
    match offset {
        Some(o) => {
            let _ = tpl.add_partition_offset(&tp.0, tp.1, Offset::Offset(o));
        }
        None => {
            tpl.add_partition(&tp.0, tp.1);
        }
    }
    tpl
}

struct Forwarder {
    broker: KafkaBroker,
    consumer: StreamConsumer<FwdCtx>,
    role: Role,
    held: HashMap<Tp, VecDeque<Held>>,
    paused: HashSet<Tp>,
}

async fn run(
    broker: KafkaBroker,
    consumer: StreamConsumer<FwdCtx>,
    role: Role,
    mut stop: watch::Receiver<bool>,
) {
    let mut f = Forwarder {
        broker,
        consumer,
        role,
        held: HashMap::new(),
        paused: HashSet::new(),
    };
    loop {
        let revoked: Vec<Tp> = lock(&f.consumer.context().revoked).drain(..).collect();
        for tp in revoked {
            // The partition's next owner reads these again from the commit.
            f.held.remove(&tp);
            f.paused.remove(&tp);
        }
        let wait = f
            .held
            .values()
            .filter_map(|q| q.front())
            .map(|h| h.due_ms.saturating_sub(now_ms()))
            .min()
            .unwrap_or(60_000);
        tokio::select! {
            m = f.consumer.recv() => match m {
                Ok(m) => {
                    let tp = (m.topic().to_owned(), m.partition());
                    let h = Held {
                        key: m.key().map(<[u8]>::to_vec),
                        payload: m.payload().unwrap_or_default().to_vec(),
                        retries: header_u64(&m, header::RETRIES),
                        due_ms: header_u64(&m, header::DUE_AT),
                        offset: m.offset(),
                        lane: lane_of(&m),
                    };
                    drop(m);
                    f.held.entry(tp).or_default().push_back(h);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "kafka retry consumer error");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            },
            _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
            _ = stop.changed() => break,
        }
        f.forward_due().await;
    }
    leave(&f.consumer).await;
}

impl Forwarder {
    /// Sends every due message back to the work topic, in partition order;
    /// pauses partitions whose head is not due yet and resumes empty ones.
    async fn forward_due(&mut self) {
        let tps: Vec<Tp> = self.held.keys().cloned().collect();
        for tp in tps {
            while let Some(h) = self.held.get(&tp).and_then(|q| q.front()) {
                if h.due_ms > now_ms() {
                    break;
                }
                let headers =
                    with_header(OwnedHeaders::new(), header::RETRIES, &h.retries.to_string());
                let target = self.broker.names().lane_topic(self.role, h.lane);
                let sent = self
                    .broker
                    .produce(&target, h.key.as_deref(), &h.payload, headers)
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "could not return a retry to its work topic; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    return;
                }
                let next = h.offset + 1;
                if let Err(e) = self.consumer.store_offsets(&one(&tp, Some(next))) {
                    tracing::debug!(error = %e, "offset not stored (partition no longer assigned)");
                }
                if let Some(q) = self.held.get_mut(&tp) {
                    q.pop_front();
                }
            }
            let waiting = self.held.get(&tp).is_some_and(|q| !q.is_empty());
            if waiting && self.paused.insert(tp.clone()) {
                let _ = self.consumer.pause(&one(&tp, None));
            } else if !waiting {
                self.held.remove(&tp);
                if self.paused.remove(&tp) {
                    let _ = self.consumer.resume(&one(&tp, None));
                }
            }
        }
    }
}
