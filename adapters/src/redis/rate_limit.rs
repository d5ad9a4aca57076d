//! Token buckets in Redis, shared by every gateway replica.

use super::{bounded, connect};
use crate::rate_limit::{Decision, RateLimit, RateLimitError, RateLimiter};
use ::redis::aio::ConnectionManager;
use async_trait::async_trait;
use std::time::Duration;

/// Takes one token from the bucket `KEYS[1]` (a hash of `tokens` and `ts`,
/// the last update in milliseconds of the server's clock), refilled at
/// `ARGV[1]` tokens per second up to `ARGV[2]`. Returns `{1, 0}` when a token
/// was taken, else `{0, ms}`: the wait until one is there.
///
/// The same arithmetic as the in-memory limiter (`embedded::rate_limit`): a
/// missing bucket is a full one, so the key expires once it would have
/// refilled completely. The time comes from the server (`TIME`), so replicas
/// with skewed clocks agree.
const TOKEN_BUCKET: &str = r"
local per_second = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local epsilon = 1e-9
local max_ms = 86400000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
else
  local elapsed = math.max(now - ts, 0)
  tokens = math.min(tokens + elapsed * per_second / 1000, burst)
  ts = math.max(ts, now)
end
local allowed = 0
local wait = 0
if tokens >= 1 - epsilon then
  allowed = 1
  tokens = math.max(tokens - 1, 0)
else
  wait = math.min(math.max(math.ceil((1 - tokens) * 1000 / per_second), 1), max_ms)
end
local full_in = math.min(math.max(math.ceil((burst - tokens) * 1000 / per_second), 1), max_ms)
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', ts))
redis.call('PEXPIRE', KEYS[1], full_in)
return {allowed, wait}
";

/// A [`RateLimiter`] keeping its token buckets in Redis, so that every
/// gateway replica draws from the same bucket per key.
///
/// Each request runs one Lua script, atomically: bucket `{prefix}:rl:{key}`
/// is refilled by the time passed on the server's clock and a token taken if
/// there is one. Idle buckets expire once they would be full. A disabled
/// limit ([`RateLimit::is_off`]) never reaches Redis. Errors, including
/// Redis not answering within about two seconds, are
/// [`RateLimitError::Unavailable`]: the caller decides whether to fail open.
#[derive(Clone)]
pub struct RedisRateLimiter {
    conn: ConnectionManager,
    prefix: String,
    script: ::redis::Script,
}

impl std::fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    /// Connects to the Redis at `url` (`redis://[:password@]host[:port][/db]`,
    /// or `rediss://` for TLS), keeping buckets under `{prefix}:rl:`.
    /// Fails if Redis cannot be reached within a few seconds.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, RateLimitError> {
        let (_, conn) = connect(url)
            .await
            .map_err(|e| RateLimitError::Unavailable(e.into()))?;
        Ok(RedisRateLimiter {
            conn,
            prefix: prefix.to_owned(),
            script: ::redis::Script::new(TOKEN_BUCKET),
        })
    }

    /// The Redis key holding `key`'s bucket.
    pub fn bucket_key(&self, key: &str) -> String {
        format!("{}:rl:{key}", self.prefix)
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn acquire(&self, key: &str, limit: RateLimit) -> Result<Decision, RateLimitError> {
        if limit.is_off() || !limit.per_second.is_finite() {
            return Ok(Decision::Allowed);
        }
        let mut conn = self.conn.clone();
        let mut invocation = self.script.key(self.bucket_key(key));
        invocation.arg(limit.per_second).arg(limit.burst);
        let (allowed, wait_ms): (i64, i64) =
            bounded("rate limit script", invocation.invoke_async(&mut conn))
                .await
                .map_err(|e| RateLimitError::Unavailable(e.into()))?;
        Ok(if allowed == 1 {
            Decision::Allowed
        } else {
            Decision::Limited {
                retry_after: Duration::from_millis(wait_ms.max(1).unsigned_abs()),
            }
        })
    }
}
