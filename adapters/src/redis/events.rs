//! Job events over Redis pub/sub.

use super::{CONNECT_TIMEOUT, OP_TIMEOUT, bounded, connect};
use crate::embedded::LocalEventBus;
use crate::events::{EventBus, EventError};
use ::redis::aio::{ConnectionManager, PubSubSink, PubSubStream};
use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use kiln_proto::JobEvent;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Events buffered per local subscriber before a slow one starts missing some.
const FAN_OUT_CAPACITY: usize = 4096;
/// First and longest wait between attempts to restore the subscription.
const MIN_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// A subscription that lasted this long was healthy: the next reconnection
/// starts again from the shortest wait.
const HEALTHY_AFTER: Duration = Duration::from_secs(10);
/// How often the subscription connection is checked with a `PING`, so that a
/// connection that died silently is noticed.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// An [`EventBus`] over Redis pub/sub, for gateways and workers on several
/// machines: `PUBLISH {prefix}:job-events <event as JSON>`.
///
/// Publishing goes through one multiplexed connection that reconnects by
/// itself. Subscribing shares one pub/sub connection per bus (clones
/// included), opened by the first subscriber and kept afterwards: a background
/// task receives every job's events and fans them out in process, so thousands
/// of followers cost Redis one connection. If that connection drops, the task
/// restores it with exponential backoff (200 ms up to 10 s); events published
/// meanwhile are missed (delivery is best effort). Messages that are not job
/// events are logged and skipped.
#[derive(Clone)]
pub struct RedisEventBus {
    inner: Arc<Inner>,
}

struct Inner {
    client: ::redis::Client,
    conn: ConnectionManager,
    channel: String,
    local: LocalEventBus,
    listener: OnceLock<Listener>,
}

/// The background subscription task.
struct Listener {
    /// Whether the task is subscribed right now.
    live: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Ends the subscription; the local followers' streams then end too.
        if let Some(listener) = self.listener.get() {
            listener.task.abort();
        }
    }
}

impl std::fmt::Debug for RedisEventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisEventBus")
            .field("channel", &self.inner.channel)
            .field(
                "subscribed",
                &self.inner.listener.get().map(|l| *l.live.borrow()),
            )
            .finish()
    }
}

fn unavailable(e: impl Into<kiln_core::Cause>) -> EventError {
    EventError::Unavailable(e.into())
}

impl RedisEventBus {
    /// Connects to the Redis at `url` (`redis://[:password@]host[:port][/db]`,
    /// or `rediss://` for TLS) and uses the channel `{prefix}:job-events`.
    /// Fails if Redis cannot be reached within a few seconds.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, EventError> {
        let (client, conn) = connect(url).await.map_err(unavailable)?;
        Ok(RedisEventBus {
            inner: Arc::new(Inner {
                client,
                conn,
                channel: kiln_proto::Names::new(prefix).events_channel(),
                local: LocalEventBus::with_capacity(FAN_OUT_CAPACITY),
                listener: OnceLock::new(),
            }),
        })
    }

    /// The Redis channel the events go through.
    pub fn channel(&self) -> &str {
        &self.inner.channel
    }

    /// Starts the subscription task, once.
    fn listener(&self) -> &Listener {
        self.inner.listener.get_or_init(|| {
            let (live_tx, live) = watch::channel(false);
            let task = tokio::spawn(listen(
                self.inner.client.clone(),
                self.inner.channel.clone(),
                self.inner.local.clone(),
                live_tx,
            ));
            Listener { live, task }
        })
    }
}

#[async_trait]
impl EventBus for RedisEventBus {
    async fn publish(&self, event: &JobEvent) -> Result<(), EventError> {
        let payload = serde_json::to_string(event)
            .map_err(|e| EventError::Unavailable(format!("cannot encode event: {e}").into()))?;
        let mut conn = self.inner.conn.clone();
        let mut cmd = ::redis::cmd("PUBLISH");
        cmd.arg(&self.inner.channel).arg(payload);
        bounded("PUBLISH", cmd.query_async::<i64>(&mut conn))
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn subscribe(&self, job_id: &str) -> Result<BoxStream<'static, JobEvent>, EventError> {
        let mut live = self.listener().live.clone();
        // Follow first, then wait for the subscription, so nothing published
        // once this returns can be missed.
        let events = self.inner.local.follow(job_id);
        match tokio::time::timeout(OP_TIMEOUT, live.wait_for(|live| *live)).await {
            Ok(Ok(_)) => Ok(events),
            Ok(Err(_)) => Err(EventError::Unavailable(
                "the Redis subscription task has stopped".into(),
            )),
            Err(_) => Err(EventError::Unavailable(
                format!(
                    "not subscribed to Redis channel {} (reconnecting)",
                    self.inner.channel
                )
                .into(),
            )),
        }
    }

    async fn ping(&self) -> Result<(), EventError> {
        let mut conn = self.inner.conn.clone();
        bounded(
            "PING",
            ::redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await
        .map_err(unavailable)?;
        Ok(())
    }
}

/// Keeps one subscription to `channel` alive for as long as the bus exists,
/// handing each event to the local followers.
async fn listen(
    client: ::redis::Client,
    channel: String,
    local: LocalEventBus,
    live: watch::Sender<bool>,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        match subscribe(&client, &channel).await {
            Ok((sink, stream)) => {
                let since = Instant::now();
                live.send_replace(true);
                tracing::info!(channel, "subscribed to Redis job events");
                let why = relay(sink, stream, &local).await;
                live.send_replace(false);
                if since.elapsed() >= HEALTHY_AFTER {
                    backoff = MIN_BACKOFF;
                }
                tracing::warn!(channel, reason = %why, retry_in = ?backoff, "lost the Redis job event subscription");
            }
            Err(e) => {
                tracing::warn!(channel, error = %e, retry_in = ?backoff, "cannot subscribe to Redis job events");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Opens a pub/sub connection subscribed to `channel`.
async fn subscribe(
    client: &::redis::Client,
    channel: &str,
) -> Result<(PubSubSink, PubSubStream), String> {
    let pubsub = match tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub()).await {
        Ok(Ok(pubsub)) => pubsub,
        Ok(Err(e)) => return Err(format!("connecting: {e}")),
        Err(_) => return Err(format!("connecting: no answer within {CONNECT_TIMEOUT:?}")),
    };
    let (mut sink, stream) = pubsub.split();
    bounded("SUBSCRIBE", sink.subscribe(channel)).await?;
    Ok((sink, stream))
}

/// Relays messages until the connection fails; says why it did.
async fn relay(mut sink: PubSubSink, mut stream: PubSubStream, local: &LocalEventBus) -> String {
    let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else {
                    return "connection closed".into();
                };
                match serde_json::from_slice::<JobEvent>(msg.get_payload_bytes()) {
                    Ok(event) => local.send(event),
                    Err(e) => tracing::warn!(
                        channel = msg.get_channel_name(),
                        error = %e,
                        bytes = msg.get_payload_bytes().len(),
                        "skipped a message that is not a job event"
                    ),
                }
            }
            _ = heartbeat.tick() => {
                if let Err(e) = bounded("PING", sink.ping::<::redis::Value>()).await {
                    return e;
                }
            }
        }
    }
}
