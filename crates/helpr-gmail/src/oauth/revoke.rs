//! `revoke`: `POST <revocation endpoint>` with `token=` in the form body
//! (google-protocols.md §1.8); 200 is success. Posted with reqwest rather than oauth2's
//! `revoke_token`, which refuses any non-HTTPS URL — and the emulator serves plain HTTP
//! until it gets its test CA. Revoking either token ends the grant at Google.

use super::error::safe_code;
use super::{OAuthClient, OAuthError};
use secrecy::{ExposeSecret as _, SecretString};

impl OAuthClient {
    /// Revokes an access or refresh token. An already-invalid token answers
    /// [`OAuthError::RevokeRefused`] with `invalid_token`, which a disconnect may treat as done.
    pub async fn revoke(&self, token: &SecretString) -> Result<(), OAuthError> {
        let response = self
            .http
            .post(&self.config.revocation_url)
            .form(&[("token", token.expose_secret())])
            .send()
            .await
            .map_err(OAuthError::Network)?;
        let status = response.status();
        if status == reqwest::StatusCode::OK {
            return Ok(());
        }
        #[derive(serde::Deserialize)]
        struct Body {
            error: String,
        }
        let body = response.bytes().await.unwrap_or_default();
        let error = match serde_json::from_slice::<Body>(&body) {
            Ok(body) => safe_code(&body.error),
            Err(_) => safe_code(""),
        };
        Err(OAuthError::RevokeRefused {
            status: status.as_u16(),
            error,
        })
    }
}
