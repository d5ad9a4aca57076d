//! The production brokers tests run on, and their per-test clean-up.

use kiln::config::{BrokerConfig, KafkaSection, RabbitSection};
use kiln_adapters::kafka::KafkaBroker;
use kiln_adapters::rabbitmq::{RabbitBroker, RabbitConfig};
use kiln_adapters::test_servers;
use kiln_proto::{Names, Role};

/// The production broker a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBroker {
    RabbitMq,
    Kafka,
}

impl TestBroker {
    /// The `KILN_*` variables selecting this broker.
    pub fn env(self) -> Vec<(String, String)> {
        match self {
            TestBroker::RabbitMq => vec![
                ("KILN_BROKER".to_owned(), "rabbitmq".to_owned()),
                ("KILN_AMQP_URL".to_owned(), test_servers::amqp_url()),
            ],
            TestBroker::Kafka => {
                let k = test_servers::kafka_test_config();
                let mut env: Vec<(String, String)> = [
                    ("KILN_BROKER", "kafka".to_owned()),
                    ("KILN_KAFKA_BROKERS", test_servers::kafka_brokers()),
                    ("KILN_KAFKA__PARTITIONS", k.partitions.to_string()),
                    (
                        "KILN_KAFKA__REPLICATION_FACTOR",
                        k.replication_factor.to_string(),
                    ),
                    (
                        "KILN_KAFKA__RETRY_DELAYS_MS",
                        format!("{:?}", k.retry_delays_ms),
                    ),
                    (
                        "KILN_KAFKA__SESSION_TIMEOUT_MS",
                        k.session_timeout_ms.to_string(),
                    ),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
                for (key, value) in &k.properties {
                    let var = format!("KILN_KAFKA__PROPERTIES__{}", key.to_uppercase());
                    env.push((var, value.clone()));
                }
                env
            }
        }
    }

    /// Selects this broker in an in-process configuration.
    pub fn apply(self, c: &mut kiln::Config) {
        match self {
            TestBroker::RabbitMq => {
                c.broker = BrokerConfig::Rabbitmq(RabbitSection::new(test_servers::amqp_url()));
            }
            TestBroker::Kafka => {
                c.broker = BrokerConfig::Kafka(KafkaSection {
                    brokers: test_servers::kafka_brokers().into(),
                    settings: test_servers::kafka_test_config(),
                });
            }
        }
    }

    fn kafka(names: &Names) -> KafkaBroker {
        KafkaBroker::lazy(
            &test_servers::kafka_brokers(),
            names.clone(),
            test_servers::kafka_test_config(),
        )
        .unwrap()
    }

    /// Messages in `role`'s dead-letter queue or topic.
    pub async fn dead_letters(self, names: &Names, role: Role) -> u64 {
        match self {
            TestBroker::RabbitMq => {
                let b = RabbitBroker::lazy(
                    &test_servers::amqp_url(),
                    names.clone(),
                    RabbitConfig::default(),
                );
                b.depth(&names.dead_letter_queue(role))
                    .await
                    .unwrap()
                    .into()
            }
            TestBroker::Kafka => {
                let b = Self::kafka(names);
                let s = b
                    .topic_stats(&names.dead_letter_topic(role), &names.consumer_group(role))
                    .await
                    .unwrap();
                s.messages as u64
            }
        }
    }

    /// Removes a test namespace's queues or topics, so repeated runs do not
    /// pile them up on the shared servers.
    pub async fn cleanup(self, names: &Names) {
        match self {
            TestBroker::RabbitMq => delete_queues(names).await,
            TestBroker::Kafka => {
                let _ = Self::kafka(names).delete_topology().await;
            }
        }
    }
}

/// Removes a test namespace's exchange and queues, so repeated runs do not
/// pile up quorum queues on the shared RabbitMQ.
pub async fn delete_queues(names: &Names) {
    let broker = RabbitBroker::lazy(
        &test_servers::amqp_url(),
        names.clone(),
        RabbitConfig::default(),
    );
    let _ = broker.delete_topology(&[]).await;
}
