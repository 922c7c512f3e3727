//! A stop request for the one long job of its kind that may run at a time (key retirement):
//! the job's progress callback checks it after every batch, a command sets it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use helpr_core::RetireControl;

/// Managed Tauri state: set by a stop command, cleared when a job starts.
#[derive(Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// Clears the flag and wraps `report` (which sees each progress and says whether anyone
    /// still listens) into a progress callback that stops when asked, or when nobody listens.
    pub fn watch<P>(
        &self,
        report: impl Fn(P) -> bool + Send + 'static,
    ) -> impl FnMut(P) -> RetireControl + Send + 'static {
        self.0.store(false, Ordering::SeqCst);
        let flag = self.0.clone();
        move |progress| {
            if report(progress) && !flag.load(Ordering::SeqCst) {
                RetireControl::Continue
            } else {
                RetireControl::Stop
            }
        }
    }

    /// Asks the running job to stop after its current batch.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continues_until_asked_or_nobody_listens() {
        let flag = StopFlag::default();
        let mut control = flag.watch(|_: u32| true);
        assert_eq!(control(1), RetireControl::Continue);
        flag.request();
        assert_eq!(control(2), RetireControl::Stop);
        // A new job starts cleared.
        let mut control = flag.watch(|_: u32| true);
        assert_eq!(control(1), RetireControl::Continue);
        let mut deaf = flag.watch(|_: u32| false);
        assert_eq!(deaf(1), RetireControl::Stop);
    }
}
