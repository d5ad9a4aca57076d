//! Consuming a role's work queues (both lanes), and settling deliveries.

use super::topology::bucket_delay_ms;
use super::{RabbitBroker, unavailable};
use crate::broker::{Acker, BrokerError, Delivery, Subscription};
use crate::lanes::LanePicker;
use async_trait::async_trait;
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use kiln_proto::{Priority, Role};
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection, Consumer};
use std::time::Duration;

/// Header counting Kiln's own retries (republished through delay queues).
const RETRIES: &str = "x-kiln-retries";

/// One channel consuming both lanes of a role, with prefetch = the
/// worker's concurrency per lane. Deliveries that arrive are held (they
/// are prefetched anyway) until the lane picker chooses them.
pub(super) struct RabbitSubscription {
    broker: RabbitBroker,
    role: Role,
    channel: Channel,
    /// Interactive, then bulk.
    lanes: [Lane; 2],
    picker: LanePicker,
}

/// One lane's consumer and the delivery it has ready, if any.
struct Lane {
    priority: Priority,
    consumer: Consumer,
    ready: Option<lapin::message::Delivery>,
}

impl Lane {
    /// Fills `ready` from what has already arrived, without waiting.
    fn poll_ready(&mut self) -> Result<(), BrokerError> {
        if self.ready.is_none() {
            match self.consumer.next().now_or_never() {
                None => {}
                Some(Some(Ok(d))) => self.ready = Some(d),
                Some(Some(Err(e))) => return Err(unavailable(e)),
                Some(None) => return Err(BrokerError::Closed),
            }
        }
        Ok(())
    }

    /// Waits for a delivery (cancel-safe: the consumer stream keeps it).
    async fn arrive(&mut self) -> Result<(), BrokerError> {
        if self.ready.is_none() {
            match self.consumer.next().await {
                Some(Ok(d)) => self.ready = Some(d),
                Some(Err(e)) => return Err(unavailable(e)),
                None => return Err(BrokerError::Closed),
            }
        }
        Ok(())
    }
}

impl RabbitSubscription {
    pub(super) async fn start(
        broker: RabbitBroker,
        conn: &Connection,
        role: Role,
        prefetch: usize,
    ) -> Result<Self, BrokerError> {
        let channel = conn.create_channel().await.map_err(unavailable)?;
        // Per consumer (not global): each lane may hold `prefetch`, so a
        // bulk backlog never takes the interactive lane's slots.
        channel
            .basic_qos(
                prefetch.clamp(1, u16::MAX as usize) as u16,
                BasicQosOptions::default(),
            )
            .await
            .map_err(unavailable)?;
        let mut lanes = Vec::with_capacity(2);
        for priority in Priority::ALL {
            let consumer = channel
                .basic_consume(
                    broker.names().lane_queue(role, priority).as_str().into(),
                    format!("kiln-{role}-{priority}-{}", crate::new_id())
                        .as_str()
                        .into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(unavailable)?;
            lanes.push(Lane {
                priority,
                consumer,
                ready: None,
            });
        }
        let lanes: [Lane; 2] = lanes
            .try_into()
            .map_err(|_| unavailable("two lanes expected"))?;
        Ok(RabbitSubscription {
            broker,
            role,
            channel,
            lanes,
            picker: LanePicker::default(),
        })
    }

    /// The ready delivery the picker chooses, if any.
    fn take(&mut self) -> Result<Option<Delivery>, BrokerError> {
        for lane in &mut self.lanes {
            lane.poll_ready()?;
        }
        let [i, b] = &self.lanes;
        let Some(priority) = self.picker.pick(i.ready.is_some(), b.ready.is_some()) else {
            return Ok(None);
        };
        let lane = self.lanes.iter_mut().find(|l| l.priority == priority);
        let ready = lane.and_then(|l| l.ready.take());
        Ok(ready.map(|d| self.wrap(d, priority)))
    }

    fn wrap(&self, d: lapin::message::Delivery, lane: Priority) -> Delivery {
        let headers = d.properties.headers().clone().unwrap_or_default();
        let retries = int_header(&headers, RETRIES);
        // Quorum queues count redeliveries (a consumer that died holding it).
        let redeliveries = match int_header(&headers, "x-delivery-count") {
            0 if d.redelivered => 1,
            n => n,
        };
        let count = 1 + retries + redeliveries;
        let payload = Bytes::from(d.data);
        let acker = RabbitAcker {
            broker: self.broker.clone(),
            role: self.role,
            lane,
            acker: Some(d.acker),
            payload: payload.clone(),
            headers,
            retries,
        };
        Delivery::new(payload, count.min(u32::MAX as u64) as u32, Box::new(acker))
    }
}

impl Drop for RabbitSubscription {
    fn drop(&mut self) {
        // Closing the channel returns prefetched, unsettled messages (the
        // held ones too) to their queues.
        let ch = self.channel.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = ch.close(200, "OK".into()).await;
            });
        }
    }
}

#[async_trait]
impl Subscription for RabbitSubscription {
    async fn next(&mut self) -> Result<Delivery, BrokerError> {
        loop {
            if let Some(d) = self.take()? {
                return Ok(d);
            }
            let [interactive, bulk] = &mut self.lanes;
            tokio::select! {
                biased;
                r = interactive.arrive() => r?,
                r = bulk.arrive() => r?,
            }
        }
    }

    async fn try_next(&mut self) -> Result<Option<Delivery>, BrokerError> {
        self.take()
    }
}

fn int_header(h: &FieldTable, key: &str) -> u64 {
    match h.inner().get(key) {
        Some(AMQPValue::LongLongInt(n)) => (*n).max(0) as u64,
        Some(AMQPValue::LongInt(n)) => (*n).max(0) as u64,
        Some(AMQPValue::ShortInt(n)) => (*n).max(0) as u64,
        Some(AMQPValue::LongUInt(n)) => *n as u64,
        _ => 0,
    }
}

/// Settles one delivery. A retry or dead-letter is a confirmed publish of
/// the message to the delay or dead-letter queue, then an ack: if the process
/// dies between the two, the message is delivered twice, and the job store
/// turns the second into a no-op. Never the other way round (lost).
struct RabbitAcker {
    broker: RabbitBroker,
    role: Role,
    lane: Priority,
    acker: Option<lapin::Acker>,
    payload: Bytes,
    headers: FieldTable,
    retries: u64,
}

impl RabbitAcker {
    async fn ack_now(&mut self) -> Result<(), BrokerError> {
        let acker = self.acker.take().ok_or(BrokerError::Closed)?;
        acker
            .ack(BasicAckOptions::default())
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}

impl Drop for RabbitAcker {
    fn drop(&mut self) {
        // Unsettled (the handler task was cancelled): hand it back now rather
        // than when the channel closes.
        if let Some(acker) = self.acker.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                let _ = acker
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..Default::default()
                    })
                    .await;
            });
        }
    }
}

#[async_trait]
impl Acker for RabbitAcker {
    async fn ack(mut self: Box<Self>) -> Result<(), BrokerError> {
        self.ack_now().await
    }

    async fn retry(mut self: Box<Self>, delay: Duration) -> Result<(), BrokerError> {
        let delay_ms = bucket_delay_ms(delay.as_millis().min(u64::MAX as u128) as u64);
        let queue = self
            .broker
            .retry_queue(self.role, self.lane, delay_ms)
            .await?;
        let mut headers = self.headers.clone();
        headers.insert(
            RETRIES.into(),
            AMQPValue::LongLongInt(self.retries as i64 + 1),
        );
        // The delay queue's copy starts a fresh delivery count.
        let mut fresh = FieldTable::default();
        for (k, v) in headers.inner() {
            if k.as_str() != "x-delivery-count" && k.as_str() != "x-death" {
                fresh.insert(k.clone(), v.clone());
            }
        }
        self.broker
            .publish_confirmed("", &queue, &self.payload, fresh)
            .await?;
        self.ack_now().await
    }

    async fn dead_letter(mut self: Box<Self>, reason: &str) -> Result<(), BrokerError> {
        let mut headers = self.headers.clone();
        headers.insert("x-kiln-reason".into(), AMQPValue::LongString(reason.into()));
        headers.insert(
            "x-kiln-dead-at".into(),
            AMQPValue::LongString(chrono::Utc::now().to_rfc3339().into()),
        );
        let dlq = self.broker.names().dead_letter_queue(self.role);
        self.broker
            .publish_confirmed("", &dlq, &self.payload, headers)
            .await?;
        self.ack_now().await
    }
}
