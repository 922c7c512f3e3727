//! What the token endpoint hands back: [`Tokens`] after sign-in, [`Refreshed`] after a
//! refresh. Both print redacted `Debug` and have no `Serialize`, so a token or the address
//! cannot reach a log or a file by accident. The address comes from the `id_token`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use oauth2::TokenResponse as _;
use secrecy::SecretString;
use std::time::{Duration, SystemTime};

/// A completed sign-in.
pub struct Tokens {
    pub access_token: SecretString,
    /// Seal it (DESIGN §6); it is the account's long-lived credential.
    pub refresh_token: SecretString,
    pub expires_at: SystemTime,
    /// The scopes granted (Google spells `email` as `…/auth/userinfo.email`).
    pub scope: Vec<String>,
    /// The account's verified address, from the `id_token`.
    pub email: Option<String>,
}

/// A refreshed access token.
pub struct Refreshed {
    pub access_token: SecretString,
    pub expires_at: SystemTime,
    pub scope: Vec<String>,
    /// A rotated refresh token: replace the stored one with it (atomically); `None` keeps it.
    pub refresh_token: Option<SecretString>,
}

const REDACTED: &str = "<redacted>";

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &REDACTED)
            .field("refresh_token", &REDACTED)
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .field("email", &self.email.as_ref().map(|_| REDACTED))
            .finish()
    }
}

impl std::fmt::Debug for Refreshed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refreshed")
            .field("access_token", &REDACTED)
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| REDACTED),
            )
            .finish()
    }
}

/// oauth2's extra field for Google's `id_token`.
#[derive(Clone, serde::Deserialize, serde::Serialize)]
pub(crate) struct IdTokenField {
    #[serde(default)]
    id_token: Option<String>,
}

impl std::fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdTokenField(<redacted>)")
    }
}

impl oauth2::ExtraTokenFields for IdTokenField {}

/// The parts of a token response both operations keep.
pub(crate) struct Common {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_at: SystemTime,
    pub scope: Vec<String>,
    pub id_token: Option<String>,
}

pub(crate) fn common(response: super::GoogleTokenResponse, requested: &[&str]) -> Common {
    let now = SystemTime::now();
    // No `expires_in` → treat it as already expired, so the caller refreshes before use.
    let expires_at = now + response.expires_in().unwrap_or(Duration::ZERO);
    // RFC 6749 §5.1: an omitted scope is the requested one.
    let scope = match response.scopes() {
        Some(scopes) => scopes.iter().map(|s| s.to_string()).collect(),
        None => requested.iter().map(|s| (*s).to_owned()).collect(),
    };
    Common {
        access_token: SecretString::from(response.access_token().secret().to_owned()),
        // An empty `refresh_token` is no rotation (golang/oauth2 does the same).
        refresh_token: response
            .refresh_token()
            .filter(|t| !t.secret().is_empty())
            .map(|t| SecretString::from(t.secret().to_owned())),
        expires_at,
        scope,
        id_token: response.extra_fields().id_token.clone(),
    }
}

/// The verified address in an `id_token` issued to `client_id`, if any.
///
/// The signature is not checked: the token came straight from the token endpoint over the
/// connection we opened, which OpenID Connect Core §3.1.3.7 accepts in place of the
/// signature. `aud` must still be us and `email_verified` true.
pub(crate) fn email_from_id_token(id_token: &str, client_id: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Audience {
        One(String),
        Many(Vec<String>),
    }
    #[derive(serde::Deserialize)]
    struct Claims {
        aud: Audience,
        email: Option<String>,
        #[serde(default)]
        email_verified: bool,
    }
    let payload = id_token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    let ours = match &claims.aud {
        Audience::One(aud) => aud == client_id,
        Audience::Many(auds) => auds.iter().any(|a| a == client_id),
    };
    (ours && claims.email_verified)
        .then_some(claims.email)
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &str) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims))
    }

    #[test]
    fn the_email_needs_our_audience_and_verification() {
        let ok = token(r#"{"aud":"me","email":"a@b.test","email_verified":true}"#);
        assert_eq!(email_from_id_token(&ok, "me").as_deref(), Some("a@b.test"));
        assert_eq!(email_from_id_token(&ok, "other"), None);
        let many = token(r#"{"aud":["x","me"],"email":"a@b.test","email_verified":true}"#);
        assert!(email_from_id_token(&many, "me").is_some());
        let unverified = token(r#"{"aud":"me","email":"a@b.test","email_verified":false}"#);
        assert_eq!(email_from_id_token(&unverified, "me"), None);
        assert_eq!(email_from_id_token("garbage", "me"), None);
    }
}
