//! Taking deliveries from the broker: one at a time for tests, or
//! continuously with bounded concurrency until shutdown.

use super::{Outcome, Worker};
use kiln_core::{BrokerError, Subscription};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

impl Worker {
    /// Processes the next delivery if one arrives within `wait`. For tests and
    /// one-shot runs: deterministic, no background tasks.
    pub async fn process_one(
        self: &Arc<Self>,
        wait: Duration,
    ) -> Result<Option<Outcome>, BrokerError> {
        let mut sub = self.ctx.broker.subscribe(self.role(), 1).await?;
        match tokio::time::timeout(wait, sub.next()).await {
            Ok(delivery) => Ok(Some(self.process(delivery?).await)),
            Err(_) => Ok(None),
        }
    }

    /// Consumes until `shutdown` is cancelled, then stops taking jobs and waits
    /// up to the grace period for the ones in flight. Unfinished ones are left
    /// unsettled, so the broker delivers them again.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let role = self.role();
        let concurrency = self.config.concurrency.max(1);
        let slots = Arc::new(Semaphore::new(concurrency));
        let mut backoff = Duration::from_millis(200);
        // Kept until in-flight jobs are done: closing it early would hand
        // their messages back to the broker while they are still being worked on.
        let mut current: Option<Box<dyn Subscription>> = None;
        'outer: loop {
            let sub = match &mut current {
                Some(sub) => sub,
                None => {
                    let subscribed = tokio::select! {
                        s = self.ctx.broker.subscribe(role, concurrency) => s,
                        _ = shutdown.cancelled() => break,
                    };
                    match subscribed {
                        Ok(s) => {
                            info!(%role, concurrency, "worker consuming");
                            current.insert(s)
                        }
                        Err(e) => {
                            warn!(%role, error = %e, ?backoff, "subscribe failed; retrying");
                            tokio::select! {
                                _ = tokio::time::sleep(backoff) => {}
                                _ = shutdown.cancelled() => break,
                            }
                            backoff = (backoff * 2).min(Duration::from_secs(5));
                            continue;
                        }
                    }
                }
            };
            loop {
                let permit = tokio::select! {
                    p = slots.clone().acquire_owned() => p.expect("semaphore is never closed"),
                    _ = shutdown.cancelled() => break 'outer,
                };
                let delivery = tokio::select! {
                    d = sub.next() => d,
                    _ = shutdown.cancelled() => break 'outer,
                };
                match delivery {
                    Ok(d) => {
                        backoff = Duration::from_millis(200);
                        let me = self.clone();
                        tokio::spawn(async move {
                            me.process(d).await;
                            drop(permit);
                        });
                    }
                    Err(e) => {
                        warn!(%role, error = %e, "consume failed; resubscribing");
                        current = None;
                        tokio::select! {
                            _ = tokio::time::sleep(backoff) => {}
                            _ = shutdown.cancelled() => break 'outer,
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                        continue 'outer;
                    }
                }
            }
        }
        let all = self.config.concurrency.max(1) as u32;
        // The last part of the grace is for jobs told to stop to do so
        // (each checks between steps), so the worker ends within the grace.
        let grace = self.config.shutdown_grace;
        let stop_wait = super::STOP_WAIT.min(grace / 2);
        if tokio::time::timeout(grace - stop_wait, slots.acquire_many(all))
            .await
            .is_err()
        {
            warn!(%role, "shutdown grace period over; stopping unfinished jobs, which will be redelivered");
            self.abandon.cancel();
            let _ = tokio::time::timeout(stop_wait, slots.acquire_many(all)).await;
        }
        drop(current);
        info!(%role, "worker stopped");
    }
}
