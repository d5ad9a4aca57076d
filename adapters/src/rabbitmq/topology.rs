//! Declaring Kiln's exchanges and queues (idempotent).

use super::{RabbitConfig, unavailable};
use crate::broker::BrokerError;
use kiln_proto::{Names, Priority, Role};
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

fn durable() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..Default::default()
    }
}

/// Declares the jobs exchange and, for every role, its two work queues
/// (interactive and bulk) and its dead-letter queue. Declaring what exists
/// with the same arguments is a no-op, so every process does this on every
/// connection.
pub(super) async fn declare(
    ch: &Channel,
    names: &Names,
    config: &RabbitConfig,
) -> Result<(), BrokerError> {
    ch.exchange_declare(
        names.jobs_exchange().as_str().into(),
        ExchangeKind::Topic,
        ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        },
        FieldTable::default(),
    )
    .await
    .map_err(unavailable)?;
    for role in Role::ALL {
        let mut dead_args = FieldTable::default();
        dead_args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString(config.queue_type.as_str().into()),
        );
        ch.queue_declare(
            names.dead_letter_queue(role).as_str().into(),
            durable(),
            dead_args,
        )
        .await
        .map_err(unavailable)?;

        for lane in Priority::ALL {
            declare_work_queue(ch, names, config, role, lane).await?;
        }
    }
    Ok(())
}

/// A role's work queue of one lane, bound to the jobs exchange.
async fn declare_work_queue(
    ch: &Channel,
    names: &Names,
    config: &RabbitConfig,
    role: Role,
    lane: Priority,
) -> Result<(), BrokerError> {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString(config.queue_type.as_str().into()),
    );
    // Rejected messages, and (quorum) messages over the delivery limit,
    // land in the dead-letter queue rather than vanishing.
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString("".into()),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(names.dead_letter_queue(role).as_str().into()),
    );
    if config.queue_type == "quorum" {
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongInt(config.delivery_limit as i32),
        );
    }
    let queue = names.lane_queue(role, lane);
    ch.queue_declare(queue.as_str().into(), durable(), args)
        .await
        .map_err(|e| {
            unavailable(format!(
                "declaring queue {queue} (queue_type={}): {e}",
                config.queue_type
            ))
        })?;
    ch.queue_bind(
        queue.as_str().into(),
        names.jobs_exchange().as_str().into(),
        names.lane_routing_key(role, lane).as_str().into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .map_err(unavailable)?;
    Ok(())
}

/// Declares the delay queue for `delay_ms`: messages wait there for their
/// TTL, then dead-letter back into the work queue. One queue per delay keeps
/// every message in a queue due in order (RabbitMQ only expires the head).
/// Unused delay queues delete themselves.
pub(super) async fn declare_retry_queue(
    ch: &Channel,
    names: &Names,
    role: Role,
    lane: Priority,
    delay_ms: u64,
) -> Result<String, BrokerError> {
    let name = names.lane_retry_queue(role, lane, delay_ms);
    let mut args = FieldTable::default();
    args.insert(
        "x-message-ttl".into(),
        AMQPValue::LongLongInt(delay_ms as i64),
    );
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString("".into()),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(names.lane_queue(role, lane).as_str().into()),
    );
    args.insert(
        "x-expires".into(),
        AMQPValue::LongLongInt((delay_ms * 2 + 60_000) as i64),
    );
    ch.queue_declare(name.as_str().into(), durable(), args)
        .await
        .map_err(unavailable)?;
    Ok(name)
}

/// Rounds a delay up to two significant digits (1234 ms → 1300 ms), so that
/// jittered backoffs share a small set of delay queues.
pub(super) fn bucket_delay_ms(ms: u64) -> u64 {
    let ms = ms.max(1);
    let mut scale = 1;
    while ms / scale >= 100 {
        scale *= 10;
    }
    ms.div_ceil(scale) * scale
}

#[cfg(test)]
mod tests {
    #[test]
    fn delays_round_up_to_two_digits() {
        assert_eq!(super::bucket_delay_ms(0), 1);
        assert_eq!(super::bucket_delay_ms(99), 99);
        assert_eq!(super::bucket_delay_ms(1234), 1300);
        assert_eq!(super::bucket_delay_ms(300_000), 300_000);
    }
}
