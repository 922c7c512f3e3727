//! Sign-in attempts, limited per address signed in to and per client address, with governor's
//! GCRA: a burst of [`BURST`] attempts, then one more per [`REFILL`]. A refused attempt is
//! refused before the password is checked (so it costs no hashing, and guesses inside the
//! limit are all a guesser gets). Limits are per replica.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts allowed at once.
pub const BURST: u32 = 5;
/// One more attempt is allowed after this.
pub const REFILL: Duration = Duration::from_secs(60);

/// The sign-in limiters.
pub struct Limits {
    by_email: DefaultKeyedRateLimiter<String>,
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for Limits {
    fn default() -> Self {
        let burst = NonZeroU32::new(BURST).expect("non-zero");
        let quota = Quota::with_period(REFILL)
            .expect("non-zero period")
            .allow_burst(burst);
        // Many people may share one address (an office's NAT): four times the burst there.
        let ip_quota = Quota::with_period(REFILL / 4)
            .expect("non-zero period")
            .allow_burst(burst.saturating_mul(NonZeroU32::new(4).expect("non-zero")));
        Limits {
            by_email: RateLimiter::keyed(quota),
            by_ip: RateLimiter::keyed(ip_quota),
        }
    }
}

impl Limits {
    /// Takes one attempt for `email` from `ip`; `false` when either is used up.
    pub fn attempt(&self, email: &str, ip: IpAddr) -> bool {
        let ip_ok = self.by_ip.check_key(&ip).is_ok();
        let email_ok = self.by_email.check_key(&email.to_owned()).is_ok();
        self.by_email.retain_recent();
        self.by_ip.retain_recent();
        ip_ok && email_ok
    }
}
