//! A role's work-topic consumer: one per process, shared by that process's
//! subscriptions. It hands out several messages at once (across and within
//! partitions), stores offsets only up to the lowest unsettled message of
//! each partition, and pauses fetching while the worker is saturated, so a
//! busy consumer keeps polling (and its group membership) without hoarding.
//!
//! It reads both lanes' topics and hands out interactive messages first
//! (bulk keeps a small share, see `lanes`). The bulk topic is paused on its
//! own once bulk messages fill half the buffer's slack, so a bulk backlog
//! never fills the buffer that interactive messages arrive in.

use super::acker::KafkaAcker;
use super::offsets::{Tp, Tracker};
use super::{KafkaBroker, forwarder, header, unavailable};
use crate::broker::{BrokerError, Delivery, Subscription};
use crate::lanes::LanePicker;
use async_trait::async_trait;
use bytes::Bytes;
use kiln_proto::{Priority, Role};
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// Messages buffered beyond the worker's concurrency before fetching pauses.
const BUFFERED: usize = 32;

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Keeps the offset tracker in step with the group's assignments.
pub(super) struct Ctx {
    tracker: Mutex<Tracker>,
    assigned: watch::Sender<bool>,
}

impl ClientContext for Ctx {}

impl ConsumerContext for Ctx {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, r: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = r {
            tracing::info!(partitions = tpl.count(), "kafka partitions revoked");
            lock(&self.tracker).revoke(tps(tpl));
        }
    }

    fn post_rebalance(&self, c: &BaseConsumer<Self>, r: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = r {
            tracing::info!(partitions = tpl.count(), "kafka partitions assigned");
            // A pause outlives the assignment in librdkafka: a partition
            // paused, revoked and assigned again would never be fetched.
            let _ = c.resume(tpl);
            lock(&self.tracker).assign(tps(tpl));
            self.assigned.send_replace(true);
        }
    }
}

pub(super) fn tps(tpl: &TopicPartitionList) -> Vec<Tp> {
    tpl.elements()
        .iter()
        .map(|e| (e.topic().to_owned(), e.partition()))
        .collect()
}

/// A numeric Kiln header of a message, 0 when absent.
pub(super) fn header_u64(m: &BorrowedMessage<'_>, name: &str) -> u64 {
    m.headers()
        .and_then(|h| h.iter().find(|h| h.key == name).and_then(|h| h.value))
        .and_then(|v| std::str::from_utf8(v).ok()?.parse().ok())
        .unwrap_or(0)
}

/// A received message not yet settled.
pub(super) struct Pending {
    pub(super) payload: Bytes,
    pub(super) key: Option<Vec<u8>>,
    pub(super) retries: u64,
    pub(super) redeliveries: u64,
    pub(super) tp: Tp,
    pub(super) offset: i64,
    pub(super) epoch: u64,
    pub(super) lane: Priority,
}

pub(super) struct Shared {
    pub(super) broker: KafkaBroker,
    pub(super) role: Role,
    consumer: StreamConsumer<Ctx>,
    /// Received, not yet handed to a subscription.
    pub(super) ready: Mutex<VecDeque<Pending>>,
    pub(super) arrived: Notify,
    settled: Notify,
    pub(super) in_flight: AtomicUsize,
    /// Messages held at once (ready plus in flight) before fetching pauses.
    window: AtomicUsize,
    closed: AtomicBool,
    picker: Mutex<LanePicker>,
    bulk_topic: String,
}

impl Shared {
    /// Which lanes to stop fetching (interactive, bulk). Interactive: the
    /// worker is saturated and a little more is buffered; the slack keeps
    /// pauses rare in steady operation (each resume costs a fetch round
    /// trip). Bulk: also once it holds half the slack, so the other half
    /// stays free for interactive messages to arrive in.
    fn saturated(&self) -> (bool, bool) {
        let window = self.window.load(Ordering::Acquire);
        let ready = lock(&self.ready);
        let bulk = ready.iter().filter(|p| p.lane == Priority::Bulk).count();
        let all = ready.len() + self.in_flight.load(Ordering::Acquire) >= window + BUFFERED;
        (all, all || bulk >= window + BUFFERED / 2)
    }

    fn take(self: &Arc<Self>) -> Option<Delivery> {
        let tracker = &self.consumer.context().tracker;
        let mut ready = lock(&self.ready);
        let before = ready.len();
        // Its partition moved to another consumer, which will deliver it.
        ready.retain(|p| lock(tracker).is_current(&p.tp, p.epoch));
        let dropped = ready.len() < before;
        let has = |lane| ready.iter().any(|p: &Pending| p.lane == lane);
        let lane = lock(&self.picker).pick(has(Priority::Interactive), has(Priority::Bulk));
        // The first of the chosen lane: within a lane, arrival order.
        let at = lane.and_then(|lane| ready.iter().position(|p| p.lane == lane));
        if let Some(p) = at.and_then(|i| ready.remove(i)) {
            self.in_flight.fetch_add(1, Ordering::AcqRel);
            let count = (1 + p.retries + p.redeliveries).min(u32::MAX as u64) as u32;
            let payload = p.payload.clone();
            let acker = KafkaAcker::new(self.clone(), p);
            return Some(Delivery::new(payload, count, Box::new(acker)));
        }
        if dropped {
            self.settled.notify_one();
        }
        None
    }

    /// Marks a message settled and stores the partition's new position for
    /// the next commit (librdkafka commits stored offsets every second, and
    /// on revocation and close).
    pub(super) fn finish(&self, p: &Pending) {
        let mut tracker = lock(&self.consumer.context().tracker);
        if let Some(pos) = tracker.finished(&p.tp, p.offset, p.epoch) {
            let mut tpl = TopicPartitionList::new();
            if tpl
                .add_partition_offset(&p.tp.0, p.tp.1, Offset::Offset(pos))
                .is_ok()
                && let Err(e) = self.consumer.store_offsets(&tpl)
            {
                tracing::debug!(error = %e, "offset not stored (partition no longer assigned)");
            }
        }
        drop(tracker);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.settled.notify_one();
    }

    /// Pauses or resumes fetching of one lane's partitions.
    fn set_paused(&self, lane: Priority, pause: bool) {
        let Ok(assigned) = self.consumer.assignment() else {
            return;
        };
        let mut tpl = TopicPartitionList::new();
        for e in assigned.elements() {
            if (e.topic() == self.bulk_topic) == (lane == Priority::Bulk) {
                tpl.add_partition(e.topic(), e.partition());
            }
        }
        let r = if pause {
            self.consumer.pause(&tpl)
        } else {
            self.consumer.resume(&tpl)
        };
        if let Err(e) = r {
            tracing::debug!(error = %e, pause, %lane, "kafka pause/resume failed");
        }
    }
}

/// The process's consumer of one role.
pub(super) struct RoleConsumer {
    shared: Arc<Shared>,
    assigned: [watch::Receiver<bool>; 2],
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl RoleConsumer {
    /// Joins the role's group and starts fetching; also starts the role's
    /// delay-topic forwarder.
    pub(super) fn start(broker: KafkaBroker, role: Role) -> Result<Self, BrokerError> {
        let (assigned_tx, assigned) = watch::channel(false);
        let ctx = Ctx {
            tracker: Mutex::new(Tracker::default()),
            assigned: assigned_tx,
        };
        let names = broker.names().clone();
        let consumer: StreamConsumer<Ctx> = consumer_config(&broker, &names.consumer_group(role))
            .create_with_context(ctx)
            .map_err(unavailable)?;
        let bulk_topic = names.lane_topic(role, Priority::Bulk);
        consumer
            .subscribe(&[&names.topic(role), &bulk_topic])
            .map_err(unavailable)?;
        let (stop, stopped) = watch::channel(false);
        let (fwd, fwd_assigned) = forwarder::start(broker.clone(), role, stopped.clone())?;
        let shared = Arc::new(Shared {
            broker,
            role,
            consumer,
            ready: Mutex::new(VecDeque::new()),
            arrived: Notify::new(),
            settled: Notify::new(),
            in_flight: AtomicUsize::new(0),
            window: AtomicUsize::new(1),
            closed: AtomicBool::new(false),
            picker: Mutex::new(LanePicker::default()),
            bulk_topic,
        });
        let poller = tokio::spawn(poll(shared.clone(), stopped));
        Ok(RoleConsumer {
            shared,
            assigned: [assigned, fwd_assigned],
            stop,
            tasks: Mutex::new(vec![poller, fwd]),
        })
    }

    /// Lets at least `prefetch` messages be held at once.
    pub(super) fn widen(&self, prefetch: usize) {
        self.shared
            .window
            .fetch_max(prefetch.max(1), Ordering::AcqRel);
        self.shared.settled.notify_one();
    }

    /// Waits (up to `timeout`) until both groups have handed this process
    /// its partitions, so a fresh subscription is really consuming.
    pub(super) async fn wait_assigned(&self, timeout: Duration) {
        for rx in &self.assigned {
            let mut rx = rx.clone();
            if tokio::time::timeout(timeout, rx.wait_for(|a| *a))
                .await
                .is_err()
            {
                tracing::warn!(role = %self.shared.role, "no kafka partitions assigned yet");
                return;
            }
        }
    }

    /// Stops fetching, commits what is settled, and leaves the groups.
    pub(super) async fn close(&self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.arrived.notify_waiters();
        self.stop.send_replace(true);
        let tasks: Vec<_> = lock(&self.tasks).drain(..).collect();
        for t in tasks {
            let _ = t.await;
        }
        let shared = self.shared.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let mut tpl = TopicPartitionList::new();
            for ((topic, p), pos) in lock(&shared.consumer.context().tracker).positions() {
                let _ = tpl.add_partition_offset(&topic, p, Offset::Offset(pos));
            }
            if tpl.count() > 0
                && let Err(e) = shared.consumer.commit(&tpl, CommitMode::Sync)
            {
                tracing::warn!(error = %e, "final kafka commit failed; settled messages may be redelivered");
            }
            lock(&shared.consumer.context().tracker).clear();
        })
        .await;
        leave(&self.shared.consumer).await;
    }
}

/// Unsubscribes and keeps polling until the group has taken the partitions
/// back (the revocation is served by polling), so the other members get them
/// now rather than after the session timeout.
pub(super) async fn leave<C: ConsumerContext + 'static>(consumer: &StreamConsumer<C>) {
    consumer.unsubscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while tokio::time::Instant::now() < deadline {
        if consumer.assignment().map_or(true, |a| a.count() == 0) {
            break;
        }
        // Whatever arrives now is not stored, so it stays with the group.
        let _ = tokio::time::timeout(Duration::from_millis(100), consumer.recv()).await;
    }
}

pub(super) fn consumer_config(broker: &KafkaBroker, group: &str) -> rdkafka::ClientConfig {
    let session = broker.config().session_timeout_ms;
    let mut c = broker.client_config();
    c.set("group.id", group)
        // Offsets are stored by Kiln once a message is settled, and
        // librdkafka commits the stored ones every second and on rebalance.
        .set("enable.auto.commit", "true")
        .set("enable.auto.offset.store", "false")
        .set("auto.commit.interval.ms", "1000")
        .set("auto.offset.reset", "earliest")
        // Job messages are small; librdkafka's default prefetch (64 MB per
        // partition) would hold far more than any worker can start.
        .set("queued.max.messages.kbytes", "1024")
        .set("session.timeout.ms", session.to_string())
        .set("heartbeat.interval.ms", (session / 4).max(100).to_string());
    c
}

async fn poll(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    // Interactive, bulk: as last set.
    let mut paused = (false, false);
    let apply = |paused: &mut (bool, bool), force: bool| {
        let want = shared.saturated();
        for (lane, was, now) in [
            (Priority::Interactive, &mut paused.0, want.0),
            (Priority::Bulk, &mut paused.1, want.1),
        ] {
            // A pause is re-applied: it covers partitions a rebalance just
            // assigned.
            if now != *was || (now && force) {
                shared.set_paused(lane, now);
                *was = now;
            }
        }
    };
    loop {
        tokio::select! {
            m = shared.consumer.recv() => match m {
                Ok(m) => {
                    let tp = (m.topic().to_owned(), m.partition());
                    let lane = if tp.0 == shared.bulk_topic { Priority::Bulk } else { Priority::Interactive };
                    let epoch = lock(&shared.consumer.context().tracker).received(&tp, m.offset());
                    let Some(epoch) = epoch else { continue };
                    let pending = Pending {
                        payload: Bytes::copy_from_slice(m.payload().unwrap_or_default()),
                        key: m.key().map(<[u8]>::to_vec),
                        retries: header_u64(&m, header::RETRIES),
                        redeliveries: 0,
                        tp,
                        offset: m.offset(),
                        epoch,
                        lane,
                    };
                    drop(m);
                    lock(&shared.ready).push_back(pending);
                    shared.arrived.notify_one();
                    apply(&mut paused, true);
                }
                Err(e) => {
                    tracing::warn!(role = %shared.role, error = %e, "kafka consume error");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            },
            _ = shared.settled.notified() => apply(&mut paused, false),
            _ = stop.changed() => break,
        }
    }
}

/// A subscription: a handle on the process's consumer of the role.
pub(super) struct KafkaSubscription {
    rc: Arc<RoleConsumer>,
}

impl KafkaSubscription {
    pub(super) fn new(rc: Arc<RoleConsumer>) -> Self {
        KafkaSubscription { rc }
    }
}

#[async_trait]
impl Subscription for KafkaSubscription {
    async fn next(&mut self) -> Result<Delivery, BrokerError> {
        let shared = &self.rc.shared;
        loop {
            if shared.closed.load(Ordering::Acquire) {
                return Err(BrokerError::Closed);
            }
            let arrived = shared.arrived.notified();
            if let Some(d) = shared.take() {
                return Ok(d);
            }
            arrived.await;
        }
    }

    async fn try_next(&mut self) -> Result<Option<Delivery>, BrokerError> {
        if self.rc.shared.closed.load(Ordering::Acquire) {
            return Err(BrokerError::Closed);
        }
        Ok(self.rc.shared.take())
    }
}
