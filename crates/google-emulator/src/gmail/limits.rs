//! Per-user quota and fault injection in front of every Gmail operation
//! (google-protocols.md §2.9): the per-method cost table (the one place), a sliding 1 s window
//! of units per user on the emulator's clock, the refusal Google sends when it is spent, and
//! the fault knobs (extra latency, a seeded 5xx rate).
//!
//! Budget: 250 units per user per second (the quota page's older per-second figure; its
//! current page says 6,000 per minute), changeable or off. Refused requests cost nothing.
//! Refusal: 429 `rateLimitExceeded` "Too many concurrent requests for user", or 403
//! `userRateLimitExceeded` "User Rate Limit Exceeded" (domain `usageLimits`), or the two in
//! turn. No `Retry-After`: the reference marks it unconfirmed.

use super::{envelope, Reply};
use hyper::StatusCode;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// A Gmail operation the emulator serves, for its quota cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    GetProfile,
    LabelsList,
    LabelsCreate,
    HistoryList,
    MessagesList,
    MessagesGet,
    AttachmentsGet,
    MessagesModify,
    MessagesTrash,
    MessagesUntrash,
    MessagesDelete,
    MessagesSend,
    ThreadsList,
    ThreadsGet,
    Watch,
    Stop,
}

impl Op {
    /// Quota units (§2.9). untrash and delete are not in the reference: untrash as trash,
    /// delete 10 as Google's quota page lists it; threads.list and threads.get 10 also as
    /// that page lists them; watch 100 and stop 1 are assumptions.
    pub(crate) const fn cost(self) -> u32 {
        match self {
            Op::GetProfile | Op::LabelsList => 1,
            Op::HistoryList => 2,
            Op::LabelsCreate
            | Op::MessagesList
            | Op::MessagesGet
            | Op::AttachmentsGet
            | Op::MessagesModify
            | Op::MessagesTrash
            | Op::MessagesUntrash => 5,
            Op::MessagesDelete | Op::ThreadsList | Op::ThreadsGet => 10,
            Op::MessagesSend => 100,
            // watch's cost is unconfirmed (a third-party note says 100, §2.9); stop's is not
            // in the reference at all: 1, as the cheapest calls.
            Op::Watch => 100,
            Op::Stop => 1,
        }
    }
}

/// Units per user per second unless changed.
pub const DEFAULT_UNITS_PER_SECOND: u32 = 250;
/// The seed of the 5xx draw unless changed.
pub const DEFAULT_FAULT_SEED: u64 = 0xfa_17;

/// What an over-budget request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaRefusal {
    /// 429 `rateLimitExceeded`, "Too many concurrent requests for user".
    TooManyRequests,
    /// 403 `userRateLimitExceeded`, "User Rate Limit Exceeded".
    UserRateLimit,
    /// 429, then 403, then 429…
    Alternate,
}

/// Quota and fault state.
#[derive(Debug)]
pub(crate) struct Limits {
    /// `None` = quota off.
    pub(crate) units_per_second: Option<u32>,
    pub(crate) refusal: QuotaRefusal,
    next_is_403: bool,
    spent: HashMap<String, VecDeque<(u64, u32)>>,
    pub(crate) latency: Duration,
    /// Share of operations answered 500/503, 0.0..=1.0.
    pub(crate) error_rate: f64,
    rng: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            units_per_second: Some(DEFAULT_UNITS_PER_SECOND),
            refusal: QuotaRefusal::TooManyRequests,
            next_is_403: false,
            spent: HashMap::new(),
            latency: Duration::ZERO,
            error_rate: 0.0,
            rng: DEFAULT_FAULT_SEED,
        }
    }
}

impl Limits {
    pub(crate) fn set_fault_seed(&mut self, seed: u64) {
        self.rng = seed;
    }

    /// `None` to go ahead, else the fault or refusal to send. Charges `op` when it goes ahead.
    pub(crate) fn admit(&mut self, user: &str, op: Op, now_ms: u64) -> Option<Reply> {
        if self.error_rate > 0.0 {
            let draw = self.next_u64();
            // 53 random bits as a fraction in [0, 1).
            let fraction = (draw >> 11) as f64 / (1u64 << 53) as f64;
            if fraction < self.error_rate {
                return Some(if draw & 1 == 0 {
                    envelope(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal error encountered.",
                        "global",
                        "backendError",
                    )
                } else {
                    envelope(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "The service is currently unavailable.",
                        "global",
                        "backendError",
                    )
                });
            }
        }
        let limit = self.units_per_second?;
        let window = self.spent.entry(user.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|(at, _)| at.saturating_add(1000) <= now_ms)
        {
            window.pop_front();
        }
        let used: u32 = window.iter().map(|(_, c)| c).sum();
        if used.saturating_add(op.cost()) <= limit {
            window.push_back((now_ms, op.cost()));
            return None;
        }
        let forbidden = match self.refusal {
            QuotaRefusal::TooManyRequests => false,
            QuotaRefusal::UserRateLimit => true,
            QuotaRefusal::Alternate => {
                self.next_is_403 = !self.next_is_403;
                !self.next_is_403
            }
        };
        Some(if forbidden {
            envelope(
                StatusCode::FORBIDDEN,
                "User Rate Limit Exceeded",
                "usageLimits",
                "userRateLimitExceeded",
            )
        } else {
            envelope(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many concurrent requests for user",
                "global",
                "rateLimitExceeded",
            )
        })
    }

    /// splitmix64.
    fn next_u64(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
