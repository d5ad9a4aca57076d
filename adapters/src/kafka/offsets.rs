//! Which offsets may be committed while several messages of one partition
//! are processed at once: only up to the lowest one still unfinished, so a
//! crash or a rebalance redelivers everything not yet done (and some things
//! already done, which the job store turns into no-ops).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

/// A partition of a topic.
pub(super) type Tp = (String, i32);

/// Bookkeeping of one partition during one assignment.
#[derive(Debug, Default)]
struct PartitionOffsets {
    unfinished: BTreeSet<i64>,
    /// One past the highest offset received.
    next: Option<i64>,
}

impl PartitionOffsets {
    /// Where consumption should resume after a restart.
    fn position(&self) -> Option<i64> {
        self.unfinished.first().copied().or(self.next)
    }
}

/// Offsets of every partition currently assigned to one consumer.
#[derive(Debug, Default)]
pub(super) struct Tracker {
    partitions: HashMap<Tp, (u64, PartitionOffsets)>,
}

/// Distinguishes one assignment of a partition from a later one, so a
/// message from before a revocation cannot move the new owner's offsets.
static EPOCHS: AtomicU64 = AtomicU64::new(1);

impl Tracker {
    /// Partitions newly assigned: fresh bookkeeping under a new epoch.
    pub(super) fn assign(&mut self, tps: impl IntoIterator<Item = Tp>) {
        for tp in tps {
            let epoch = EPOCHS.fetch_add(1, Ordering::Relaxed);
            self.partitions
                .insert(tp, (epoch, PartitionOffsets::default()));
        }
    }

    /// Partitions taken away: whatever is in flight for them no longer counts.
    pub(super) fn revoke(&mut self, tps: impl IntoIterator<Item = Tp>) {
        for tp in tps {
            self.partitions.remove(&tp);
        }
    }

    /// Forgets every partition (the consumer is closing).
    pub(super) fn clear(&mut self) {
        self.partitions.clear();
    }

    /// A message arrived; returns the epoch its settlement must quote, or
    /// `None` if its partition is not assigned (a straggler from before a
    /// revocation).
    pub(super) fn received(&mut self, tp: &Tp, offset: i64) -> Option<u64> {
        let (epoch, p) = self.partitions.get_mut(tp)?;
        p.unfinished.insert(offset);
        p.next = Some(p.next.map_or(offset + 1, |n| n.max(offset + 1)));
        Some(*epoch)
    }

    /// Whether a message received under `epoch` still belongs to this consumer.
    pub(super) fn is_current(&self, tp: &Tp, epoch: u64) -> bool {
        self.partitions.get(tp).is_some_and(|(e, _)| *e == epoch)
    }

    /// A message is settled; returns the partition's new commit position if
    /// that moved.
    pub(super) fn finished(&mut self, tp: &Tp, offset: i64, epoch: u64) -> Option<i64> {
        let (e, p) = self.partitions.get_mut(tp)?;
        if *e != epoch {
            return None;
        }
        let before = p.position();
        if !p.unfinished.remove(&offset) {
            return None;
        }
        let after = p.position();
        if after != before { after } else { None }
    }

    /// Commit positions of every partition that has received something.
    pub(super) fn positions(&self) -> Vec<(Tp, i64)> {
        self.partitions
            .iter()
            .filter_map(|(tp, (_, p))| p.position().map(|pos| (tp.clone(), pos)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> Tp {
        ("t".to_owned(), p)
    }

    #[test]
    fn commits_only_up_to_the_lowest_unfinished_offset() {
        let mut t = Tracker::default();
        t.assign([tp(0)]);
        let e = t.received(&tp(0), 10).unwrap();
        t.received(&tp(0), 11).unwrap();
        t.received(&tp(0), 12).unwrap();
        // 11 and 12 finish first: 10 is still running, nothing may be committed past it.
        assert_eq!(t.finished(&tp(0), 12, e), None);
        assert_eq!(t.finished(&tp(0), 11, e), None);
        assert_eq!(t.positions(), vec![(tp(0), 10)]);
        // 10 finishes: everything received is done.
        assert_eq!(t.finished(&tp(0), 10, e), Some(13));
        // Settling twice changes nothing.
        assert_eq!(t.finished(&tp(0), 10, e), None);
    }

    #[test]
    fn a_revoked_partition_ignores_settlements_from_its_old_assignment() {
        let mut t = Tracker::default();
        t.assign([tp(0), tp(1)]);
        let old = t.received(&tp(0), 5).unwrap();
        t.revoke([tp(0)]);
        assert_eq!(t.received(&tp(0), 6), None);
        t.assign([tp(0)]);
        assert!(!t.is_current(&tp(0), old));
        let new = t.received(&tp(0), 5).unwrap();
        assert_ne!(old, new);
        assert_eq!(t.finished(&tp(0), 5, old), None);
        assert_eq!(t.finished(&tp(0), 5, new), Some(6));
        // Partition 1 never received anything: nothing to commit there.
        assert_eq!(t.positions(), vec![(tp(0), 6)]);
    }
}
