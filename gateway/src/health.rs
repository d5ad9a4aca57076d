//! Liveness and readiness probes.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kiln_core::{BlobStore, Broker, MetaStore};
use kiln_proto::api::{CheckResults, Liveness, Readiness, ReadinessStatus};

/// Liveness: the process is up
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    operation_id = "live",
    responses((status = 200, description = "Always `ok`", body = Liveness)),
)]
pub async fn live() -> Json<Liveness> {
    Json(Liveness::default())
}

/// Readiness: the store, blob store and broker all answer
///
/// And the blob store's disk has `gateway.min_free_bytes` free.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    operation_id = "ready",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "A check failed; each says why", body = Readiness),
    ),
)]
pub async fn ready(State(s): State<AppState>) -> (StatusCode, Json<Readiness>) {
    // Uploads keep being accepted while the broker is away (their jobs wait
    // in the outbox), so a broker outage must not take the gateway out of
    // its Service: the broker is reported, not required.
    readiness(
        s.backends.blobs.as_ref(),
        s.backends.store.as_ref(),
        s.backends.broker.as_ref(),
        s.config.min_free_bytes,
        BrokerNeeded::No,
    )
    .await
}

/// Whether readiness requires the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerNeeded {
    /// A worker: without its broker it has nothing to do.
    Yes,
    /// The gateway: the outbox absorbs a broker outage.
    No,
}

/// The readiness answer of any Kiln service: `200` when the store and blob
/// store answer, the blob store's disk has `min_free` bytes free, and (if
/// `broker_needed`) the broker answers; else `503`. Every check's result
/// is in the body either way.
pub async fn readiness(
    blobs: &dyn BlobStore,
    store: &dyn MetaStore,
    broker: &dyn Broker,
    min_free: u64,
    broker_needed: BrokerNeeded,
) -> (StatusCode, Json<Readiness>) {
    let room = async {
        blobs.ping().await.map_err(|e| e.to_string())?;
        match crate::disk::shortage(blobs, min_free).await {
            Some((free, min)) => Err(format!("only {free} bytes free on disk; {min} needed")),
            None => Ok(()),
        }
    };
    let (store, blobs, broker) = tokio::join!(store.ping(), room, broker.ping());
    let ok =
        store.is_ok() && blobs.is_ok() && (broker.is_ok() || broker_needed == BrokerNeeded::No);
    let check = |r: Result<(), String>| r.map_or_else(|e| e, |()| CheckResults::OK.to_owned());
    let body = Readiness {
        status: if ok {
            ReadinessStatus::Ready
        } else {
            ReadinessStatus::Unavailable
        },
        checks: CheckResults {
            store: check(store.map_err(|e| e.to_string())),
            blobs: check(blobs),
            broker: check(broker.map_err(|e| e.to_string())),
        },
    };
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
}
