//! Pub/Sub push verification (DESIGN §6, google-protocols.md §3): [`PushVerifier::verify`]
//! checks the `Authorization: Bearer` OIDC token — RS256 only, key by `kid` from Google's
//! JWKS, `iss`, `aud`, `exp` with 60 s leeway, `email` and `email_verified` — then parses the
//! body and sorts the notification into new work or a replay. The caller acknowledges (2xx)
//! both outcomes and every refusal except [`PushError::Jwks`].

mod body;
mod error;
mod jwks;

pub use body::{parse_body, Notification};
pub use error::{BodyError, JwksError, PushError};
pub use jwks::{Clock, SystemClock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

/// Both spellings Google uses for its issuer.
pub const ISSUERS: [&str; 2] = ["accounts.google.com", "https://accounts.google.com"];
/// Clock skew allowed on `exp`.
pub const LEEWAY_SECS: u64 = 60;

/// What a verifier trusts.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// Google: `https://www.googleapis.com/oauth2/v3/certs`.
    pub jwks_url: String,
    /// The subscription's OIDC audience (by default the push endpoint URL). Compared exactly.
    pub audience: String,
    /// The subscription's push-auth service account. Compared exactly.
    pub service_account: String,
}

/// What to do with a verified push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The mailbox moved past the last processed historyId: run history.list from the
    /// stored id, then store this one.
    New { email: String, history_id: u64 },
    /// A duplicate, late or replayed notification (historyId ≤ the last processed one):
    /// acknowledge and ignore.
    Replay,
}

/// Verifies pushes for one subscription. Cheap to share (`&self`); keeps Google's keys cached.
pub struct PushVerifier {
    config: PushConfig,
    keys: jwks::KeyCache,
    clock: Arc<dyn Clock>,
    validation: Validation,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<serde_json::Value>,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    exp: u64,
    email: Option<String>,
    email_verified: Option<bool>,
}

impl PushVerifier {
    pub fn new(config: PushConfig) -> Result<Self, PushError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A verifier whose notion of "now" (token expiry, JWKS freshness) comes from `clock`.
    pub fn with_clock(config: PushConfig, clock: Arc<dyn Clock>) -> Result<Self, PushError> {
        Self::with_clock_and_ca(config, clock, None)
    }

    /// [`with_clock`](Self::with_clock), trusting `extra_ca_pem` beside the system roots for
    /// the JWKS fetch (the emulator's test CA when its HTTPS serves the keys). A bundle with
    /// no usable certificate is [`JwksError::Transport`].
    pub fn with_clock_and_ca(
        config: PushConfig,
        clock: Arc<dyn Clock>,
        extra_ca_pem: Option<&str>,
    ) -> Result<Self, PushError> {
        let keys = jwks::KeyCache::new(&config.jwks_url, extra_ca_pem)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&ISSUERS);
        validation.set_audience(&[config.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        // `exp` is checked against `clock` below; jsonwebtoken would read the system clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Ok(Self {
            config,
            keys,
            clock,
            validation,
        })
    }

    /// Verifies one push: `authorization` is the request's `Authorization` header value,
    /// `body` its bytes, `last_history_id` the last historyId processed for this mailbox
    /// (`None` if none yet).
    pub async fn verify(
        &self,
        authorization: Option<&str>,
        body: &[u8],
        last_history_id: Option<u64>,
    ) -> Result<Outcome, PushError> {
        let token = bearer(authorization).ok_or(PushError::MissingToken)?;
        self.verify_token(token).await?;
        let notification = parse_body(body)?;
        if last_history_id.is_some_and(|last| notification.history_id <= last) {
            return Ok(Outcome::Replay);
        }
        Ok(Outcome::New {
            email: notification.email,
            history_id: notification.history_id,
        })
    }

    /// Verifies the OIDC token alone.
    pub async fn verify_token(&self, token: &str) -> Result<(), PushError> {
        let kid = rs256_kid(token)?;
        let key = self
            .keys
            .key(&kid, self.clock.as_ref())
            .await?
            .ok_or(PushError::UnknownKey)?;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => PushError::Signature,
                ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => PushError::Algorithm,
                ErrorKind::MissingRequiredClaim(_) => PushError::MissingClaim,
                ErrorKind::InvalidIssuer => PushError::Issuer,
                ErrorKind::InvalidAudience => PushError::Audience,
                _ => PushError::MalformedToken,
            })?
            .claims;
        let now = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if claims.exp.saturating_add(LEEWAY_SECS) < now {
            return Err(PushError::Expired);
        }
        if claims.email.as_deref() != Some(self.config.service_account.as_str()) {
            return Err(PushError::Email);
        }
        if claims.email_verified != Some(true) {
            return Err(PushError::EmailUnverified);
        }
        Ok(())
    }
}

/// The token of `Bearer <token>` (scheme case-insensitive).
fn bearer(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Reads the header before any key is chosen: `alg` must be exactly `RS256` (so `none`,
/// `HS256` — the key-confusion attack that HMACs with the public key — and every other
/// algorithm stop here, whatever the key), and `kid` picks the key.
fn rs256_kid(token: &str) -> Result<String, PushError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(PushError::MalformedToken);
    };
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| PushError::MalformedToken)?;
    let header: RawHeader =
        serde_json::from_slice(&header).map_err(|_| PushError::MalformedToken)?;
    if header.alg.as_ref().and_then(|a| a.as_str()) != Some("RS256") {
        return Err(PushError::Algorithm);
    }
    header.kid.ok_or(PushError::MissingKeyId)
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_scheme() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }
}
