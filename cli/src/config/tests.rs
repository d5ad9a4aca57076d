#![allow(
    clippy::result_large_err,
    clippy::unwrap_used,
    clippy::field_reassign_with_default
)]

use super::*;
use figment::Jail;
use std::path::Path;

fn load(file: Option<&str>) -> Result<Config, String> {
    Config::load(file.map(Path::new)).map_err(|e| e.to_string())
}

fn load_err(jail: &Jail, toml: &str) -> String {
    jail.create_file("k.toml", toml).unwrap();
    match load(Some("k.toml")) {
        Ok(c) => panic!("accepted: {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn file_then_environment_override_defaults() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "k.toml",
            "listen = \"127.0.0.1:9999\"\n[limits]\nmax_pixels = 1000\n",
        )?;
        jail.set_env("KILN_LIMITS__MAX_PIXELS", "2000");
        jail.set_env("KILN_RETRY__MAX_ATTEMPTS", "3");
        jail.set_env("KILN_BROKER", "kafka");
        jail.set_env("KILN_KAFKA_BROKERS", "127.0.0.1:9092");
        jail.set_env("KILN_KAFKA__PARTITIONS", "12");
        jail.set_env("KILN_KAFKA__PROPERTIES__SASL_PASSWORD", "hunter2");
        jail.set_env("KILN_KAFKA__PROPERTIES__LINGER_MS", "5");
        jail.set_env("KILN_AUTH", "on");
        jail.set_env("KILN_JWT_SECRET", "swordfish-swordfish-swordfish-42");
        jail.set_env("KILN_ADMIN_EMAILS", " Ops@Example.com, sre@example.com ");
        let c = load(Some("k.toml"))?;
        assert_eq!(
            c.admin_emails.0,
            ["ops@example.com", "sre@example.com"].map(String::from)
        );
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.limits.max_pixels, 2000);
        assert_eq!(c.retry.max_attempts, 3);
        assert_eq!(c.gateway.default_sizes, vec![256, 1024]);
        let BrokerConfig::Kafka(kafka) = &c.broker else {
            panic!("{:?}", c.broker)
        };
        assert_eq!(kafka.settings.partitions, 12);
        assert_eq!(kafka.settings.properties["sasl_password"], "hunter2");
        assert_eq!(kafka.settings.properties["linger_ms"], "5");
        // Client secrets never reach a log line.
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.auth, Some(Switch(true)));
        assert!(!format!("{c:?}").contains("swordfish"));
        Ok(())
    });
}

#[test]
fn the_flat_variables_of_before_fill_the_sections() {
    Jail::expect_with(|jail| {
        jail.set_env("KILN_STORE", "mongodb");
        jail.set_env("KILN_MONGODB_URI", "mongodb://m:27017/");
        jail.set_env("KILN_MONGODB_DATABASE", "t1");
        jail.set_env("KILN_MONGODB_CREATE_INDEXES", "false");
        jail.set_env("KILN_BROKER", "rabbitmq");
        jail.set_env("KILN_AMQP_URL", "amqp://guest:guest@r:5672/%2f");
        jail.set_env("KILN_RABBITMQ__QUEUE_TYPE", "classic");
        // The other broker's settings, as compose.yaml and deploy/ set them
        // whichever broker is chosen: ignored.
        jail.set_env("KILN_KAFKA_BROKERS", "kafka:9092");
        jail.set_env("KILN_KAFKA__REPLICATION_FACTOR", "1");
        jail.set_env("KILN_REDIS_URL", "redis://r:6379");
        jail.set_env("KILN_THUMBNAIL_CONCURRENCY", "3");
        jail.set_env("KILN_METADATA_CONCURRENCY", "5");
        jail.set_env("KILN_CONVERT_CONCURRENCY", "6");
        jail.set_env("KILN_NOTIFY_CONCURRENCY", "7");
        jail.set_env("KILN_JOB_TIMEOUT_SECS", "100");
        jail.set_env("KILN_SMTP_URL", "smtp://mail:25");
        jail.set_env("KILN_MAIL_FROM", "Kiln <k@example.com>");
        jail.set_env("KILN_SHUTDOWN_GRACE_SECS", "10");
        // Not configuration: the client's, logging's and the tests'.
        for v in [
            "KILN_TOKEN",
            "KILN_SERVER",
            "KILN_CONFIG",
            "KILN_LOG_FORMAT",
            "KILN_OTLP_ENDPOINT",
            "KILN_TEST_MONGODB_URI",
            "KILN_SHARED_DIR",
            "KILN_NEED",
        ] {
            jail.set_env(v, "x");
        }
        let c = load(None)?;
        assert_eq!(
            c.store,
            StoreConfig::Mongodb(MongoConfig {
                uri: "mongodb://m:27017/".into(),
                database: "t1".into(),
                create_indexes: false,
            })
        );
        let BrokerConfig::Rabbitmq(r) = &c.broker else {
            panic!("{:?}", c.broker)
        };
        assert_eq!(r.url.expose(), "amqp://guest:guest@r:5672/%2f");
        assert_eq!(r.settings.queue_type, "classic");
        assert_eq!(c.redis.as_ref().unwrap().url.expose(), "redis://r:6379");
        assert_eq!(c.concurrency(Role::Thumbnail), 3);
        assert_eq!(c.concurrency(Role::Metadata), 5);
        assert_eq!(c.concurrency(Role::Convert), 6);
        assert_eq!(c.concurrency(Role::Notify), 7);
        assert_eq!(c.job_timeout(Role::Metadata), Duration::from_secs(100));
        let n = c.notify_settings();
        assert_eq!(n.smtp_url.as_deref(), Some("smtp://mail:25"));
        assert_eq!(n.from, "Kiln <k@example.com>");
        assert_eq!(c.shutdown_grace_secs, 10);
        Ok(())
    });
}

#[test]
fn nested_variables_and_file_sections() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "k.toml",
            r#"
[store]
kind = "mongodb"
uri = "mongodb://file:27017/"

[broker]
kind = "rabbitmq"
url = "amqp://file/"
delivery_limit = 7

[redis]
url = "redis://file:6379"

[workers.metadata]
timeout_secs = 10
"#,
        )?;
        jail.set_env("KILN_STORE__DATABASE", "env");
        jail.set_env("KILN_BROKER__URL", "amqp://env/");
        jail.set_env("KILN_WORKERS__CONVERT__TIMEOUT_SECS", "20");
        jail.set_env("KILN_WORKERS__NOTIFY__SMTP_URL", "smtp://env:25");
        let c = load(Some("k.toml"))?;
        let StoreConfig::Mongodb(m) = &c.store else {
            panic!("{:?}", c.store)
        };
        assert_eq!(
            (m.uri.expose(), m.database.as_str(), m.create_indexes),
            ("mongodb://file:27017/", "env", true)
        );
        let BrokerConfig::Rabbitmq(r) = &c.broker else {
            panic!("{:?}", c.broker)
        };
        assert_eq!(r.url.expose(), "amqp://env/");
        assert_eq!(r.settings.delivery_limit, 7);
        assert_eq!(r.settings.queue_type, "quorum");
        // A role section setting only its time limit keeps its concurrency.
        assert_eq!(c.concurrency(Role::Metadata), 2);
        assert_eq!(c.job_timeout(Role::Metadata), Duration::from_secs(10));
        assert_eq!(c.job_timeout(Role::Convert), Duration::from_secs(20));
        assert_eq!(c.job_timeout(Role::Thumbnail), Duration::from_secs(300));
        assert_eq!(
            c.notify_settings().smtp_url.as_deref(),
            Some("smtp://env:25")
        );
        Ok(())
    });
}

#[test]
fn time_limits_default_per_role() {
    let mut c = Config::default();
    assert_eq!(c.job_timeout(Role::Thumbnail), Duration::from_secs(300));
    assert_eq!(c.job_timeout(Role::Notify), Duration::from_secs(300));
    // The converter's own limit (1800 s) plus a margin.
    assert_eq!(c.job_timeout(Role::Convert), Duration::from_secs(1860));
    c.workers.timeout_secs = Some(4000);
    assert_eq!(c.job_timeout(Role::Convert), Duration::from_secs(4000));
    c.workers.convert.timeout_secs = Some(30);
    assert_eq!(c.job_timeout(Role::Convert), Duration::from_secs(30));
}

#[test]
fn unknown_keys_are_refused_naming_key_and_file() {
    Jail::expect_with(|jail| {
        let e = load_err(jail, "[thumbnails]\njpeg_qualty = 95\n");
        assert!(e.contains("`thumbnails.jpeg_qualty` in "), "{e}");
        assert!(e.contains("k.toml"), "{e}");
        assert!(e.contains("jpeg_quality"), "expected keys listed: {e}");

        let e = load_err(jail, "jpeg_qualty = 95\n");
        assert!(
            e.contains("`jpeg_qualty` in ") && e.contains("k.toml"),
            "{e}"
        );

        // Inside a kind-tagged section, and a key of another kind.
        let e = load_err(
            jail,
            "[broker]\nkind = \"rabbitmq\"\nurl = \"amqp://h/\"\nurll = 1\n",
        );
        assert!(
            e.contains("`broker.urll` in ") && e.contains("k.toml"),
            "{e}"
        );
        let e = load_err(
            jail,
            "[store]\nkind = \"embedded\"\nuri = \"mongodb://h/\"\n",
        );
        assert!(e.contains("`store.uri` in "), "{e}");
        let e = load_err(jail, "[broker]\nkind = \"rabbitmq\"\n");
        assert!(e.contains("url"), "{e}");

        // Nested sections from the other crates.
        for (toml, key) in [
            ("[gateway]\nmax_upload = 1\n", "gateway.max_upload"),
            ("[gateway.quotas]\nstorage = 1\n", "gateway.quotas.storage"),
            (
                "[gateway.upload_rate_limit]\nrate = 1\n",
                "gateway.upload_rate_limit.rate",
            ),
            ("[limits]\nmax_pixel = 1\n", "limits.max_pixel"),
            ("[media]\ntimeout = 1\n", "media.timeout"),
            (
                "[media.limits]\nmax_duration = 1\n",
                "media.limits.max_duration",
            ),
            ("[retry]\nattempts = 1\n", "retry.attempts"),
            (
                "[workers.thumbnail]\nconcurency = 1\n",
                "workers.thumbnail.concurency",
            ),
            (
                "[broker]\nkind = \"kafka\"\nbrokers = \"k:9092\"\npartition = 1\n",
                "broker.partition",
            ),
        ] {
            let e = load_err(jail, toml);
            assert!(e.contains(&format!("`{key}` in ")), "{toml}: {e}");
        }
        Ok(())
    });
}

#[test]
fn unknown_variables_are_refused_naming_them() {
    Jail::expect_with(|jail| {
        jail.set_env("KILN_THUMBNAILS__JPEG_QUALTY", "95");
        let e = load(None).unwrap_err();
        assert!(e.contains("KILN_THUMBNAILS__JPEG_QUALTY"), "{e}");
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.set_env("KILN_BROKER", "kafka");
        jail.set_env("KILN_KAFKA_BROKERS", "k:9092");
        jail.set_env("KILN_KAFKA__PARTITION", "3");
        let e = load(None).unwrap_err();
        assert!(e.contains("KILN_KAFKA__PARTITION:"), "{e}");
        Ok(())
    });
    Jail::expect_with(|jail| {
        // A bad value inside a section: the section and what set it.
        jail.set_env("KILN_BROKER", "kafka");
        jail.set_env("KILN_KAFKA_BROKERS", "k:9092");
        jail.set_env("KILN_KAFKA__PARTITIONS", "many");
        let e = load(None).unwrap_err();
        assert!(
            e.contains("[broker] (from ") && e.contains("KILN_KAFKA__PARTITIONS"),
            "{e}"
        );
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.set_env("KILN_BROKER__KIND", "rabbitmq");
        jail.set_env("KILN_BROKER__URL", "amqp://h/");
        jail.set_env("KILN_BROKER__BROKERS", "k:9092");
        let e = load(None).unwrap_err();
        assert!(e.contains("KILN_BROKER__BROKERS"), "{e}");
        Ok(())
    });
}

#[test]
fn keys_of_the_flat_layout_point_to_their_new_place() {
    Jail::expect_with(|jail| {
        let e = load_err(jail, "amqp_url = \"amqp://h/\"\n");
        assert!(e.contains("`broker.url`"), "{e}");
        let e = load_err(jail, "thumbnail_concurrency = 2\n");
        assert!(e.contains("`workers.thumbnail.concurrency`"), "{e}");
        let e = load_err(jail, "store = \"mongodb\"\n");
        assert!(e.contains("[store] kind ="), "{e}");
        let e = load_err(jail, "[kafka]\npartitions = 3\n");
        assert!(e.contains("[broker]"), "{e}");
        Ok(())
    });
}

#[test]
fn secrets_are_never_shown() {
    let mut c = Config::default();
    c.store = StoreConfig::Mongodb(MongoConfig::new("mongodb://u:mongopass@m:27017/"));
    let mut kafka = KafkaSection::new("k:9092");
    kafka
        .settings
        .properties
        .insert("sasl_password".into(), "kafkapass".into());
    c.broker = BrokerConfig::Kafka(kafka);
    c.redis = Some(RedisConfig {
        url: "redis://:redispass@r:6379".into(),
    });
    c.jwt_secret = Some(Secret("jwtsecret-jwtsecret-jwtsecret-jwt".into()));
    c.workers.notify.smtp_url = Some(Secret("smtp://u:smtppass@mail:587".into()));
    let toml = c.to_toml().unwrap();
    let debug = format!("{c:?}");
    for secret in [
        "mongopass",
        "kafkapass",
        "redispass",
        "jwtsecret",
        "smtppass",
    ] {
        assert!(!toml.contains(secret), "{secret} in\n{toml}");
        assert!(!debug.contains(secret), "{secret} in\n{debug}");
    }
    assert!(toml.contains("mongodb://u:***@m:27017/"), "{toml}");
    assert!(toml.contains("sasl_password = \"***\""), "{toml}");
    let mut r = Config::default();
    r.broker = BrokerConfig::Rabbitmq(RabbitSection::new("amqp://guest:rabbitpass@h/"));
    let toml = r.to_toml().unwrap();
    assert!(
        !toml.contains("rabbitpass") && toml.contains("kind = \"rabbitmq\""),
        "{toml}"
    );
}

#[test]
fn the_default_configuration_prints_and_reads_back() {
    let toml = Config::default().to_toml().unwrap();
    Jail::expect_with(|jail| {
        jail.create_file("k.toml", &toml)?;
        let c = load(Some("k.toml"))?;
        assert_eq!(c.to_toml().unwrap(), toml);
        Ok(())
    });
}
