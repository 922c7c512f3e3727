//! Killing a `helpr` with SIGKILL at a moment that proves something: [`KillPlan`] picks the
//! delays (fractions of an uninterrupted run's duration, then bisection while no kill has
//! landed mid-way), [`kill_after`] sends the kill, and the test reads from the data where each
//! one [`Landed`]. Time only chooses the moment; nothing is asserted about it.

use std::collections::VecDeque;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use crate::Scratch;

/// Kills per test at most (the planned ones, then bisection while none landed mid-way).
pub const MAX_KILLS: usize = 10;

/// Where a kill landed, read from the data afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landed {
    TooEarly,
    Midway,
    TooLate,
}

/// The delays to kill at: the planned fractions of an uninterrupted run, then, while no kill
/// has landed mid-way, the midpoint of the latest too-early and too-late delays (or, with no
/// too-late one yet, twice the too-early one: the killed runs may be slower than the timed one).
pub struct KillPlan {
    full: Duration,
    planned: VecDeque<Duration>,
    early: Duration,
    late: Option<Duration>,
    tries: usize,
    midway: usize,
}

impl KillPlan {
    pub fn new(full: Duration, fractions: &[f64]) -> KillPlan {
        KillPlan {
            full,
            planned: fractions.iter().map(|f| full.mul_f64(*f)).collect(),
            early: Duration::ZERO,
            late: None,
            tries: 0,
            midway: 0,
        }
    }

    pub fn next_delay(&mut self) -> Option<Duration> {
        let delay = match self.planned.pop_front() {
            Some(d) => d,
            None if self.midway > 0 || self.tries >= MAX_KILLS => return None,
            None => match self.late {
                Some(late) => (self.early + late) / 2,
                None => (self.early * 2).max(self.full),
            },
        };
        self.tries += 1;
        Some(delay)
    }

    /// Without a kill mid-way the test proved nothing.
    pub fn assert_proved(&self, what: &str, full: Duration) {
        assert!(
            self.midway > 0,
            "no kill landed mid-{what} in {} tries (a full {what} took {full:?}), so nothing \
             was proved",
            self.tries
        );
    }

    pub fn record(&mut self, delay: Duration, landed: Landed) {
        match landed {
            Landed::Midway => self.midway += 1,
            Landed::TooEarly => {
                self.early = delay;
                if self.late.is_some_and(|late| late <= delay) {
                    self.late = None;
                }
            }
            Landed::TooLate => {
                self.late = Some(delay);
                if self.early >= delay {
                    self.early = Duration::ZERO;
                }
            }
        }
    }
}

/// Starts `helpr ARGS`, waits `after`, then SIGKILLs it (`Child::kill` sends SIGKILL on Unix).
/// Returns true if the kill landed, false if the child had already finished by itself.
pub fn kill_after(s: &Scratch, args: &[&str], after: Duration) -> bool {
    let mut child = s
        .command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn helpr");
    // Only chooses the moment of the kill; nothing is asserted about time.
    std::thread::sleep(after);
    if let Some(status) = child.try_wait().unwrap() {
        assert!(
            status.success(),
            "helpr {args:?} failed on its own: {status}"
        );
        return false;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    // It may have exited between try_wait and kill.
    status.signal() == Some(SIGKILL)
}

const SIGKILL: i32 = 9;

#[cfg(test)]
#[test]
fn kill_plan_bisects_until_a_kill_lands_midway() {
    let ms = Duration::from_millis;
    let mut plan = KillPlan::new(ms(1000), &[0.5]);
    assert_eq!(plan.next_delay(), Some(ms(500)));
    plan.record(ms(500), Landed::TooLate);
    assert_eq!(plan.next_delay(), Some(ms(250)));
    plan.record(ms(250), Landed::TooEarly);
    assert_eq!(plan.next_delay(), Some(ms(375)));
    plan.record(ms(375), Landed::Midway);
    assert_eq!(plan.next_delay(), None);
    // Always too early: the delays grow past the timed run; and the tries are bounded.
    let mut plan = KillPlan::new(ms(100), &[0.5]);
    let mut delays = Vec::new();
    while let Some(d) = plan.next_delay() {
        delays.push(d);
        plan.record(d, Landed::TooEarly);
    }
    assert_eq!(delays.len(), MAX_KILLS);
    assert_eq!(delays[..3], [ms(50), ms(100), ms(200)]);
}
