//! The emulator's clock: system time plus an offset that tests move forward, optionally
//! frozen, so token and code expiry and the per-second quota window are tested without
//! sleeping. Millisecond resolution.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Time as the emulator sees it.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_ms: AtomicU64,
    /// System time (ms) when frozen; 0 = running.
    frozen_ms: AtomicU64,
}

impl Clock {
    /// Seconds since the epoch.
    pub(crate) fn now(&self) -> u64 {
        self.now_ms() / 1000
    }

    /// Milliseconds since the epoch.
    pub(crate) fn now_ms(&self) -> u64 {
        let base = match self.frozen_ms.load(Ordering::SeqCst) {
            0 => system_ms(),
            frozen => frozen,
        };
        base + self.offset_ms.load(Ordering::SeqCst)
    }

    pub(crate) fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX / 2);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Stops the system-time part; only [`Clock::advance`] moves the clock from now on.
    pub(crate) fn freeze(&self) {
        let _ = self
            .frozen_ms
            .compare_exchange(0, system_ms(), Ordering::SeqCst, Ordering::SeqCst);
    }
}

fn system_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 2))
        .unwrap_or(0)
        .max(1)
}
