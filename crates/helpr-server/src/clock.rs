//! The server's time, in unix seconds. Tests move it forward ([`Clock::advance`]) to expire
//! sessions, codes and overrides without waiting; the binary never does. Tasks that act at
//! a time (the Gmail watch renewal) also wake when it moves ([`Clock::advanced`]).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use tokio::sync::futures::Notified;
use tokio::sync::Notify;

/// The system clock plus an offset that only tests change.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
    moved: Arc<Notify>,
}

impl Clock {
    pub fn now(&self) -> i64 {
        let system = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        system + self.offset.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) `seconds` ahead.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
        self.moved.notify_waiters();
    }

    /// Completes at the next [`Clock::advance`] after it was enabled (`Notified::enable`) or
    /// first polled.
    pub fn advanced(&self) -> Notified<'_> {
        self.moved.notified()
    }
}
