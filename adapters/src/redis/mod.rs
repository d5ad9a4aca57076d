//! Redis backends, shared by every gateway and worker replica.
//!
//! * [`RedisEventBus`]: job events over Redis pub/sub, one subscription per
//!   process fanned out to any number of local followers;
//! * [`RedisRateLimiter`]: token buckets updated atomically by a Lua script.
//!
//! Both take a prefix that namespaces their keys and channel, so several
//! deployments (or test runs) can share one Redis. No call waits on Redis for
//! longer than about two seconds: an outage shows as an error, never a hang.
//!
//! (Inside this module the `redis` crate is spelled `::redis`.)

mod events;
mod rate_limit;

pub use events::RedisEventBus;
pub use rate_limit::RedisRateLimiter;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::io::tcp::{TcpSettings, socket2::TcpKeepalive};
use std::future::Future;
use std::time::Duration;

/// The longest any single operation waits on Redis.
const OP_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest one attempt at opening a connection (and its set-up) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1_500);
/// The longest [`connect`] takes in all, retries included.
const CONNECT_TOTAL_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs `op` with the operation timeout, flattening its errors to text.
async fn bounded<T, E: std::fmt::Display>(
    what: &str,
    op: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(OP_TIMEOUT, op).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer within {OP_TIMEOUT:?}")),
    }
}

/// A client for `url` and a multiplexed, automatically reconnecting
/// connection to it, with bounded connection and response times.
async fn connect(url: &str) -> Result<(::redis::Client, ConnectionManager), String> {
    let client =
        ::redis::Client::open(url).map_err(|e| format!("invalid Redis URL {url:?}: {e}"))?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(5))
        .with_interval(Duration::from_secs(2));
    let tcp = TcpSettings::default()
        .set_nodelay(true)
        .set_keepalive(keepalive);
    // A connection whose sent data stays unacknowledged this long, or whose
    // keepalive probes go unanswered, is dropped by the kernel, so that a
    // half-open connection (server gone without a reset) gets replaced.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    let tcp = tcp.set_user_timeout(Duration::from_secs(10));
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(CONNECT_TIMEOUT)
        .set_response_timeout(OP_TIMEOUT)
        // Reconnect attempts, each bounded: 100 ms, 200 ms (jittered), then
        // the next command starts another round.
        .set_number_of_retries(2)
        .set_factor(100)
        .set_max_delay(1_000)
        .set_tcp_settings(tcp);
    let conn = match tokio::time::timeout(
        CONNECT_TOTAL_TIMEOUT,
        ConnectionManager::new_with_config(client.clone(), config),
    )
    .await
    {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return Err(format!("cannot connect to Redis: {e}")),
        Err(_) => {
            return Err(format!(
                "cannot connect to Redis: no answer within {CONNECT_TOTAL_TIMEOUT:?}"
            ));
        }
    };
    Ok((client, conn))
}
