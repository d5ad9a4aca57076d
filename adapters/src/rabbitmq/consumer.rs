//! Consuming a role's work queue, and settling deliveries.

use super::topology::bucket_delay_ms;
use super::{RabbitBroker, unavailable};
use crate::broker::{Acker, BrokerError, Delivery, Subscription};
use async_trait::async_trait;
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use kiln_proto::Role;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection, Consumer};
use std::time::Duration;

/// Header counting Kiln's own retries (republished through delay queues).
const RETRIES: &str = "x-kiln-retries";

/// One consumer on its own channel, with prefetch = the worker's concurrency.
pub(super) struct RabbitSubscription {
    broker: RabbitBroker,
    role: Role,
    channel: Channel,
    consumer: Consumer,
}

impl RabbitSubscription {
    pub(super) async fn start(
        broker: RabbitBroker,
        conn: &Connection,
        role: Role,
        prefetch: usize,
    ) -> Result<Self, BrokerError> {
        let channel = conn.create_channel().await.map_err(unavailable)?;
        channel
            .basic_qos(
                prefetch.clamp(1, u16::MAX as usize) as u16,
                BasicQosOptions::default(),
            )
            .await
            .map_err(unavailable)?;
        let consumer = channel
            .basic_consume(
                broker.names().queue(role).as_str().into(),
                format!("kiln-{role}-{}", crate::new_id()).as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(unavailable)?;
        Ok(RabbitSubscription {
            broker,
            role,
            channel,
            consumer,
        })
    }

    fn wrap(&self, d: lapin::message::Delivery) -> Delivery {
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
        // Closing the channel returns prefetched, unsettled messages to the queue.
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
        match self.consumer.next().await {
            Some(Ok(d)) => Ok(self.wrap(d)),
            Some(Err(e)) => Err(unavailable(e)),
            None => Err(BrokerError::Closed),
        }
    }

    async fn try_next(&mut self) -> Result<Option<Delivery>, BrokerError> {
        match self.consumer.next().now_or_never() {
            None => Ok(None),
            Some(Some(Ok(d))) => Ok(Some(self.wrap(d))),
            Some(Some(Err(e))) => Err(unavailable(e)),
            Some(None) => Err(BrokerError::Closed),
        }
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
        let queue = self.broker.retry_queue(self.role, delay_ms).await?;
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
