//! Per-client request rate limits (token buckets).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A token bucket: `burst` requests at once, refilled at `per_second`.
/// `per_second = 0` disables the limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests allowed in a burst (the bucket's size).
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 10.0,
            burst: 100,
        }
    }
}

impl RateLimit {
    /// Whether this limit lets everything through.
    pub fn is_off(&self) -> bool {
        self.per_second <= 0.0 || self.burst == 0
    }
}

/// What a limiter decided for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Go ahead (one token taken).
    Allowed,
    /// Over the limit: try again after this long.
    Limited {
        /// Time until a token is available.
        retry_after: Duration,
    },
}

/// Rate limiter failures.
#[derive(Debug, thiserror::Error)]
pub enum RateLimitError {
    /// The limiter's backend cannot be reached.
    #[error("rate limiter unavailable: {0}")]
    Unavailable(#[source] crate::Cause),
}

/// Takes one token from `key`'s bucket, shared by every gateway replica that
/// uses the same backend.
#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Takes a token for `key` under `limit`, or says how long to wait.
    async fn acquire(&self, key: &str, limit: RateLimit) -> Result<Decision, RateLimitError>;
}
