//! Settling a Kafka delivery: ack, retry through a delay topic, or
//! dead-letter.

use super::consumer::{Pending, Shared, lock};
use super::header;
use crate::broker::{Acker, BrokerError};
use async_trait::async_trait;
use rdkafka::message::{Header, OwnedHeaders};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Settles one message. Retry and dead-letter produce a copy (to a delay or
/// the dead-letter topic) and wait for Kafka's acknowledgement before the
/// original counts as done: a crash in between duplicates, never loses.
pub(super) struct KafkaAcker {
    shared: Arc<Shared>,
    pending: Option<Pending>,
}

impl KafkaAcker {
    pub(super) fn new(shared: Arc<Shared>, pending: Pending) -> Self {
        KafkaAcker {
            shared,
            pending: Some(pending),
        }
    }

    fn settle(&mut self) -> Result<(), BrokerError> {
        let p = self.pending.take().ok_or(BrokerError::Closed)?;
        self.shared.finish(&p);
        Ok(())
    }

    async fn copy_to(&self, topic: &str, headers: OwnedHeaders) -> Result<(), BrokerError> {
        let p = self.pending.as_ref().ok_or(BrokerError::Closed)?;
        self.shared
            .broker
            .produce(topic, p.key.as_deref(), &p.payload, headers)
            .await
    }

    fn retries(&self) -> u64 {
        self.pending.as_ref().map_or(0, |p| p.retries)
    }
}

pub(super) fn with_header(h: OwnedHeaders, key: &str, value: &str) -> OwnedHeaders {
    h.insert(Header {
        key,
        value: Some(value),
    })
}

impl Drop for KafkaAcker {
    fn drop(&mut self) {
        // Unsettled (the handler was cancelled, or a retry could not be
        // written): hand it out again from memory. Its offset is still
        // uncommitted, so a crash before then redelivers it too.
        if let Some(mut p) = self.pending.take() {
            p.redeliveries += 1;
            lock(&self.shared.ready).push_front(p);
            self.shared.in_flight.fetch_sub(1, Ordering::AcqRel);
            self.shared.arrived.notify_one();
        }
    }
}

#[async_trait]
impl Acker for KafkaAcker {
    async fn ack(mut self: Box<Self>) -> Result<(), BrokerError> {
        self.settle()
    }

    async fn retry(mut self: Box<Self>, delay: Duration) -> Result<(), BrokerError> {
        let broker = &self.shared.broker;
        let tier = broker.config().retry_tier(delay);
        let topic = broker.names().retry_topic(self.shared.role, tier);
        let due = chrono::Utc::now().timestamp_millis().max(0) as u64 + tier;
        let mut headers = with_header(
            with_header(
                OwnedHeaders::new(),
                header::RETRIES,
                &(self.retries() + 1).to_string(),
            ),
            header::DUE_AT,
            &due.to_string(),
        );
        // The forwarder returns it to the lane it came from.
        if let Some(p) = &self.pending
            && !p.lane.is_interactive()
        {
            headers = with_header(headers, header::LANE, p.lane.as_str());
        }
        self.copy_to(&topic, headers).await?;
        self.settle()
    }

    async fn dead_letter(mut self: Box<Self>, reason: &str) -> Result<(), BrokerError> {
        let topic = self
            .shared
            .broker
            .names()
            .dead_letter_topic(self.shared.role);
        let headers = with_header(
            with_header(
                with_header(
                    OwnedHeaders::new(),
                    header::RETRIES,
                    &self.retries().to_string(),
                ),
                header::REASON,
                reason,
            ),
            header::DEAD_AT,
            &chrono::Utc::now().to_rfc3339(),
        );
        self.copy_to(&topic, headers).await?;
        self.settle()
    }
}
