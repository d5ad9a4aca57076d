//! Liveness and readiness probes.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kiln_core::{BlobStore, Broker, MetaStore};
use serde_json::{Value, json};

/// The process is up.
pub async fn live() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The store, blob store and broker all answer.
pub async fn ready(State(s): State<AppState>) -> (StatusCode, Json<Value>) {
    readiness(s.blobs.as_ref(), s.store.as_ref(), s.broker.as_ref()).await
}

/// The readiness answer of any Kiln service: `200` when the store, blob
/// store and broker all answer, else `503`, with each check's result.
pub async fn readiness(
    blobs: &dyn BlobStore,
    store: &dyn MetaStore,
    broker: &dyn Broker,
) -> (StatusCode, Json<Value>) {
    let (store, blobs, broker) = tokio::join!(store.ping(), blobs.ping(), broker.ping());
    let check = |r: Result<(), String>| match r {
        Ok(()) => json!("ok"),
        Err(e) => json!(e),
    };
    let ok = store.is_ok() && blobs.is_ok() && broker.is_ok();
    let body = json!({
        "status": if ok { "ready" } else { "unavailable" },
        "checks": {
            "store": check(store.map_err(|e| e.to_string())),
            "blobs": check(blobs.map_err(|e| e.to_string())),
            "broker": check(broker.map_err(|e| e.to_string())),
        }
    });
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
}
