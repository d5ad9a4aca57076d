//! The contract suites against the Redis backends, plus what only a shared,
//! networked backend has to show: replicas seeing each other's events, idle
//! buckets expiring, and outages surfacing as prompt errors, then healing.
//!
//! Needs a Redis at `KILN_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`,
//! started with `testing/servers/redis.sh` when it does not answer); the
//! tests fail, loudly, without one. Every test uses its own key prefix.

#![allow(clippy::unwrap_used)]

use futures::StreamExt;
use futures::stream::BoxStream;
use kiln_adapters::redis::{RedisEventBus, RedisRateLimiter};
use kiln_adapters::test_servers::redis_url;
use kiln_adapters::{Decision, EventBus, RateLimit, RateLimiter, contract};
use kiln_proto::{JobEvent, JobKind, JobStatus};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

fn unique_prefix() -> String {
    format!("kiln-test-{}", kiln_adapters::new_id())
}

fn no_redis(url: &str, e: impl std::fmt::Display) -> ! {
    let ci = if std::env::var("CI").is_ok_and(|v| v == "true") {
        " (CI=true: a Redis service must be provided)"
    } else {
        ""
    };
    panic!(
        "these tests need a Redis at {url}{ci}; start one (e.g. `redis-server`) or point \
         KILN_TEST_REDIS_URL at one. Error: {e}"
    )
}

async fn bus_at(url: &str, prefix: &str) -> RedisEventBus {
    RedisEventBus::connect(url, prefix)
        .await
        .unwrap_or_else(|e| no_redis(url, e))
}

async fn limiter_at(url: &str, prefix: &str) -> RedisRateLimiter {
    RedisRateLimiter::connect(url, prefix)
        .await
        .unwrap_or_else(|e| no_redis(url, e))
}

/// A plain connection for looking at (or tampering with) what is in Redis.
async fn raw_connection() -> redis::aio::MultiplexedConnection {
    let url = redis_url();
    let client = redis::Client::open(url.as_str()).unwrap_or_else(|e| no_redis(&url, e));
    client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| no_redis(&url, e))
}

fn event(job_id: &str, status: JobStatus) -> JobEvent {
    JobEvent {
        schema_version: kiln_proto::SCHEMA_VERSION,
        job_id: job_id.into(),
        file_id: "file".into(),
        kind: JobKind::Metadata,
        status,
        attempts: 1,
        error: None,
        at: chrono::Utc::now(),
    }
}

async fn next(events: &mut BoxStream<'static, JobEvent>) -> JobEvent {
    tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("an event within 5 s")
        .expect("the subscription goes on")
}

#[tokio::test]
async fn redis_event_bus_meets_contract() {
    contract::event_bus(&bus_at(&redis_url(), &unique_prefix()).await).await;
}

#[tokio::test]
async fn redis_rate_limiter_meets_contract() {
    contract::rate_limiter(&limiter_at(&redis_url(), &unique_prefix()).await).await;
}

#[tokio::test]
async fn replicas_see_each_others_events_and_prefixes_are_separate() {
    let (url, prefix) = (redis_url(), unique_prefix());
    let (a, b) = (bus_at(&url, &prefix).await, bus_at(&url, &prefix).await);
    let elsewhere = bus_at(&url, &unique_prefix()).await;
    let job = kiln_adapters::new_id();
    let mut on_a = a.subscribe(&job).await.unwrap();
    let mut on_b = b.subscribe(&job).await.unwrap();
    let mut on_elsewhere = elsewhere.subscribe(&job).await.unwrap();

    // Same job id, another deployment: not seen by a or b.
    elsewhere
        .publish(&event(&job, JobStatus::Dead))
        .await
        .unwrap();
    let (from_a, from_b) = (
        event(&job, JobStatus::Running),
        event(&job, JobStatus::Succeeded),
    );
    a.publish(&from_a).await.unwrap();
    b.publish(&from_b).await.unwrap();
    for events in [&mut on_a, &mut on_b] {
        assert_eq!(next(events).await, from_a);
        assert_eq!(next(events).await, from_b);
    }
    assert_eq!(next(&mut on_elsewhere).await.status, JobStatus::Dead);
    // A clone shares the subscription and sees the same events.
    let mut on_clone = a.clone().subscribe(&job).await.unwrap();
    b.publish(&from_a).await.unwrap();
    assert_eq!(next(&mut on_clone).await, from_a);
    assert_eq!(next(&mut on_a).await, from_a);
}

#[tokio::test]
async fn malformed_messages_are_skipped() {
    let bus = bus_at(&redis_url(), &unique_prefix()).await;
    let job = kiln_adapters::new_id();
    let mut events = bus.subscribe(&job).await.unwrap();
    let mut raw = raw_connection().await;
    for junk in [&b"not json"[..], b"{\"job_id\": 7}", b"\xff\xfe"] {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(bus.channel())
            .arg(junk)
            .query_async(&mut raw)
            .await
            .unwrap();
    }
    let good = event(&job, JobStatus::Succeeded);
    bus.publish(&good).await.unwrap();
    assert_eq!(next(&mut events).await, good);
}

#[tokio::test]
async fn buckets_expire_once_they_would_be_full() {
    let limiter = limiter_at(&redis_url(), &unique_prefix()).await;
    let mut raw = raw_connection().await;
    let limit = RateLimit {
        per_second: 2.0,
        burst: 4,
    };
    limiter.acquire("client", limit).await.unwrap();
    limiter.acquire("client", limit).await.unwrap();
    // Two tokens short at 2 per second: full again in about a second.
    let ttl: i64 = redis::cmd("PTTL")
        .arg(limiter.bucket_key("client"))
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!((800..=1000).contains(&ttl), "ttl {ttl} ms");

    // A disabled limit keeps no state.
    let off = RateLimit {
        per_second: 0.0,
        burst: 4,
    };
    limiter.acquire("free", off).await.unwrap();
    let exists: i64 = redis::cmd("EXISTS")
        .arg(limiter.bucket_key("free"))
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(exists, 0);
}

/// A TCP proxy in front of Redis that can simulate an outage: when down, it
/// cuts every connection and accepts new ones without ever answering (as an
/// unreachable host would).
struct Proxy {
    url: String,
    state: Arc<Mutex<ProxyState>>,
    accept: JoinHandle<()>,
}

#[derive(Default)]
struct ProxyState {
    down: bool,
    relays: Vec<JoinHandle<()>>,
    held: Vec<TcpStream>,
}

impl Proxy {
    async fn start() -> Proxy {
        let url = redis_url();
        let info = redis::Client::open(url.as_str())
            .unwrap_or_else(|e| no_redis(&url, e))
            .get_connection_info()
            .clone();
        let redis::ConnectionAddr::Tcp(host, port) = info.addr else {
            panic!("the outage test needs a plain redis:// KILN_TEST_REDIS_URL, not {url}")
        };
        let upstream = format!("{host}:{port}");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let auth = match (&info.redis.username, &info.redis.password) {
            (None, None) => String::new(),
            (user, password) => format!(
                "{}:{}@",
                user.as_deref().unwrap_or(""),
                password.as_deref().unwrap_or("")
            ),
        };
        let url = format!(
            "redis://{auth}{}/{}",
            listener.local_addr().unwrap(),
            info.redis.db
        );
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let shared = state.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut state = shared.lock().unwrap();
                if state.down {
                    state.held.push(client);
                    continue;
                }
                let upstream = upstream.clone();
                state.relays.push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        Proxy { url, state, accept }
    }

    fn down(&self) {
        let mut state = self.state.lock().unwrap();
        state.down = true;
        for relay in state.relays.drain(..) {
            relay.abort();
        }
    }

    fn up(&self) {
        let mut state = self.state.lock().unwrap();
        state.down = false;
        state.held.clear();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.down();
    }
}

/// Retries `op` until it succeeds, for up to `limit`.
async fn eventually<T, E: std::fmt::Debug, F: Future<Output = Result<T, E>>>(
    limit: Duration,
    mut op: impl FnMut() -> F,
) -> T {
    let start = Instant::now();
    loop {
        match op().await {
            Ok(v) => return v,
            Err(e) if start.elapsed() > limit => panic!("still failing after {limit:?}: {e:?}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Asserts that `op` fails, within about two seconds.
async fn fails_promptly<T, E>(what: &str, op: impl Future<Output = Result<T, E>>) {
    let started = Instant::now();
    assert!(op.await.is_err(), "{what} succeeded during the outage");
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2_500), "{what} took {took:?}");
}

#[tokio::test]
async fn an_outage_is_a_prompt_error_and_service_resumes_after_it() {
    let proxy = Proxy::start().await;
    let prefix = unique_prefix();
    let bus = bus_at(&proxy.url, &prefix).await;
    let limiter = limiter_at(&proxy.url, &prefix).await;
    let limit = RateLimit {
        per_second: 100.0,
        burst: 100,
    };
    let job = kiln_adapters::new_id();
    let mut events = bus.subscribe(&job).await.unwrap();
    bus.publish(&event(&job, JobStatus::Running)).await.unwrap();
    assert_eq!(next(&mut events).await.status, JobStatus::Running);

    proxy.down();
    // Every call fails within the bound instead of hanging, also while the
    // clients are trying to reconnect.
    for _ in 0..2 {
        fails_promptly("publish", bus.publish(&event(&job, JobStatus::Failed))).await;
        fails_promptly("ping", bus.ping()).await;
        fails_promptly("acquire", limiter.acquire("client", limit)).await;
        fails_promptly("subscribe", bus.subscribe(&kiln_adapters::new_id())).await;
    }
    // New connections fail within the bound too.
    let started = Instant::now();
    assert!(RedisEventBus::connect(&proxy.url, &prefix).await.is_err());
    assert!(started.elapsed() < Duration::from_secs(4));

    proxy.up();
    eventually(Duration::from_secs(15), || bus.ping()).await;
    eventually(Duration::from_secs(15), || limiter.acquire("client", limit)).await;
    // The subscription made before the outage is restored and delivers again.
    let back = event(&job, JobStatus::Succeeded);
    let delivered = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            bus.publish(&back).await.unwrap();
            if let Ok(Some(e)) =
                tokio::time::timeout(Duration::from_millis(300), events.next()).await
            {
                return e;
            }
        }
    })
    .await
    .expect("the subscription is restored after the outage");
    assert_eq!(delivered, back);
    assert_eq!(
        limiter.acquire("client", limit).await.unwrap(),
        Decision::Allowed
    );
}
