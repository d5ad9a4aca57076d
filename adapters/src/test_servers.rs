//! Servers for the tests of the production backends: each function returns
//! the address of a server to test against, starting a local test server
//! when the environment names none. Shared by this crate's integration
//! tests and those of the crates above it.
//!
//! A server that cannot be started fails the test with a message saying why
//! and how to provide one; tests are never silently skipped.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The port of the MongoDB test server started by [`mongodb_uri`].
pub const MONGODB_TEST_PORT: u16 = 27018;

/// The repository's test-server launchers (`testing/servers/`).
fn servers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testing/servers")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The connection string of a MongoDB to test against.
///
/// `KILN_TEST_MONGODB_URI` if set; otherwise a local wire-protocol test
/// server on [`MONGODB_TEST_PORT`], started (once per process, and only if
/// the port does not answer yet) with `testing/servers/mongo-wire/start.sh`, keeping
/// each database in its own file. Tests must use a fresh, uniquely named
/// database each, set up with [`mongo_wire_fixups`] and removed with
/// [`drop_test_database`].
///
/// # Panics
///
/// If the test server cannot be started, with the reason.
pub fn mongodb_uri() -> String {
    match try_mongodb_uri() {
        Ok(uri) => uri,
        Err(e) => no_server(
            "MongoDB test server",
            &e,
            "KILN_TEST_MONGODB_URI",
            "mongodb://HOST:PORT/",
        ),
    }
}

/// Like [`mongodb_uri`], but returns why no server could be had instead of
/// panicking.
pub fn try_mongodb_uri() -> Result<String, String> {
    if let Some(uri) = from_env("KILN_TEST_MONGODB_URI") {
        return Ok(uri);
    }
    static STARTED: OnceLock<Result<String, String>> = OnceLock::new();
    STARTED
        .get_or_init(|| {
            start_mongo_wire(
                MONGODB_TEST_PORT,
                &std::env::temp_dir().join(format!("kiln-mongo-wire-{MONGODB_TEST_PORT}")),
            )
        })
        .clone()
}

/// Starts (if `port` does not answer yet) a wire-protocol test server on
/// `port` keeping its data in `data`; returns its connection string. Tests
/// that stop and restart a server use their own port and folder.
pub fn start_mongo_wire(port: u16, data: &std::path::Path) -> Result<String, String> {
    // The script keeps one SQLite file per database (`DIR/kiln.db/`), so
    // test databases are isolated like separate MongoDB databases.
    run_launcher(
        "mongo-wire/start.sh",
        &[&port.to_string(), &data.display().to_string()],
    )?;
    Ok(format!("mongodb://127.0.0.1:{port}/?directConnection=true"))
}

/// Runs one of `testing/servers/`'s launchers; on failure, says which and
/// what it printed.
fn run_launcher(script: &str, args: &[&str]) -> Result<(), String> {
    let script = servers_dir().join(script);
    if !script.is_file() {
        return Err(format!("{} does not exist", script.display()));
    }
    let out = Command::new("bash")
        .arg(&script)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {} exited with {}:\n{}{}",
            script.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Whether something accepts connections on 127.0.0.1:`port`.
fn answers(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2)).is_ok()
}

/// The value of the environment variable `var` when set and not blank.
fn from_env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// Panics saying that no `what` could be had, why, and how to name one.
fn no_server(what: &str, why: &str, var: &str, example: &str) -> ! {
    if in_ci() {
        panic!("CI=true and no {what}: {why}")
    }
    panic!("no {what}: {why}\n(set {var}={example} to test against a running server)")
}

/// Undoes, in a database of the local wire-protocol test server, what that
/// server gets wrong and real MongoDB does not; a no-op on MongoDB. Call it
/// right after the stores created their indexes (`kiln_adapters::mongo::connect`).
///
/// The test server (neosqlite) turns a compound index whose keys include
/// `_id`, such as the jobs' `{status: 1, _id: 1}`, into a SQLite index on
/// the JSON path `_id`, which is malformed, so every later insert into that
/// collection fails with "JSON path error near '_id'". Such indexes are
/// named `idx_<collection>_<fields>` there, ending in `__id`, and are
/// dropped here (queries work without them). The accounts' `history`
/// collection has one too: `{user_id: 1, _id: -1}`.
pub async fn mongo_wire_fixups(db: &mongodb::Database) -> mongodb::error::Result<()> {
    for name in ["jobs", "files", "metadata", "history"] {
        let coll = db.collection::<mongodb::bson::Document>(name);
        for index in coll.list_index_names().await? {
            if index.starts_with("idx_") && index.ends_with("__id") {
                coll.drop_index(index).await?;
            }
        }
    }
    Ok(())
}

/// Creates the indexes of a fresh test database the way `kiln` does at
/// start-up, then applies [`mongo_wire_fixups`]. Processes started on it
/// afterwards must run with `mongodb_create_indexes = false`, or they would
/// recreate the indexes the test server mishandles.
pub async fn prepare_mongo_database(uri: &str, database: &str) -> Result<(), String> {
    crate::mongo::connect(uri, database, true)
        .await
        .map_err(|e| e.to_string())?;
    let client = mongodb::Client::with_uri_str(uri)
        .await
        .map_err(|e| e.to_string())?;
    mongo_wire_fixups(&client.database(database))
        .await
        .map_err(|e| e.to_string())
}

/// Drops a test's database, unless the server keeps all databases in one
/// store (a wire-protocol test server started by hand with a single data
/// file), where dropping one drops every database, including those of tests
/// running at the same time.
pub async fn drop_test_database(db: &mongodb::Database) -> mongodb::error::Result<()> {
    static ISOLATED: tokio::sync::OnceCell<bool> = tokio::sync::OnceCell::const_new();
    let client = db.client();
    let isolated = ISOLATED
        .get_or_try_init(|| async {
            let probe = format!("kiln_probe_{}", uuid::Uuid::new_v4().simple());
            let a = client.database(&format!("{probe}_a"));
            a.collection::<mongodb::bson::Document>(&probe)
                .insert_one(mongodb::bson::doc! {})
                .await?;
            let b = client.database(&format!("{probe}_b"));
            let isolated = !b.list_collection_names().await?.contains(&probe);
            if isolated {
                a.drop().await?;
                b.drop().await?;
            }
            Ok::<_, mongodb::error::Error>(isolated)
        })
        .await?;
    if *isolated {
        db.drop().await?;
    }
    Ok(())
}

/// The AMQP URL of the RabbitMQ to test against: `KILN_TEST_AMQP_URL`, or
/// the local server on port 5672, started (once per process, if the port
/// does not answer) with `testing/servers/rabbitmq.sh`.
///
/// # Panics
///
/// If the local server cannot be started, with the reason.
pub fn amqp_url() -> String {
    if let Some(url) = from_env("KILN_TEST_AMQP_URL") {
        return url;
    }
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    let started = STARTED.get_or_init(|| {
        if answers(5672) {
            Ok(())
        } else {
            run_launcher("rabbitmq.sh", &[])
        }
    });
    if let Err(e) = started {
        no_server(
            "RabbitMQ",
            e,
            "KILN_TEST_AMQP_URL",
            "amqp://USER:PASS@HOST:PORT/%2f",
        );
    }
    "amqp://guest:guest@127.0.0.1:5672/%2f".into()
}

/// The URL of the Redis to test against: `KILN_TEST_REDIS_URL`, or the
/// local server on port 6379, started (once per process, if the port does
/// not answer) with `testing/servers/redis.sh`.
///
/// # Panics
///
/// If the local server cannot be started, with the reason.
pub fn redis_url() -> String {
    if let Some(url) = from_env("KILN_TEST_REDIS_URL") {
        return url;
    }
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    let started = STARTED.get_or_init(|| {
        if answers(6379) {
            Ok(())
        } else {
            run_launcher("redis.sh", &["6379"])
        }
    });
    if let Err(e) = started {
        no_server("Redis", e, "KILN_TEST_REDIS_URL", "redis://HOST:PORT");
    }
    "redis://127.0.0.1:6379".into()
}

/// The port of the Kafka test broker started by [`kafka_brokers`].
pub const KAFKA_TEST_PORT: u16 = 19092;

/// The bootstrap servers of the Kafka to test against.
///
/// `KILN_TEST_KAFKA_BROKERS` if set; otherwise a local Tansu broker on
/// [`KAFKA_TEST_PORT`], started (once per process, and only if the port does
/// not answer yet) with `testing/servers/kafka/start.sh`, which builds Tansu
/// on first use. Tests must use a fresh namespace each (their own topics and
/// groups).
///
/// # Panics
///
/// If no broker can be had, with the reason.
pub fn kafka_brokers() -> String {
    if let Some(b) = from_env("KILN_TEST_KAFKA_BROKERS") {
        return b;
    }
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    let started =
        STARTED.get_or_init(|| run_launcher("kafka/start.sh", &[&KAFKA_TEST_PORT.to_string()]));
    if let Err(e) = started {
        no_server(
            "Kafka test broker",
            e,
            "KILN_TEST_KAFKA_BROKERS",
            "HOST:PORT",
        );
    }
    format!("127.0.0.1:{KAFKA_TEST_PORT}")
}

/// Kafka settings for tests: few partitions, one replica, short delays and
/// a short session (a killed consumer's partitions move within seconds).
///
/// Also works around a gap of the Tansu test broker, and of no real Kafka:
/// with its memory storage, a produce request carrying a batch of several
/// records advances the partition's offsets wrongly and some records are
/// never fetched, so the tests' producers send one record per batch.
pub fn kafka_test_config() -> crate::kafka::KafkaConfig {
    let mut properties = std::collections::BTreeMap::new();
    properties.insert("batch_num_messages".to_owned(), "1".to_owned());
    crate::kafka::KafkaConfig {
        partitions: 4,
        replication_factor: 1,
        retry_delays_ms: vec![300, 1_000, 5_000],
        session_timeout_ms: 6_000,
        properties,
        ..Default::default()
    }
}
