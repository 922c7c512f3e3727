//! `authorize`: the installed-app sign-in (google-protocols.md §1.2–1.5). Bind the loopback
//! listener, build the authorization URL (PKCE S256, random `state`, `access_type=offline`,
//! `prompt=consent`), hand it to the caller's opener, wait (bounded) for the redirect, check
//! `state` before anything else, then exchange the code with the verifier and the same
//! `redirect_uri`.
//!
//! The two halves are public on their own for a caller whose browser comes back elsewhere
//! (the team server, which keeps the verifier while an admin's desktop receives the code at
//! its own loopback): [`OAuthClient::authorization_request`] builds the URL with its `state`
//! and PKCE verifier, [`OAuthClient::exchange_code`] trades a code for [`Tokens`].

use super::error::{from_token_error, safe_code, Grant};
use super::tokens::{common, email_from_id_token};
use super::{OAuthClient, OAuthError, Tokens, SCOPES};
use helpr_loopback::{Loopback, Redirect};
use oauth2::Scope;
use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl};
use secrecy::{ExposeSecret as _, SecretString};

/// An authorization URL and what its redirect must be checked and exchanged with.
pub struct AuthorizationRequest {
    /// Where the browser goes.
    pub url: String,
    /// The `state` the redirect must carry back (compare before using the code).
    pub state: String,
    /// The PKCE verifier the code is exchanged with; keep it where only the exchange reads it.
    pub verifier: SecretString,
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("url", &self.url)
            .field("verifier", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// Signs in. `open` receives the authorization URL: the CLI opens the system browser
    /// or prints it (`--no-browser`); tests fetch it. The listener is bound before `open`
    /// is called, so the redirect cannot arrive too early.
    pub async fn authorize<F>(&self, open: F) -> Result<Tokens, OAuthError>
    where
        F: FnOnce(&str) -> std::io::Result<()>,
    {
        let loopback = Loopback::bind().await.map_err(OAuthError::Listener)?;
        let redirect_uri = loopback.redirect_uri();
        let request = self.authorization_request(&redirect_uri)?;
        open(&request.url).map_err(OAuthError::Opener)?;

        let timeout = self.config.login_timeout;
        let redirect = tokio::time::timeout(timeout, loopback.next_redirect())
            .await
            .map_err(|_| OAuthError::TimedOut(timeout))?
            .map_err(OAuthError::Listener)?;
        let outcome = code_from(&redirect, &request.state);
        redirect.answer(outcome.is_ok()).await;
        let code = outcome?;
        self.exchange_code(&code, &request.verifier, &redirect_uri)
            .await
    }

    /// The authorization URL for a browser that comes back to `redirect_uri`: PKCE S256 with
    /// a fresh verifier, a random `state`, helpr's scopes, `access_type=offline` and
    /// `prompt=consent` (so a refresh token comes back).
    pub fn authorization_request(
        &self,
        redirect_uri: &str,
    ) -> Result<AuthorizationRequest, OAuthError> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|_| OAuthError::BadUrl("redirect"))?;
        let client = self.client.clone().set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(SCOPES.iter().map(|s| Scope::new((*s).to_owned())))
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .set_pkce_challenge(challenge)
            .url();
        Ok(AuthorizationRequest {
            url: url.to_string(),
            state: state.secret().to_owned(),
            verifier: SecretString::from(verifier.secret().to_owned()),
        })
    }

    /// Exchanges an authorization code with its PKCE `verifier` and the same `redirect_uri`
    /// the authorization URL named. A grant without a refresh token is
    /// [`OAuthError::NoRefreshToken`]; the address comes from the `id_token` when Google
    /// sends one.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &SecretString,
        redirect_uri: &str,
    ) -> Result<Tokens, OAuthError> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|_| OAuthError::BadUrl("redirect"))?;
        let client = self.client.clone().set_redirect_uri(redirect);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose_secret().to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| from_token_error(e, Grant::Code))?;
        let common = common(response, &SCOPES);
        let refresh_token = common.refresh_token.ok_or(OAuthError::NoRefreshToken)?;
        let email = common
            .id_token
            .as_deref()
            .and_then(|t| email_from_id_token(t, &self.config.client_id));
        Ok(Tokens {
            access_token: common.access_token,
            refresh_token,
            expires_at: common.expires_at,
            scope: common.scope,
            email,
        })
    }
}

/// The code, once `state` matches (exactly one, equal to ours) and no `error` came back.
fn code_from(redirect: &Redirect, state: &str) -> Result<String, OAuthError> {
    if redirect.single("state") != Some(state) {
        return Err(OAuthError::StateMismatch);
    }
    if redirect.has("error") {
        return Err(match redirect.single("error") {
            Some("access_denied") => OAuthError::AccessDenied,
            Some(other) => OAuthError::Authorization(safe_code(other)),
            None => OAuthError::Authorization(safe_code("")),
        });
    }
    match redirect.single("code") {
        Some(code) if !code.is_empty() => Ok(code.to_owned()),
        _ => Err(OAuthError::MissingCode),
    }
}
