//! `authorize`: the installed-app sign-in (google-protocols.md §1.2–1.5). Bind the loopback
//! listener, build the authorization URL (PKCE S256, random `state`, `access_type=offline`,
//! `prompt=consent`), hand it to the caller's opener, wait (bounded) for the redirect, check
//! `state` before anything else, then exchange the code with the verifier and the same
//! `redirect_uri`.

use super::error::{from_token_error, safe_code, Grant};
use super::tokens::{common, email_from_id_token};
use super::{OAuthClient, OAuthError, Tokens, SCOPES};
use helpr_loopback::{Loopback, Redirect};
use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};

impl OAuthClient {
    /// Signs in. `open` receives the authorization URL: the CLI opens the system browser
    /// or prints it (`--no-browser`); tests fetch it. The listener is bound before `open`
    /// is called, so the redirect cannot arrive too early.
    pub async fn authorize<F>(&self, open: F) -> Result<Tokens, OAuthError>
    where
        F: FnOnce(&str) -> std::io::Result<()>,
    {
        let loopback = Loopback::bind().await.map_err(OAuthError::Listener)?;
        let redirect_uri = RedirectUrl::new(loopback.redirect_uri())
            .map_err(|_| OAuthError::BadUrl("redirect"))?;
        let client = self.client.clone().set_redirect_uri(redirect_uri);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(SCOPES.iter().map(|s| Scope::new((*s).to_owned())))
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .set_pkce_challenge(challenge)
            .url();
        open(url.as_str()).map_err(OAuthError::Opener)?;

        let timeout = self.config.login_timeout;
        let redirect = tokio::time::timeout(timeout, loopback.next_redirect())
            .await
            .map_err(|_| OAuthError::TimedOut(timeout))?
            .map_err(OAuthError::Listener)?;
        let outcome = code_from(&redirect, state.secret());
        redirect.answer(outcome.is_ok()).await;
        let code = outcome?;

        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(verifier)
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
