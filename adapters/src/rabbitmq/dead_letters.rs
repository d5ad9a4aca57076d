//! A role's dead-letter queue for operators: look without taking, purge.

use super::{RabbitBroker, unavailable};
use crate::broker::{BrokerError, DeadLetter};
use bytes::Bytes;
use kiln_proto::Role;
use lapin::options::{BasicGetOptions, BasicNackOptions, QueuePurgeOptions};
use lapin::types::{AMQPValue, FieldTable};

impl RabbitBroker {
    /// The first `limit` dead letters of `role`, left in the queue: each is
    /// taken unacked on a throwaway channel, then all are handed back with
    /// one `nack` (requeue), which puts them back where they were.
    pub(super) async fn peek_dead(
        &self,
        role: Role,
        limit: usize,
    ) -> Result<Vec<DeadLetter>, BrokerError> {
        let link = self.link().await?;
        let queue = self.names().dead_letter_queue(role);
        let ch = link.conn.create_channel().await.map_err(unavailable)?;
        let mut out = Vec::new();
        let mut last_tag = None;
        while out.len() < limit {
            let got = ch
                .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
                .await
                .map_err(unavailable)?;
            let Some(m) = got else { break };
            let d = m.delivery;
            last_tag = Some(d.delivery_tag);
            let headers = d.properties.headers().clone().unwrap_or_default();
            out.push(DeadLetter {
                payload: Bytes::from(d.data),
                reason: text(&headers, "x-kiln-reason").unwrap_or_default(),
                deliveries: None,
                dead_at: text(&headers, "x-kiln-dead-at")
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                    .map(|t| t.with_timezone(&chrono::Utc)),
            });
        }
        if let Some(tag) = last_tag {
            let back = BasicNackOptions {
                multiple: true,
                requeue: true,
            };
            ch.basic_nack(tag, back).await.map_err(unavailable)?;
        }
        // Closing would hand back anything not yet nacked, too.
        let _ = ch.close(200, "OK".into()).await;
        Ok(out)
    }

    /// Empties `role`'s dead-letter queue.
    pub(super) async fn purge_dead(&self, role: Role) -> Result<u64, BrokerError> {
        let link = self.link().await?;
        let queue = self.names().dead_letter_queue(role);
        let purged = link
            .publisher
            .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
            .await
            .map_err(unavailable)?;
        Ok(purged.into())
    }
}

fn text(headers: &FieldTable, name: &str) -> Option<String> {
    match headers.inner().get(name) {
        Some(AMQPValue::LongString(s)) => Some(s.to_string()),
        Some(AMQPValue::ShortString(s)) => Some(s.to_string()),
        _ => None,
    }
}
