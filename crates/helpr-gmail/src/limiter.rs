//! Spending Gmail's per-user quota (google-protocols.md §2.9) and waiting after refusals.
//!
//! [`Quota`] is a sliding one-second window of units shared by every request of one account:
//! a request waits until its cost fits, so a sync spends the budget evenly instead of
//! bursting into 429s. It keeps a small margin under the server's budget, because requests
//! sent one second apart can arrive in the same server window. When the server refuses
//! anyway, [`Quota::pause`] holds every request back for the backoff, not only the refused one.
//!
//! [`Backoff`] is exponential with jitter (Google's advice: ~1, 2, 4 … s), and a server's
//! `Retry-After` is honoured when it asks for longer.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Gmail's per-user budget (the reference's per-second figure).
pub const GMAIL_UNITS_PER_SECOND: u32 = 250;
/// Quota units of the methods helpr calls (§2.9).
pub mod cost {
    pub const GET_PROFILE: u32 = 1;
    pub const LABELS_LIST: u32 = 1;
    pub const LABELS_CREATE: u32 = 5;
    pub const HISTORY_LIST: u32 = 2;
    pub const MESSAGES_LIST: u32 = 5;
    pub const MESSAGES_GET: u32 = 5;
    /// messages.trash (untrash is not in the reference; Google bills it alike).
    pub const MESSAGES_TRASH: u32 = 5;
    pub const MESSAGES_MODIFY: u32 = 5;
    /// users.watch: unconfirmed (a third-party note says 100, §2.9); the emulator charges it.
    pub const WATCH: u32 = 100;
    /// users.stop: not in the reference; the emulator charges 1.
    pub const STOP: u32 = 1;
}

const WINDOW: Duration = Duration::from_secs(1);

/// The sliding-window budget of one account.
#[derive(Debug)]
pub struct Quota {
    budget: u32,
    state: Mutex<Window>,
}

#[derive(Debug, Default)]
struct Window {
    spent: VecDeque<(Instant, u32)>,
    paused_until: Option<Instant>,
}

impl Quota {
    /// A budget of `units_per_second`, less a 4% margin for arrival jitter.
    pub fn new(units_per_second: u32) -> Self {
        Self {
            budget: (units_per_second - units_per_second / 25).max(1),
            state: Mutex::new(Window::default()),
        }
    }

    /// Gmail's budget.
    pub fn gmail() -> Self {
        Self::new(GMAIL_UNITS_PER_SECOND)
    }

    /// The units this limiter lets through per second.
    pub fn budget(&self) -> u32 {
        self.budget
    }

    /// Waits until `cost` units fit in the window, then spends them.
    pub async fn acquire(&self, cost: u32) {
        let cost = cost.min(self.budget);
        loop {
            let wait = {
                let mut w = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                while w.spent.front().is_some_and(|(t, _)| now - *t >= WINDOW) {
                    w.spent.pop_front();
                }
                match w.paused_until {
                    Some(until) if until > now => until - now,
                    _ => {
                        let used: u32 = w.spent.iter().map(|(_, u)| u).sum();
                        if used + cost <= self.budget {
                            w.spent.push_back((now, cost));
                            return;
                        }
                        // Wait for the oldest entries whose expiry frees enough room.
                        let mut free = self.budget - used;
                        let mut until = now;
                        for (t, u) in &w.spent {
                            free += u;
                            until = *t + WINDOW;
                            if free >= cost {
                                break;
                            }
                        }
                        until
                            .saturating_duration_since(now)
                            .max(Duration::from_millis(1))
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds every request back for `d` (after the server refused for quota).
    pub fn pause(&self, d: Duration) {
        let mut w = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + d;
        if w.paused_until.is_none_or(|p| p < until) {
            w.paused_until = Some(until);
        }
    }
}

/// Exponential backoff with jitter. The default waits about 0.25, 0.5, 1, 2, 4, 8 s (each
/// 50–100% of that) before giving up on a request for this run: a desktop client syncs again
/// soon, and a failed run resumes where it stopped.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    /// Attempts in all, the first included.
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(8),
            attempts: 7,
        }
    }
}

impl Backoff {
    /// The wait before attempt `n + 1` after `n` failed ones (n ≥ 1): `initial · 2^(n-1)`,
    /// capped, with up to half of it drawn at random, and at least `retry_after`.
    pub fn delay(&self, failed: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial
            .saturating_mul(1u32 << failed.saturating_sub(1).min(20))
            .min(self.max);
        let jitter = rand::random::<f64>() * 0.5;
        let d = exp.mul_f64(0.5 + jitter);
        match retry_after {
            Some(r) if r > d => r.min(self.max.max(r)),
            _ => d,
        }
    }
}

/// A `Retry-After` header: seconds, or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(3600)));
    }
    let when = httpdate(v)?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(Duration::from_secs(3600)),
    )
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form servers send.
fn httpdate(v: &str) -> Option<std::time::SystemTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let t = time::PrimitiveDateTime::parse(v, &format)
        .ok()?
        .assume_utc();
    Some(std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(t.unix_timestamp()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_window_never_holds_more_than_the_budget() {
        let q = std::sync::Arc::new(Quota::new(100));
        let start = Instant::now();
        let log = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (q, log) = (q.clone(), log.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..20 {
                    q.acquire(5).await;
                    log.lock().unwrap().push(Instant::now() - start);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let times = log.lock().unwrap().clone();
        assert_eq!(times.len(), 160);
        // Any one-second window holds at most budget / 5 requests.
        let per_window = (q.budget() / 5) as usize;
        for (i, t) in times.iter().enumerate() {
            let inside = times[i..].iter().filter(|u| **u - *t < WINDOW).count();
            assert!(inside <= per_window, "{inside} > {per_window}");
        }
        // And it spends the budget: 160 requests at 19 per second take about 8 seconds.
        let last = *times.iter().max().unwrap();
        assert!(last < Duration::from_secs(9), "{last:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_everyone() {
        let q = Quota::new(1000);
        q.pause(Duration::from_secs(3));
        let start = Instant::now();
        q.acquire(1).await;
        assert!(Instant::now() - start >= Duration::from_secs(3));
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(10),
            attempts: 5,
        };
        for n in 1..6u32 {
            let d = b.delay(n, None);
            let base = Duration::from_millis(100) * (1 << (n - 1));
            assert!(d >= base / 2 && d <= base, "{n}: {d:?}");
        }
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(4))),
            Duration::from_secs(4)
        );
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }
}
