//! One-time codes and readers' tokens. A code is six random digits, kept only as a keyed MAC
//! bound to its message and recipient, valid [`CODE_LIFETIME`], used once, compared in
//! constant time; the [`MAX_TRIES`]th wrong try locks the recipient out until the sender
//! unlocks. Requests are also limited per address and per client address (governor's GCRA,
//! per replica), before any lookup, so a refusal says nothing of who may read.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use helpr_crypto::KeyStore;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A code is good for ten minutes.
pub const CODE_LIFETIME: i64 = 600;
/// Wrong tries of one code before the recipient is locked out.
pub const MAX_TRIES: u32 = 5;
/// A reader's session lasts an hour.
pub const SESSION_LIFETIME: i64 = 3_600;

/// A fresh six-digit code.
pub fn make_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// The keyed MAC a code is kept as.
pub fn code_mac(keys: &KeyStore, message: i64, recipient: u32, code: &str) -> [u8; 32] {
    let data = format!("{message}/{recipient}/{}", code.trim());
    keys.fingerprint(0, "helpr-server/secure-code", data.as_bytes())
}

/// Whether `code` is the one kept as `kept`, in time independent of where they differ.
pub fn matches(keys: &KeyStore, message: i64, recipient: u32, code: &str, kept: &[u8]) -> bool {
    bool::from(code_mac(keys, message, recipient, code).ct_eq(kept))
}

/// A fresh reader's token (32 random bytes, base64url) and the hash it is kept as.
pub fn make_token() -> (String, Vec<u8>) {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// The hash a token is kept and looked up as.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The limits on code requests and code tries.
pub struct Limits {
    /// Codes mailed per address (its MAC): 5 at once, then one a minute.
    mail_by_address: DefaultKeyedRateLimiter<Vec<u8>>,
    /// Requests (codes and tries) per client: 20 at once, then one every 15 seconds.
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Tries per address: 10 at once, then one a minute (codes lock after 5 wrong anyway).
    tries_by_address: DefaultKeyedRateLimiter<Vec<u8>>,
}

fn quota(burst: u32, every: Duration) -> Quota {
    Quota::with_period(every)
        .expect("non-zero period")
        .allow_burst(NonZeroU32::new(burst).expect("non-zero"))
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            mail_by_address: RateLimiter::keyed(quota(5, Duration::from_secs(60))),
            by_ip: RateLimiter::keyed(quota(20, Duration::from_secs(15))),
            tries_by_address: RateLimiter::keyed(quota(10, Duration::from_secs(60))),
        }
    }
}

impl Limits {
    /// Takes one code request for `address_mac` from `ip`; `false` when either is used up.
    pub fn code_request(&self, address_mac: &[u8], ip: IpAddr) -> bool {
        let ip_ok = self.by_ip.check_key(&ip).is_ok();
        let address_ok = self
            .mail_by_address
            .check_key(&address_mac.to_vec())
            .is_ok();
        self.by_ip.retain_recent();
        self.mail_by_address.retain_recent();
        ip_ok && address_ok
    }

    /// Takes one code try for `address_mac` from `ip`.
    pub fn code_try(&self, address_mac: &[u8], ip: IpAddr) -> bool {
        let ip_ok = self.by_ip.check_key(&ip).is_ok();
        let address_ok = self
            .tries_by_address
            .check_key(&address_mac.to_vec())
            .is_ok();
        self.tries_by_address.retain_recent();
        ip_ok && address_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_kept_bound_to_their_place() {
        let keys = KeyStore::new(helpr_crypto::Kek::make());
        for _ in 0..100 {
            let code = make_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
        let kept = code_mac(&keys, 7, 0, "012345");
        assert!(matches(&keys, 7, 0, "012345", &kept));
        assert!(matches(&keys, 7, 0, " 012345 ", &kept));
        assert!(!matches(&keys, 7, 0, "012346", &kept));
        assert!(!matches(&keys, 7, 1, "012345", &kept));
        assert!(!matches(&keys, 8, 0, "012345", &kept));
        assert!(!matches(&keys, 7, 0, "012345", &kept[..31]));
    }

    #[test]
    fn a_client_gets_its_burst_then_is_refused() {
        let limits = Limits::default();
        let ip: IpAddr = [192, 0, 2, 1].into();
        // Five codes per address at once.
        assert!((0..5).all(|_| limits.code_request(b"a", ip)));
        assert!(!limits.code_request(b"a", ip));
        // Other addresses from the same client, up to its burst of 20 requests.
        let others = (0..14).filter(|i| limits.code_request(&[*i], ip)).count();
        assert_eq!(others, 14);
        assert!(!limits.code_request(b"fresh", ip));
        assert!(limits.code_request(b"fresh", [192, 0, 2, 2].into()));
    }
}
