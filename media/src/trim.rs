//! Gapless trimming of decoded audio to the container's presentation window.
//!
//! Some demuxers trim encoder priming/padding themselves (MP3 via the LAME
//! tag, Ogg via granule positions, Opus pre-skip in the decoder); for the rest
//! (MP4 edit lists) the converter sets up a [`Trim`] that drops the first
//! `skip` frames and stops after `limit` frames.

use std::ops::Range;

/// A window over the stream of decoded frames.
#[derive(Debug, Clone)]
pub(crate) struct Trim {
    skip: u64,
    limit: Option<u64>,
    seen: u64,
    kept: u64,
}

impl Trim {
    /// Keep frames `skip .. skip + limit` of the decoded stream.
    pub fn new(skip: u64, limit: Option<u64>) -> Self {
        Self {
            skip,
            limit,
            seen: 0,
            kept: 0,
        }
    }

    /// A window that keeps everything.
    pub fn none() -> Self {
        Self::new(0, None)
    }

    /// Given the next decoded buffer of `frames` frames, the range of it to
    /// keep (possibly empty).
    pub fn window(&mut self, frames: usize) -> Range<usize> {
        let start_abs = self.seen;
        self.seen += frames as u64;
        let keep_from = self.skip.saturating_sub(start_abs).min(frames as u64);
        let mut keep_to = frames as u64;
        if let Some(limit) = self.limit {
            let room = limit.saturating_sub(self.kept);
            keep_to = keep_to.min(keep_from + room);
        }
        if keep_to <= keep_from {
            return 0..0;
        }
        self.kept += keep_to - keep_from;
        // Both bounds are at most `frames`, which came from a usize.
        keep_from as usize..keep_to as usize
    }

    /// Frames passed through so far.
    pub fn kept(&self) -> u64 {
        self.kept
    }

    /// Whether the window is full, so the rest of the stream can be skipped.
    pub fn is_done(&self) -> bool {
        self.limit.is_some_and(|limit| self.kept >= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_then_limits() {
        let mut t = Trim::new(1500, Some(2000));
        assert_eq!(t.window(1024), 0..0);
        assert_eq!(t.window(1024), 476..1024);
        assert_eq!(t.window(1024), 0..1024);
        assert!(!t.is_done());
        assert_eq!(t.window(1024), 0..428);
        assert!(t.is_done());
        assert_eq!(t.window(1024), 0..0);
        assert_eq!(t.kept(), 2000);
    }

    #[test]
    fn none_keeps_all() {
        let mut t = Trim::none();
        assert_eq!(t.window(10), 0..10);
        assert_eq!(t.kept(), 10);
        assert!(!t.is_done());
    }
}
