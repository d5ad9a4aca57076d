//! The broker contract against a real RabbitMQ, plus what only RabbitMQ has:
//! its topology, dead-letter queue and publisher confirms.

#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use kiln_adapters::Broker;
use kiln_adapters::rabbitmq::{RabbitBroker, RabbitConfig};
use kiln_adapters::test_servers::amqp_url;
use kiln_proto::{Names, Role};
use std::time::Duration;

async fn broker(config: RabbitConfig) -> RabbitBroker {
    let names = Names::new(format!("test-{}", kiln_adapters::new_id()));
    RabbitBroker::connect(&amqp_url(), names, config)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "RabbitMQ must be running for these tests (KILN_TEST_AMQP_URL={}): {e}",
                amqp_url()
            )
        })
}

#[tokio::test]
async fn rabbitmq_quorum_queues_meet_the_broker_contract() {
    let b = broker(RabbitConfig::default()).await;
    kiln_adapters::contract::broker(&b, Role::Metadata).await;
    b.delete_topology(&[300]).await.unwrap();
}

#[tokio::test]
async fn rabbitmq_classic_queues_meet_the_broker_contract() {
    let b = broker(RabbitConfig {
        queue_type: "classic".into(),
        ..Default::default()
    })
    .await;
    kiln_adapters::contract::broker(&b, Role::Thumbnail).await;
    b.delete_topology(&[300]).await.unwrap();
}

#[tokio::test]
async fn rabbitmq_serves_interactive_before_bulk() {
    let b = broker(RabbitConfig::default()).await;
    kiln_adapters::contract::broker_lanes(&b, Role::Notify).await;
    b.delete_topology(&[]).await.unwrap();
}

#[tokio::test]
async fn rabbitmq_reports_queue_depth() {
    let b = broker(RabbitConfig::default()).await;
    kiln_adapters::contract::broker_depth(&b, Role::Convert).await;
    b.delete_topology(&[300]).await.unwrap();
}

#[tokio::test]
async fn dead_letters_keep_the_message_and_declaring_twice_is_harmless() {
    let b = broker(RabbitConfig::default()).await;
    // A second process declaring the same topology changes nothing.
    let again = RabbitBroker::connect(&amqp_url(), b.names().clone(), RabbitConfig::default())
        .await
        .unwrap();
    again
        .publish(Role::Thumbnail, "file-1", Bytes::from_static(b"poison"))
        .await
        .unwrap();
    assert_eq!(b.depth(&b.names().queue(Role::Thumbnail)).await.unwrap(), 1);
    let mut sub = b.subscribe(Role::Thumbnail, 2).await.unwrap();
    let d = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap()
        .unwrap();
    d.dead_letter("corrupt input").await.unwrap();
    let dlq = b.names().dead_letter_queue(Role::Thumbnail);
    assert_eq!(b.depth(&dlq).await.unwrap(), 1);
    assert_eq!(b.depth(&b.names().queue(Role::Thumbnail)).await.unwrap(), 0);
    drop(sub);
    b.delete_topology(&[]).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_broker_fails_fast() {
    // Nothing listens on this port: the publish must fail, not hang.
    let b = RabbitBroker::lazy(
        "amqp://guest:guest@127.0.0.1:1/%2f",
        Names::new("nowhere"),
        RabbitConfig::default(),
    );
    let started = std::time::Instant::now();
    assert!(
        b.publish(Role::Metadata, "k", Bytes::from_static(b"x"))
            .await
            .is_err()
    );
    assert!(b.ping().await.is_err());
    assert!(started.elapsed() < Duration::from_secs(10));
}
