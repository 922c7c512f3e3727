//! The emulator's clock: system time plus an offset that tests move forward, so token and
//! code expiry are tested without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Seconds since the epoch as the emulator sees them.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_secs: AtomicU64,
}

impl Clock {
    pub(crate) fn now(&self) -> u64 {
        crate::pubsub::unix_now() + self.offset_secs.load(Ordering::SeqCst)
    }

    pub(crate) fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
}
