//! A flag raised when its guard is dropped, so work on a blocking thread
//! (a render, a conversion) never outlives the future of its job, however
//! that future ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Raises the flag on drop.
pub(crate) struct RaiseOnDrop(pub Arc<AtomicBool>);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
