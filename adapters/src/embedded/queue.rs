//! A durable in-process queue with broker semantics, stored in SQLite.
//!
//! Messages survive restarts: anything published and not yet acknowledged or
//! dead-lettered (including messages in flight when the process stopped) is
//! delivered again after the next start.

use super::db::Db;
use crate::broker::{Acker, Broker, BrokerError, DeadLetter, Delivery, QueueDepth, Subscription};
use async_trait::async_trait;
use bytes::Bytes;
use kiln_proto::{Priority, Role};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    role       TEXT NOT NULL,
    key        TEXT NOT NULL,
    payload    BLOB NOT NULL,
    deliveries INTEGER NOT NULL DEFAULT 0,
    due_at     INTEGER NOT NULL,
    in_flight  INTEGER NOT NULL DEFAULT 0,
    bulk       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id         INTEGER PRIMARY KEY,
    role       TEXT NOT NULL,
    key        TEXT NOT NULL,
    payload    BLOB NOT NULL,
    deliveries INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    dead_at    INTEGER NOT NULL
);
"#;

/// The embedded [`Broker`].
#[derive(Clone)]
pub struct EmbeddedBroker {
    db: Db,
    notify: Arc<Notify>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn unavailable(e: impl Into<kiln_core::Cause>) -> BrokerError {
    BrokerError::Unavailable(e.into())
}

impl EmbeddedBroker {
    /// Opens the queue database at `path`. Call [`EmbeddedBroker::recover`]
    /// next to release messages a previous process left in flight.
    pub fn open(path: &Path) -> Result<Self, BrokerError> {
        let db = Db::open(path, SCHEMA).map_err(|e| unavailable(e.to_string()))?;
        db.call_blocking(|c| {
            // Queues written before lanes existed hold interactive work only.
            let lanes = c
                .prepare("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'bulk'")?
                .exists([])?;
            if !lanes {
                c.execute_batch("ALTER TABLE messages ADD COLUMN bulk INTEGER NOT NULL DEFAULT 0")?;
            }
            c.execute_batch(
                "CREATE INDEX IF NOT EXISTS messages_lane ON messages(role, in_flight, bulk, due_at, id);
                 DROP INDEX IF EXISTS messages_due;",
            )
        })
        .map_err(|e| unavailable(e.to_string()))?;
        Ok(EmbeddedBroker {
            db,
            notify: Arc::new(Notify::new()),
        })
    }

    /// Releases messages a previous process held. Call once at start-up,
    /// before any consumer of this process subscribes.
    pub async fn recover(&self) -> Result<u64, BrokerError> {
        self.db
            .call(|c| c.execute("UPDATE messages SET in_flight = 0 WHERE in_flight = 1", []))
            .await
            .map(|n| n as u64)
            .map_err(unavailable)
    }

    /// Messages waiting or in flight for `role` (the queue depth).
    pub async fn depth(&self, role: Role) -> Result<u64, BrokerError> {
        self.db
            .call(move |c| {
                c.query_row(
                    "SELECT COUNT(*) FROM messages WHERE role = ?1",
                    [role.as_str()],
                    |r| r.get::<_, i64>(0),
                )
            })
            .await
            .map(|n| n as u64)
            .map_err(unavailable)
    }
}

#[async_trait]
impl Broker for EmbeddedBroker {
    async fn dead_letters(&self, role: Role, limit: usize) -> Result<Vec<DeadLetter>, BrokerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .call(move |c| {
                c.prepare(
                    "SELECT payload, reason, deliveries, dead_at FROM dead_letters
                     WHERE role = ?1 ORDER BY id LIMIT ?2",
                )?
                .query_map(rusqlite::params![role.as_str(), limit], |r| {
                    Ok(DeadLetter {
                        payload: Bytes::from(r.get::<_, Vec<u8>>(0)?),
                        reason: r.get(1)?,
                        deliveries: Some(r.get(2)?),
                        dead_at: chrono::DateTime::from_timestamp_millis(r.get(3)?),
                    })
                })?
                .collect()
            })
            .await
            .map_err(unavailable)
    }

    async fn purge_dead_letters(&self, role: Role) -> Result<u64, BrokerError> {
        self.db
            .call(move |c| c.execute("DELETE FROM dead_letters WHERE role = ?1", [role.as_str()]))
            .await
            .map(|n| n as u64)
            .map_err(unavailable)
    }

    /// Lanes are strict here: a bulk message waits while any interactive
    /// one of its role is due.
    async fn publish_in(
        &self,
        role: Role,
        lane: Priority,
        key: &str,
        payload: Bytes,
    ) -> Result<(), BrokerError> {
        let key = key.to_owned();
        let bulk = lane == Priority::Bulk;
        self.db
            .call(move |c| {
                c.execute(
                    "INSERT INTO messages (role, key, payload, due_at, bulk) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![role.as_str(), key, payload.as_ref(), now_ms(), bulk],
                )
            })
            .await
            .map_err(unavailable)?;
        self.notify.notify_waiters();
        Ok(())
    }

    /// Prefetch does not apply: deliveries are claimed one `next` at a time.
    async fn subscribe(
        &self,
        role: Role,
        _prefetch: usize,
    ) -> Result<Box<dyn Subscription>, BrokerError> {
        Ok(Box::new(EmbeddedSubscription {
            broker: self.clone(),
            role,
        }))
    }

    async fn ping(&self) -> Result<(), BrokerError> {
        self.db
            .call(|c| c.query_row("SELECT 1", [], |_| Ok(())))
            .await
            .map_err(unavailable)
    }

    async fn depth(&self, role: Role) -> Result<Option<QueueDepth>, BrokerError> {
        let count = move |c: &rusqlite::Connection, sql: &str| {
            c.query_row(sql, [role.as_str()], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
        };
        self.db
            .call(move |c| {
                Ok(QueueDepth {
                    queued: count(c, "SELECT COUNT(*) FROM messages WHERE role = ?1")?,
                    dead: count(c, "SELECT COUNT(*) FROM dead_letters WHERE role = ?1")?,
                })
            })
            .await
            .map(Some)
            .map_err(unavailable)
    }
}

struct EmbeddedSubscription {
    broker: EmbeddedBroker,
    role: Role,
}

enum Claim {
    Got(Delivery),
    /// Nothing due; the earliest future due time, if any (ms since epoch).
    Wait(Option<i64>),
}

impl EmbeddedSubscription {
    async fn claim(&self) -> Result<Claim, BrokerError> {
        let role = self.role;
        let row = self
            .broker
            .db
            .call(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let now = now_ms();
                let found: Option<(i64, Vec<u8>, u32)> = tx
                    .query_row(
                        "SELECT id, payload, deliveries FROM messages
                         WHERE role = ?1 AND in_flight = 0 AND due_at <= ?2 ORDER BY bulk, due_at, id LIMIT 1",
                        params![role.as_str(), now],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                let result = match found {
                    Some((id, payload, deliveries)) => {
                        tx.execute("UPDATE messages SET in_flight = 1, deliveries = deliveries + 1 WHERE id = ?1", [id])?;
                        Ok((id, payload, deliveries + 1))
                    }
                    None => Err(tx.query_row(
                        "SELECT MIN(due_at) FROM messages WHERE role = ?1 AND in_flight = 0",
                        [role.as_str()],
                        |r| r.get::<_, Option<i64>>(0),
                    )?),
                };
                tx.commit()?;
                Ok(result)
            })
            .await
            .map_err(unavailable)?;
        Ok(match row {
            Ok((id, payload, deliveries)) => {
                let acker = EmbeddedAcker {
                    broker: self.broker.clone(),
                    id,
                    settled: false,
                };
                Claim::Got(Delivery::new(
                    Bytes::from(payload),
                    deliveries,
                    Box::new(acker),
                ))
            }
            Err(next_due) => Claim::Wait(next_due),
        })
    }
}

#[async_trait]
impl Subscription for EmbeddedSubscription {
    async fn next(&mut self) -> Result<Delivery, BrokerError> {
        loop {
            // Register interest before looking, so a publish between the look
            // and the wait still wakes us.
            let notified = self.broker.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.claim().await? {
                Claim::Got(d) => return Ok(d),
                Claim::Wait(Some(due)) => {
                    let wait = Duration::from_millis((due - now_ms()).max(1) as u64);
                    tokio::select! {
                        _ = &mut notified => {}
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
                Claim::Wait(None) => notified.await,
            }
        }
    }

    async fn try_next(&mut self) -> Result<Option<Delivery>, BrokerError> {
        Ok(match self.claim().await? {
            Claim::Got(d) => Some(d),
            Claim::Wait(_) => None,
        })
    }
}

struct EmbeddedAcker {
    broker: EmbeddedBroker,
    id: i64,
    settled: bool,
}

impl EmbeddedAcker {
    async fn settle<F>(mut self: Box<Self>, f: F) -> Result<(), BrokerError>
    where
        F: FnOnce(&mut rusqlite::Connection, i64) -> rusqlite::Result<()> + Send + 'static,
    {
        let id = self.id;
        self.broker
            .db
            .call(move |c| f(c, id))
            .await
            .map_err(unavailable)?;
        self.settled = true;
        self.broker.notify.notify_waiters();
        Ok(())
    }
}

#[async_trait]
impl Acker for EmbeddedAcker {
    async fn ack(self: Box<Self>) -> Result<(), BrokerError> {
        self.settle(|c, id| {
            c.execute("DELETE FROM messages WHERE id = ?1", [id])
                .map(|_| ())
        })
        .await
    }

    async fn retry(self: Box<Self>, delay: Duration) -> Result<(), BrokerError> {
        let due = now_ms() + delay.as_millis() as i64;
        self.settle(move |c, id| {
            c.execute(
                "UPDATE messages SET in_flight = 0, due_at = ?1 WHERE id = ?2",
                params![due, id],
            )
            .map(|_| ())
        })
        .await
    }

    async fn dead_letter(self: Box<Self>, reason: &str) -> Result<(), BrokerError> {
        let reason = reason.to_owned();
        self.settle(move |c, id| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO dead_letters (role, key, payload, deliveries, reason, dead_at)
                 SELECT role, key, payload, deliveries, ?1, ?2 FROM messages WHERE id = ?3",
                params![reason, now_ms(), id],
            )?;
            tx.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            tx.commit()
        })
        .await
    }
}

impl Drop for EmbeddedAcker {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        // An unsettled delivery (a handler that panicked or was cancelled) goes
        // back to the queue, as a broker does when a consumer's channel closes.
        let (db, notify, id) = (self.broker.db.clone(), self.broker.notify.clone(), self.id);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let _ = db
                    .call(move |c| {
                        c.execute("UPDATE messages SET in_flight = 0 WHERE id = ?1", [id])
                    })
                    .await;
                notify.notify_waiters();
            });
        }
    }
}
