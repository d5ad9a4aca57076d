//! Liveness and readiness probes.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kiln_core::{BlobStore, Broker, MetaStore};
use kiln_proto::api::{CheckResults, Liveness, Readiness, ReadinessStatus};

/// The process is up.
pub async fn live() -> Json<Liveness> {
    Json(Liveness::default())
}

/// The store, blob store and broker all answer.
pub async fn ready(State(s): State<AppState>) -> (StatusCode, Json<Readiness>) {
    readiness(
        s.backends.blobs.as_ref(),
        s.backends.store.as_ref(),
        s.backends.broker.as_ref(),
    )
    .await
}

/// The readiness answer of any Kiln service: `200` when the store, blob
/// store and broker all answer, else `503`, with each check's result.
pub async fn readiness(
    blobs: &dyn BlobStore,
    store: &dyn MetaStore,
    broker: &dyn Broker,
) -> (StatusCode, Json<Readiness>) {
    let (store, blobs, broker) = tokio::join!(store.ping(), blobs.ping(), broker.ping());
    let ok = store.is_ok() && blobs.is_ok() && broker.is_ok();
    let check = |r: Result<(), String>| r.map_or_else(|e| e, |()| CheckResults::OK.to_owned());
    let body = Readiness {
        status: if ok {
            ReadinessStatus::Ready
        } else {
            ReadinessStatus::Unavailable
        },
        checks: CheckResults {
            store: check(store.map_err(|e| e.to_string())),
            blobs: check(blobs.map_err(|e| e.to_string())),
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
