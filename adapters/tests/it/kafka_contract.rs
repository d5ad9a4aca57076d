//! The broker contract against a real Kafka-protocol broker, plus what only
//! Kafka has: partitions shared by a group, ordered commits, delay and
//! dead-letter topics.

#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use kiln_adapters::Broker;
use kiln_adapters::kafka::{KafkaBroker, KafkaConfig};
use kiln_adapters::test_servers::kafka_brokers;
use kiln_proto::{Names, Role};
use std::time::Duration;

fn config() -> KafkaConfig {
    kiln_adapters::test_servers::kafka_test_config()
}

async fn broker(names: &Names) -> KafkaBroker {
    KafkaBroker::connect(&kafka_brokers(), names.clone(), config())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "Kafka must be running for these tests ({}): {e}",
                kafka_brokers()
            )
        })
}

/// A role's work topic: messages held, and the role's group's lag.
async fn work_stats(b: &KafkaBroker, role: Role) -> kiln_adapters::kafka::TopicStats {
    let names = b.names();
    b.topic_stats(&names.topic(role), &names.consumer_group(role))
        .await
        .unwrap()
}

fn fresh() -> Names {
    Names::new(format!("t{}", kiln_adapters::new_id().replace('-', "")))
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_meets_the_broker_contract() {
    let names = fresh();
    let b = broker(&names).await;
    kiln_adapters::contract::broker(&b, Role::Metadata).await;
    b.delete_topology().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_serves_interactive_before_bulk() {
    let names = fresh();
    let b = broker(&names).await;
    kiln_adapters::contract::broker_lanes(&b, Role::Thumbnail).await;
    b.delete_topology().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_reports_queue_depth_as_lag() {
    let names = fresh();
    let b = broker(&names).await;
    kiln_adapters::contract::broker_depth(&b, Role::Convert).await;
    b.delete_topology().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_letters_keep_the_message_and_settled_offsets_are_committed() {
    let names = fresh();
    let b = broker(&names).await;
    for i in 0..5 {
        b.publish(
            Role::Thumbnail,
            &format!("file-{i}"),
            Bytes::from(format!("job-{i}")),
        )
        .await
        .unwrap();
    }
    let mut sub = b.subscribe(Role::Thumbnail, 5).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(
            tokio::time::timeout(Duration::from_secs(10), sub.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    // Settle all but one: the unsettled message's partition commits nothing past it.
    let keep = got.pop().unwrap();
    let mut dead = 0;
    for d in got {
        if d.payload.as_ref() == b"job-0" {
            d.dead_letter("corrupt input").await.unwrap();
            dead += 1;
        } else {
            d.ack().await.unwrap();
        }
    }
    drop(keep);
    let back = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        back.delivery_count, 2,
        "a dropped delivery comes back counted"
    );
    if back.payload.as_ref() == b"job-0" {
        back.dead_letter("corrupt input").await.unwrap();
        dead += 1;
    } else {
        back.ack().await.unwrap();
    }
    assert_eq!(dead, 1);
    drop(sub);
    // Closing commits what was settled: nothing is left for the group.
    b.close().await;
    let work = work_stats(&b, Role::Thumbnail).await;
    assert_eq!((work.messages, work.lag), (5, 0), "{work:?}");
    let dlq = b
        .topic_stats(
            &names.dead_letter_topic(Role::Thumbnail),
            &names.consumer_group(Role::Thumbnail),
        )
        .await
        .unwrap();
    assert_eq!(dlq.messages, 1, "{dlq:?}");
    b.delete_topology().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn two_consumers_of_a_role_share_its_partitions_and_a_closed_ones_work_moves() {
    let names = fresh();
    let producer = broker(&names).await;
    // Two processes' worth of consumers: separate broker instances.
    let a = broker(&names).await;
    let b = broker(&names).await;
    let mut sa = a.subscribe(Role::Metadata, 2).await.unwrap();
    let mut sb = b.subscribe(Role::Metadata, 2).await.unwrap();
    for i in 0..40 {
        producer
            .publish(
                Role::Metadata,
                &format!("file-{i}"),
                Bytes::from(format!("{i}")),
            )
            .await
            .unwrap();
    }
    let mut seen = std::collections::HashSet::new();
    let (mut by_a, mut by_b) = (0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    // `a` settles what it takes; `b` takes two and leaves them unsettled.
    let mut held = Vec::new();
    while held.len() < 2 && tokio::time::Instant::now() < deadline {
        if let Some(d) = sb.try_next().await.unwrap() {
            held.push(d);
            by_b += 1;
        }
        if let Some(d) = sa.try_next().await.unwrap() {
            assert!(seen.insert(d.payload.clone()));
            d.ack().await.unwrap();
            by_a += 1;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(held.len(), 2, "the second consumer got no partition");
    // `b` goes away without settling: its partitions, unsettled messages
    // included, move to `a`.
    std::mem::forget(held);
    drop(sb);
    b.close().await;
    drop(b);
    while seen.len() < 40 {
        let d = tokio::time::timeout_at(deadline, sa.next())
            .await
            .expect("not every message reached the remaining consumer")
            .unwrap();
        seen.insert(d.payload.clone());
        d.ack().await.unwrap();
        by_a += 1;
    }
    assert!(by_a >= 38 && by_b == 2, "{by_a} + {by_b}");
    drop(sa);
    a.close().await;
    producer.delete_topology().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_broker_fails_fast() {
    let b = KafkaBroker::lazy(
        "127.0.0.1:1",
        Names::new("nowhere"),
        KafkaConfig {
            publish_timeout_ms: 1_000,
            ..config()
        },
    )
    .unwrap();
    let started = std::time::Instant::now();
    assert!(
        b.publish(Role::Metadata, "k", Bytes::from_static(b"x"))
            .await
            .is_err()
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    // Having just failed, the next calls do not wait out another timeout:
    // a flood of uploads goes straight to the outbox.
    let again = std::time::Instant::now();
    for _ in 0..20 {
        assert!(
            b.publish(Role::Metadata, "k", Bytes::from_static(b"x"))
                .await
                .is_err()
        );
    }
    assert!(b.ping().await.is_err());
    assert!(
        again.elapsed() < Duration::from_millis(500),
        "{:?}",
        again.elapsed()
    );
}

/// Two consumers working several messages at once, each settling out of
/// order, with a backlog far beyond what they may hold (so fetching pauses
/// and resumes):
/// every message is processed, none is lost.
#[tokio::test(flavor = "multi_thread")]
async fn busy_consumers_settling_out_of_order_lose_nothing() {
    let names = fresh();
    let producer = broker(&names).await;
    // All published first: each consumer starts with a backlog far beyond
    // what it may hold, so fetching pauses and resumes many times.
    for i in 0..300u64 {
        producer
            .publish(
                Role::Thumbnail,
                &format!("file-{}", i % 37),
                Bytes::from(i.to_string()),
            )
            .await
            .unwrap();
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let mut workers = Vec::new();
    for w in 0..2u64 {
        let b = broker(&names).await;
        let seen = seen.clone();
        workers.push(tokio::spawn(async move {
            let mut sub = b.subscribe(Role::Thumbnail, 3).await.unwrap();
            let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(3));
            loop {
                let permit = slots.clone().acquire_owned().await.unwrap();
                let Ok(Ok(d)) = tokio::time::timeout(Duration::from_secs(5), sub.next()).await
                else {
                    break;
                };
                let seen = seen.clone();
                tokio::spawn(async move {
                    let n: u64 = std::str::from_utf8(&d.payload).unwrap().parse().unwrap();
                    tokio::time::sleep(Duration::from_millis(5 + (n * 7 + w) % 40)).await;
                    seen.lock().unwrap().insert(n);
                    d.ack().await.unwrap();
                    drop(permit);
                });
            }
            drop(sub);
            b.close().await;
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let missing: Vec<u64> = {
        let seen = seen.lock().unwrap();
        (0..300).filter(|i| !seen.contains(i)).collect()
    };
    assert!(missing.is_empty(), "never delivered: {missing:?}");
    let s = work_stats(&producer, Role::Thumbnail).await;
    assert_eq!((s.messages, s.lag), (300, 0), "{s:?}");
    producer.delete_topology().await.unwrap();
}
