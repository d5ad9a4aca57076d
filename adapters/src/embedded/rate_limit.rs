//! In-memory token buckets, for a single gateway process.

use crate::rate_limit::{Decision, RateLimit, RateLimitError, RateLimiter};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Tolerance for rounding when deciding whether a whole token is there.
const TOKEN_EPSILON: f64 = 1e-9;
/// Longest wait or idle lifetime a bucket reports, in milliseconds (a day),
/// whatever the configuration.
const MAX_MILLIS: f64 = 86_400_000.0;
/// The map is swept of refilled buckets whenever it grows to this size, or to
/// twice its size after the previous sweep.
const SWEEP_MIN_LEN: usize = 1024;

/// Whether `limit` lets everything through without keeping any state.
fn unlimited(limit: &RateLimit) -> bool {
    limit.is_off() || !limit.per_second.is_finite()
}

/// One request against a bucket, computed at time `now` (milliseconds).
///
/// The Redis limiter runs the same arithmetic in Lua; keep the two in step.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Step {
    /// Whether a token was taken.
    allowed: bool,
    /// When not allowed, the wait until one token is there (ms, ≥ 1).
    wait_ms: f64,
    /// Tokens left in the bucket.
    tokens: f64,
    /// The bucket's new timestamp.
    ts: f64,
    /// Time until the bucket is full again, after which it can be forgotten
    /// (a missing bucket is a full one).
    full_in_ms: f64,
}

/// Refills a bucket (`None` when it is new or forgotten: full) at
/// `per_second` up to `burst` and takes one token if there is one.
fn take(state: Option<(f64, f64)>, now: f64, per_second: f64, burst: f64) -> Step {
    let (tokens, ts) = match state {
        None => (burst, now),
        Some((tokens, ts)) => {
            let elapsed = (now - ts).max(0.0);
            // A clock going backwards refills nothing, and does not move the
            // timestamp back either (or that stretch would count twice).
            (
                (tokens + elapsed * per_second / 1000.0).min(burst),
                ts.max(now),
            )
        }
    };
    let (allowed, tokens, wait_ms) = if tokens >= 1.0 - TOKEN_EPSILON {
        (true, (tokens - 1.0).max(0.0), 0.0)
    } else {
        let wait = ((1.0 - tokens) * 1000.0 / per_second).ceil();
        (false, tokens, wait.clamp(1.0, MAX_MILLIS))
    };
    let full_in_ms = ((burst - tokens) * 1000.0 / per_second)
        .ceil()
        .clamp(1.0, MAX_MILLIS);
    Step {
        allowed,
        wait_ms,
        tokens,
        ts,
        full_in_ms,
    }
}

/// The decision a [`Step`] stands for.
fn decision(step: &Step) -> Decision {
    if step.allowed {
        Decision::Allowed
    } else {
        Decision::Limited {
            // Whole milliseconds, at most a day: the cast cannot truncate.
            retry_after: Duration::from_millis(step.wait_ms as u64),
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    /// Milliseconds since the limiter's epoch.
    ts: f64,
    /// When the bucket is full again (same clock): it is then forgotten.
    full_at: f64,
}

#[derive(Debug)]
struct Buckets {
    epoch: Instant,
    map: HashMap<String, Bucket>,
    sweep_at_len: usize,
}

/// A [`RateLimiter`] keeping its token buckets in memory: limits are per
/// process, so use it only with a single gateway.
///
/// A bucket that has refilled completely is forgotten (a missing bucket is a
/// full one), so memory is bounded by the keys active within one refill time.
/// Clones share the buckets.
#[derive(Debug, Clone)]
pub struct LocalRateLimiter {
    buckets: Arc<Mutex<Buckets>>,
}

impl Default for LocalRateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalRateLimiter {
    /// A limiter with no buckets yet.
    pub fn new() -> Self {
        LocalRateLimiter {
            buckets: Arc::new(Mutex::new(Buckets {
                epoch: Instant::now(),
                map: HashMap::new(),
                sweep_at_len: SWEEP_MIN_LEN,
            })),
        }
    }

    /// Buckets currently held (those not yet refilled completely, plus any
    /// not swept yet).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buckets> {
        // The buckets are plain numbers, consistent after any panic.
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl RateLimiter for LocalRateLimiter {
    async fn acquire(&self, key: &str, limit: RateLimit) -> Result<Decision, RateLimitError> {
        if unlimited(&limit) {
            return Ok(Decision::Allowed);
        }
        let mut buckets = self.lock();
        let now = buckets.epoch.elapsed().as_secs_f64() * 1000.0;
        if buckets.map.len() >= buckets.sweep_at_len {
            buckets.map.retain(|_, b| b.full_at > now);
            buckets.sweep_at_len = (buckets.map.len() * 2).max(SWEEP_MIN_LEN);
        }
        let state = buckets
            .map
            .get(key)
            .filter(|b| b.full_at > now)
            .map(|b| (b.tokens, b.ts));
        let step = take(state, now, limit.per_second, f64::from(limit.burst));
        let bucket = Bucket {
            tokens: step.tokens,
            ts: step.ts,
            full_at: now + step.full_in_ms,
        };
        match buckets.map.get_mut(key) {
            Some(b) => *b = bucket,
            None => {
                buckets.map.insert(key.to_owned(), bucket);
            }
        }
        Ok(decision(&step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refills_at_rate_up_to_burst() {
        let s = take(None, 0.0, 2.0, 2.0);
        assert!(s.allowed && s.tokens == 1.0 && s.full_in_ms == 500.0);
        let s = take(Some((s.tokens, s.ts)), 0.0, 2.0, 2.0);
        assert!(s.allowed && s.tokens == 0.0);
        let s = take(Some((s.tokens, s.ts)), 100.0, 2.0, 2.0);
        assert_eq!((s.allowed, s.wait_ms), (false, 400.0));
        let s = take(Some((s.tokens, s.ts)), 500.0, 2.0, 2.0);
        assert!(s.allowed);
        // A long idle time refills to `burst`, no more.
        let s = take(Some((0.0, 0.0)), 1e9, 2.0, 2.0);
        assert_eq!(s.tokens, 1.0);
        // A clock going backwards refills nothing.
        let s = take(Some((0.5, 1000.0)), 0.0, 2.0, 2.0);
        assert_eq!((s.allowed, s.ts, s.wait_ms), (false, 1000.0, 250.0));
    }

    #[test]
    fn waiting_the_advertised_time_always_yields_a_token() {
        for per_second in [0.1, 0.3, 1.0, 3.0, 7.0, 1000.0] {
            let mut state = Some((0.0, 0.0));
            let mut now = 0.0;
            for _ in 0..50 {
                let s = take(state, now, per_second, 3.0);
                if s.allowed {
                    state = Some((s.tokens, s.ts));
                    continue;
                }
                now += s.wait_ms;
                let s = take(Some((s.tokens, s.ts)), now, per_second, 3.0);
                assert!(s.allowed, "rate {per_second}");
                state = Some((s.tokens, s.ts));
            }
        }
    }

    #[tokio::test]
    async fn forgets_refilled_buckets() {
        let limiter = LocalRateLimiter::new();
        let limit = RateLimit {
            per_second: 1000.0,
            burst: 1,
        };
        for i in 0..SWEEP_MIN_LEN {
            limiter.acquire(&format!("k{i}"), limit).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        limiter.acquire("last", limit).await.unwrap();
        assert_eq!(limiter.len(), 1);
        let off = RateLimit {
            per_second: 0.0,
            burst: 1,
        };
        limiter.acquire("off", off).await.unwrap();
        assert_eq!(limiter.len(), 1);
    }
}
