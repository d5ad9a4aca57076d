//! A distributed Kiln made of real OS processes (`kiln gateway`, `kiln
//! worker --role R`) on real MongoDB-protocol, RabbitMQ or Kafka, and Redis servers,
//! each test with its own database, queue namespace and Redis prefix.

use super::brokers::TestBroker;
use kiln::config::{MongoConfig, RedisConfig, StoreConfig};
use kiln_adapters::test_servers;
use kiln_proto::{Names, Role};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One `kiln` process.
pub struct Proc {
    pub child: Child,
    /// Its HTTP address (API for the gateway, probes for a worker).
    pub addr: String,
    /// Where its stderr goes.
    pub log: std::path::PathBuf,
}

impl Proc {
    /// SIGKILL: no chance to settle anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Log lines containing `needle` so far.
    pub fn log_count(&self, needle: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Jobs this worker has started and not yet finished, per its log.
    pub fn jobs_in_flight(&self) -> usize {
        let finished = ["job succeeded", "job dead", "result discarded"]
            .iter()
            .map(|n| self.log_count(n))
            .sum();
        self.log_count("job started").saturating_sub(finished)
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub struct Cluster {
    pub broker: TestBroker,
    pub names: Names,
    pub mongo_uri: String,
    pub database: String,
    pub env: Vec<(String, String)>,
    pub gateway: Option<Proc>,
    pub workers: Vec<Proc>,
    pub base: String,
    pub http: reqwest::Client,
    pub logs: tempfile::TempDir,
    spawned: usize,
    prepared: bool,
}

impl Cluster {
    /// A fresh, isolated installation on RabbitMQ; no process yet.
    pub fn new() -> Cluster {
        Cluster::on(TestBroker::RabbitMq)
    }

    /// The environment for a fresh, isolated installation on `broker`; no
    /// process yet.
    pub fn on(broker: TestBroker) -> Cluster {
        let id = kiln_adapters::new_id().replace('-', "");
        let names = Names::new(format!("t{id}"));
        let mongo_uri = test_servers::mongodb_uri();
        let database = format!("t{id}");
        let env = vec![
            ("KILN_STORE", "mongodb".to_owned()),
            ("KILN_MONGODB_URI", mongo_uri.clone()),
            ("KILN_MONGODB_DATABASE", database.clone()),
            // The launcher made the indexes (see `prepare_mongo_database`).
            ("KILN_MONGODB_CREATE_INDEXES", "false".to_owned()),
            ("KILN_REDIS_URL", test_servers::redis_url()),
            ("KILN_NAMESPACE", names.namespace().to_owned()),
            ("KILN_LISTEN", "127.0.0.1:0".to_owned()),
            ("KILN_HEALTH_LISTEN", "127.0.0.1:0".to_owned()),
            ("KILN_RETRY__BASE_DELAY_MS", "200".to_owned()),
            ("KILN_RETRY__MAX_DELAY_MS", "2000".to_owned()),
            ("KILN_SHUTDOWN_GRACE_SECS", "10".to_owned()),
            // These tests are about delivery; accounts are tested in-process
            // (cli/tests/it/accounts.rs). `kiln gateway` defaults to auth on.
            ("KILN_AUTH", "off".to_owned()),
            (
                "RUST_LOG",
                "info,lapin=warn,mongodb=warn,rdkafka=warn".to_owned(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .chain(broker.env())
        .collect();
        Cluster {
            broker,
            names,
            mongo_uri,
            database,
            env,
            gateway: None,
            workers: Vec::new(),
            base: String::new(),
            http: reqwest::Client::new(),
            logs: tempfile::tempdir().unwrap(),
            spawned: 0,
            prepared: false,
        }
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Starts `kiln ARGS` and waits for the line announcing its address.
    fn spawn(&mut self, args: &[&str], marker: &str) -> Proc {
        self.spawned += 1;
        let log_path = self
            .logs
            .path()
            .join(format!("{}-{}.log", self.spawned, args[0]));
        let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut log = std::fs::File::create(&log_path).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = loop {
            assert!(Instant::now() < deadline, "kiln {args:?} did not start");
            let Some(Ok(line)) = lines.next() else {
                panic!(
                    "kiln {args:?} exited early:\n{}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                )
            };
            let _ = writeln!(log, "{line}");
            if let Some(i) = line.find(marker) {
                let rest = &line[i + marker.len()..];
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining into the log, so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = writeln!(log, "{line}");
            }
        });
        Proc {
            child,
            addr,
            log: log_path,
        }
    }

    pub async fn start_gateway(&mut self) {
        if !self.prepared {
            // Indexes first (see `prepare_mongo_database`).
            test_servers::prepare_mongo_database(&self.mongo_uri, &self.database)
                .await
                .unwrap();
            self.prepared = true;
        }
        let p = self.spawn(&["gateway"], "listening on http://");
        self.base = format!("http://{}", p.addr);
        self.gateway = Some(p);
    }

    /// Starts a worker and waits until its readiness probe says ready and it
    /// consumes.
    pub async fn start_worker(&mut self, role: Role, concurrency: usize) -> usize {
        let c = concurrency.to_string();
        let p = self.spawn(
            &["worker", "--role", role.as_str(), "--concurrency", &c],
            "probes on http://",
        );
        let ready = format!("http://{}/readyz", p.addr);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = self.http.get(&ready).send().await
                && r.status() == 200
            {
                break;
            }
            assert!(Instant::now() < deadline, "worker never became ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Ready means its servers answer; consuming means it has joined its
        // queue (on Kafka: its group's rebalance is over, for every member).
        while p.log_count("worker consuming") == 0 {
            assert!(Instant::now() < deadline, "worker never started consuming");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.workers.push(p);
        self.workers.len() - 1
    }

    /// Uploads `bytes` (raw body) with `query`; returns status and JSON.
    pub async fn upload(&self, bytes: Vec<u8>, query: &str) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/v1/uploads?{query}", self.base))
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let code = r.status().as_u16();
        (code, r.json().await.unwrap_or(Value::Null))
    }

    /// GETs an API path and returns its JSON body.
    pub async fn get_json(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn job(&self, id: &str) -> Value {
        self.get_json(&format!("/v1/jobs/{id}")).await
    }

    /// Waits until every job is terminal; returns their final documents.
    pub async fn wait_terminal(&self, ids: &[String], timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        let mut done: Vec<Option<Value>> = vec![None; ids.len()];
        loop {
            for (i, id) in ids.iter().enumerate() {
                if done[i].is_none() {
                    let j = self.job(id).await;
                    if matches!(j["status"].as_str(), Some("succeeded" | "dead")) {
                        done[i] = Some(j);
                    }
                }
            }
            let left = done.iter().filter(|d| d.is_none()).count();
            if left == 0 {
                return done.into_iter().map(Option::unwrap).collect();
            }
            if Instant::now() >= deadline {
                let mut stuck = Vec::new();
                for (i, id) in ids.iter().enumerate() {
                    if done[i].is_none() {
                        stuck.push(self.job(id).await);
                    }
                }
                panic!(
                    "{left} of {} jobs not finished; logs in {}; unfinished: {stuck:#?}",
                    ids.len(),
                    self.logs.path().display()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The installation's database, to look beneath the API.
    pub async fn db(&self) -> mongodb::Database {
        mongodb::Client::with_uri_str(&self.mongo_uri)
            .await
            .unwrap()
            .database(&self.database)
    }

    /// Removes the test's queues or topics.
    pub async fn cleanup(&self) {
        self.broker.cleanup(&self.names).await;
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.workers.clear();
        self.gateway = None;
        if std::thread::panicking() {
            eprintln!("cluster logs: {}", self.logs.path().display());
            // Leave them on disk for the post-mortem.
            let keep = std::mem::replace(&mut self.logs, tempfile::tempdir().unwrap());
            let _ = keep.keep();
        }
    }
}

/// Settings for an in-process Kiln on the production backends, in a fresh
/// database and namespace (indexes made, as `Cluster` does). Apply the same
/// closure to several apps to make replicas of one installation.
pub async fn production() -> impl Fn(&mut kiln::Config) + Clone {
    production_on(TestBroker::RabbitMq).await
}

/// [`production`] with the given broker.
pub async fn production_on(broker: TestBroker) -> impl Fn(&mut kiln::Config) + Clone {
    let id = kiln_adapters::new_id().replace('-', "");
    let uri = test_servers::mongodb_uri();
    let database = format!("t{id}");
    test_servers::prepare_mongo_database(&uri, &database)
        .await
        .unwrap();
    move |c: &mut kiln::Config| {
        c.store = StoreConfig::Mongodb(MongoConfig {
            uri: uri.clone().into(),
            database: database.clone(),
            create_indexes: false,
        });
        broker.apply(c);
        c.redis = Some(RedisConfig {
            url: test_servers::redis_url().into(),
        });
        c.namespace = format!("t{id}");
    }
}
