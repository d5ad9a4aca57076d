//! What a worker's liveness probe asks: is any delivery held far longer
//! than anything should take? An attempt is stopped at its time limit and
//! abandoned [`STOP_WAIT`] later, so a delivery still held after that (plus
//! a grace for settling it) means the worker is wedged: a hung store or
//! broker call, a lost wake-up. Restarting the process hands the message
//! to another worker.

use super::STOP_WAIT;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Time past an attempt's limit and stop wait that recording and settling
/// its result may take before the worker counts as stuck.
pub const SETTLE_GRACE: Duration = Duration::from_secs(60);

/// A delivery held past its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    /// The job, as far as it was read.
    pub job_id: String,
    /// How long the delivery has been held.
    pub held_for: Duration,
}

impl std::fmt::Display for Stuck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "job {} held for {}s, past its time limit",
            self.job_id,
            self.held_for.as_secs()
        )
    }
}

/// The deliveries a worker holds, each with when it was taken.
#[derive(Debug, Default)]
pub(super) struct Watchdog {
    next: AtomicU64,
    held: Mutex<HashMap<u64, (Instant, String)>>,
}

impl Watchdog {
    /// Records `job_id` as held until the returned guard drops.
    pub(super) fn hold(self: &Arc<Self>, job_id: &str) -> Held {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut held) = self.held.lock() {
            held.insert(key, (Instant::now(), job_id.to_owned()));
        }
        Held {
            dog: self.clone(),
            key,
        }
    }

    /// The longest-held delivery, if held past `limit` + [`STOP_WAIT`] +
    /// [`SETTLE_GRACE`] at `now`.
    pub(super) fn stuck_at(&self, limit: Duration, now: Instant) -> Option<Stuck> {
        let deadline = limit + STOP_WAIT + SETTLE_GRACE;
        let held = self.held.lock().ok()?;
        held.values()
            .map(|(since, job)| (now.saturating_duration_since(*since), job))
            .filter(|(held_for, _)| *held_for > deadline)
            .max_by_key(|(held_for, _)| *held_for)
            .map(|(held_for, job)| Stuck {
                job_id: job.clone(),
                held_for,
            })
    }
}

/// A held delivery; released when dropped, whichever way it ended.
pub(super) struct Held {
    dog: Arc<Watchdog>,
    key: u64,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Ok(mut held) = self.dog.held.lock() {
            held.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_held_past_its_limit_and_grace_is_stuck_until_released() {
        let dog = Arc::new(Watchdog::default());
        let limit = Duration::from_secs(30);
        let fine = dog.hold("j-fast");
        let slow = dog.hold("j-slow");
        let t0 = Instant::now();
        let edge = limit + STOP_WAIT + SETTLE_GRACE;
        assert_eq!(
            dog.stuck_at(limit, t0 + edge - Duration::from_secs(1)),
            None
        );
        let stuck = dog.stuck_at(limit, t0 + edge + Duration::from_secs(5));
        assert!(stuck.is_some_and(|s| s.held_for > edge), "both are past it");
        drop(slow);
        drop(fine);
        assert_eq!(dog.stuck_at(limit, t0 + edge * 10), None, "released");
    }
}
