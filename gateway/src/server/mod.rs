//! The HTTP server: hyper's HTTP/1.1 with the limits a public listener
//! needs and `axum::serve` does not set: a deadline for a request's headers,
//! an idle timeout on request bodies, and caps on open connections, in all
//! and per client address. A client over a cap is disconnected at once
//! rather than queued: waiting clients would hold file descriptors too.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

mod idle_body;

pub use idle_body::IdleTimeoutBody;

/// Connection limits (`[gateway.connections]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a request's line and headers, from its
    /// first byte (or, on a kept-alive connection, from the last response).
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may go without a byte before the request is
    /// cut off (a stalled upload answers 400 `upload_interrupted`).
    pub body_idle_timeout_secs: u64,
    /// Most connections open at once; more are closed on accept.
    pub max_connections: usize,
    /// Most connections open at once from one client address.
    pub max_connections_per_client: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout_secs: 10,
            body_idle_timeout_secs: 30,
            max_connections: 4096,
            max_connections_per_client: 256,
        }
    }
}

/// Open connections, in all and per client address.
#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// A counted connection; uncounted when dropped.
struct Slot {
    open: Arc<Mutex<Open>>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total -= 1;
        if let Some(n) = open.by_client.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.by_client.remove(&self.ip);
            }
        }
    }
}

fn admit(open: &Arc<Mutex<Open>>, ip: IpAddr, limits: &ConnectionLimits) -> Option<Slot> {
    let mut o = open.lock().unwrap_or_else(|p| p.into_inner());
    let mine = o.by_client.get(&ip).copied().unwrap_or(0);
    if o.total >= limits.max_connections || mine >= limits.max_connections_per_client {
        return None;
    }
    o.total += 1;
    *o.by_client.entry(ip).or_default() += 1;
    Some(Slot {
        open: open.clone(),
        ip,
    })
}

/// Serves `app` on `listener` until `shutdown`; then stops accepting, lets
/// open requests finish for up to `grace`, and cuts off the rest (event
/// streams never finish by themselves).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
    grace: Duration,
) {
    let open = Arc::new(Mutex::new(Open::default()));
    let connections = tokio_util::task::TaskTracker::new();
    let header_timeout = Duration::from_secs(limits.header_read_timeout_secs.max(1));
    let body_idle = Duration::from_secs(limits.body_idle_timeout_secs.max(1));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, most likely: give others time to close.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let Some(slot) = admit(&open, peer.ip(), &limits) else {
            tracing::debug!(%peer, "connection limit reached; closing");
            drop(stream);
            continue;
        };
        let app = app.clone();
        let stop = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            let svc = tower::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                let req = req.map(|b| Body::new(IdleTimeoutBody::new(b, body_idle)));
                app.clone().oneshot(req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(grace, conn).await;
                }
            }
        });
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(grace + Duration::from_secs(1), connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("open connections cut off at the end of the shutdown grace");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_count_in_all_and_per_client_and_free_on_drop() {
        let limits = ConnectionLimits {
            max_connections: 3,
            max_connections_per_client: 2,
            ..ConnectionLimits::default()
        };
        let open = Arc::new(Mutex::new(Open::default()));
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let a1 = admit(&open, a, &limits).expect("first");
        let _a2 = admit(&open, a, &limits).expect("second");
        assert!(admit(&open, a, &limits).is_none(), "third from one client");
        let _b1 = admit(&open, b, &limits).expect("another client");
        assert!(admit(&open, b, &limits).is_none(), "over the total");
        drop(a1);
        assert!(admit(&open, b, &limits).is_some(), "a slot freed");
    }
}
