//! `refresh`: a new access token from the stored refresh token (google-protocols.md §1.6).
//! A rotated refresh token is handed back for the caller to store atomically;
//! `invalid_grant` becomes [`OAuthError::ReconnectNeeded`], never a retry.

use super::error::{from_token_error, Grant};
use super::tokens::common;
use super::{OAuthClient, OAuthError, Refreshed, SCOPES};
use oauth2::RefreshToken;
use secrecy::{ExposeSecret as _, SecretString};

impl OAuthClient {
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Refreshed, OAuthError> {
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let response = self
            .client
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await
            .map_err(|e| from_token_error(e, Grant::Refresh))?;
        let common = common(response, &SCOPES);
        Ok(Refreshed {
            access_token: common.access_token,
            expires_at: common.expires_at,
            scope: common.scope,
            refresh_token: common.refresh_token,
        })
    }
}
