//! Retry policy: how many attempts, and how long between them.

use serde::Deserialize;
use std::time::Duration;

/// Exponential backoff with a cap and a bounded number of attempts.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts before a retryable failure is dead-lettered (default 5).
    pub max_attempts: u32,
    /// Delay after the first failure, in milliseconds (default 1000).
    pub base_delay_ms: u64,
    /// Upper bound of any delay, in milliseconds (default 5 minutes).
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay_ms: 1_000,
            max_delay_ms: 300_000,
        }
    }
}

impl RetryPolicy {
    /// Delay before the attempt after failed attempt number `attempt` (1-based):
    /// base, 2×base, 4×base, … capped. Jittered by up to +25 % so that jobs
    /// failing together (a store outage) do not return in lockstep.
    pub fn delay(&self, attempt: u32, jitter_seed: u64) -> Duration {
        let exp = self
            .base_delay_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(30));
        let capped = exp.min(self.max_delay_ms);
        let jitter = if capped >= 4 {
            jitter_seed % (capped / 4)
        } else {
            0
        };
        Duration::from_millis(
            capped
                .saturating_add(jitter)
                .min(self.max_delay_ms.max(capped)),
        )
    }

    /// Whether attempt number `attempt` was the last one allowed.
    pub fn exhausted(&self, attempt: u32) -> bool {
        attempt >= self.max_attempts.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_and_are_capped() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay_ms: 100,
            max_delay_ms: 1_000,
        };
        let d: Vec<u64> = (1..=6).map(|a| p.delay(a, 0).as_millis() as u64).collect();
        assert_eq!(d, vec![100, 200, 400, 800, 1_000, 1_000]);
        for a in 1..=6 {
            let j = p.delay(a, 7_777).as_millis() as u64;
            assert!(
                j >= d[a as usize - 1] && j <= 1_000.max(d[a as usize - 1] * 5 / 4),
                "{a}: {j}"
            );
        }
        assert!(!p.exhausted(4) && p.exhausted(5));
    }
}
