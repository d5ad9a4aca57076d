//! Choosing between a role's two lanes, for brokers that keep them in
//! separate queues or topics (RabbitMQ, Kafka).
//!
//! Interactive work goes first. Bulk work is not starved, though: while
//! both lanes have messages ready, every [`BULK_SHARE`]th delivery comes
//! from the bulk lane, so a steady stream of uploads slows a re-scan down
//! instead of stopping it.

use kiln_proto::Priority;

/// While both lanes wait, one delivery in this many is bulk.
pub(crate) const BULK_SHARE: u32 = 10;

/// The lane choice of one subscription.
#[derive(Debug, Default)]
pub(crate) struct LanePicker {
    /// Interactive deliveries since the last bulk one, counted only while
    /// bulk work was waiting.
    run: u32,
}

impl LanePicker {
    /// Which lane the next delivery comes from, given which have one ready;
    /// `None` when neither has.
    pub(crate) fn pick(&mut self, interactive: bool, bulk: bool) -> Option<Priority> {
        match (interactive, bulk) {
            (false, false) => None,
            (true, false) => Some(Priority::Interactive),
            (false, true) => {
                self.run = 0;
                Some(Priority::Bulk)
            }
            (true, true) if self.run + 1 >= BULK_SHARE => {
                self.run = 0;
                Some(Priority::Bulk)
            }
            (true, true) => {
                self.run += 1;
                Some(Priority::Interactive)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactive_first_but_bulk_keeps_a_share() {
        let mut p = LanePicker::default();
        assert_eq!(p.pick(false, false), None);
        assert_eq!(p.pick(false, true), Some(Priority::Bulk));
        let picks: Vec<_> = (0..30).map(|_| p.pick(true, true).unwrap()).collect();
        let bulk = picks.iter().filter(|l| **l == Priority::Bulk).count();
        assert_eq!(bulk, 3, "{picks:?}");
        assert_eq!(picks[0], Priority::Interactive);
        // Interactive alone never counts towards the share.
        for _ in 0..50 {
            assert_eq!(p.pick(true, false), Some(Priority::Interactive));
        }
    }
}
