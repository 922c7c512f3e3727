//! Google's signing keys for push tokens: the JWKS fetched with reqwest, kept for the
//! response's `Cache-Control: max-age` (none, `no-cache` or `no-store` → not kept), refetched
//! once when a token names a `kid` the cached set lacks (Google rotates keys), and the
//! [`Clock`] that decides freshness (injectable so tests need no sleeps).

use super::error::JwksError;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

/// Where "now" comes from, for cache expiry and token expiry alike.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

struct Cached {
    keys: HashMap<String, DecodingKey>,
    expires_at: SystemTime,
}

/// The JWKS cache. One fetch at a time: callers that miss wait for the fetch in flight.
pub(super) struct KeyCache {
    url: reqwest::Url,
    http: reqwest::Client,
    cached: Mutex<Option<Cached>>,
}

impl KeyCache {
    /// `extra_ca_pem`: certificates trusted beside the system roots (an emulator's test CA
    /// when the JWKS is served over its HTTPS).
    pub(super) fn new(url: &str, extra_ca_pem: Option<&str>) -> Result<Self, JwksError> {
        let url = reqwest::Url::parse(url).map_err(|_| JwksError::Url)?;
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(10));
        if let Some(pem) = extra_ca_pem {
            let certs = crate::http::certificates(pem).map_err(|_| JwksError::Transport)?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|_| JwksError::Transport)?;
        Ok(Self {
            url,
            http,
            cached: Mutex::new(None),
        })
    }

    /// The RSA key published under `kid`: from the cache while it is fresh, else fetched;
    /// a `kid` the set lacks triggers one refetch, unless this call just fetched.
    /// `Ok(None)` = Google publishes no such key.
    pub(super) async fn key(
        &self,
        kid: &str,
        clock: &dyn Clock,
    ) -> Result<Option<DecodingKey>, JwksError> {
        let mut cached = self.cached.lock().await;
        let mut fetched = false;
        let fresh = cached.as_ref().is_some_and(|c| clock.now() < c.expires_at);
        if !fresh {
            *cached = Some(self.fetch(clock).await?);
            fetched = true;
        }
        if let Some(key) = cached.as_ref().and_then(|c| c.keys.get(kid)) {
            return Ok(Some(key.clone()));
        }
        if fetched {
            return Ok(None);
        }
        *cached = Some(self.fetch(clock).await?);
        Ok(cached.as_ref().and_then(|c| c.keys.get(kid)).cloned())
    }

    async fn fetch(&self, clock: &dyn Clock) -> Result<Cached, JwksError> {
        let response = self
            .http
            .get(self.url.clone())
            .send()
            .await
            .map_err(|_| JwksError::Transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(JwksError::Status(status.as_u16()));
        }
        let max_age = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .map(max_age)
            .unwrap_or(Duration::ZERO);
        let body = response.bytes().await.map_err(|_| JwksError::Transport)?;
        let set: JwkSet = serde_json::from_slice(&body).map_err(|_| JwksError::Parse)?;
        Ok(Cached {
            keys: rsa_signing_keys(set),
            expires_at: clock.now() + max_age,
        })
    }
}

/// Only RSA signature keys meant for RS256 (or not saying): a JWKS entry of another type
/// must never become an HMAC or EC key for a token that claims it.
fn rsa_signing_keys(set: JwkSet) -> HashMap<String, DecodingKey> {
    set.keys
        .into_iter()
        .filter(|k| k.kty == "RSA")
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == "RS256"))
        .filter(|k| k.use_.as_deref().is_none_or(|u| u == "sig"))
        .filter_map(|k| {
            let key = DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?).ok()?;
            Some((k.kid?, key))
        })
        .collect()
}

/// How long a response may be kept per its `Cache-Control` value.
fn max_age(cache_control: &str) -> Duration {
    let mut age = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        if directive == "no-cache" || directive == "no-store" {
            return Duration::ZERO;
        }
        if let Some(value) = directive.strip_prefix("max-age=") {
            age = value.trim_matches('"').parse::<u64>().ok();
        }
    }
    Duration::from_secs(age.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::max_age;
    use std::time::Duration;

    #[test]
    fn cache_control_max_age() {
        assert_eq!(
            max_age("public, max-age=21600"),
            Duration::from_secs(21_600)
        );
        assert_eq!(
            max_age("max-age=1, must-revalidate"),
            Duration::from_secs(1)
        );
        assert_eq!(max_age("Public, Max-Age=7"), Duration::from_secs(7));
        assert_eq!(max_age("public"), Duration::ZERO);
        assert_eq!(max_age("max-age=60, no-store"), Duration::ZERO);
        assert_eq!(max_age("max-age=soon"), Duration::ZERO);
    }
}
