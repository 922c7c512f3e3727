//! `OAuthError`: why an OAuth operation failed. No message carries a token, a code, a
//! `state`, an address or a response body; server error codes are kept only when they are
//! plain OAuth codes (`[a-z_]`).

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("OAuth configuration: the {0} endpoint is not a valid URL")]
    BadUrl(&'static str),
    #[error("could not listen for the sign-in redirect on 127.0.0.1")]
    Listener(#[source] std::io::Error),
    #[error("could not open the sign-in page")]
    Opener(#[source] std::io::Error),
    #[error("sign-in timed out after {0:?} waiting for the browser")]
    TimedOut(Duration),
    /// The redirect's `state` was not the one sent: not our sign-in (CSRF), so it is dropped.
    #[error("sign-in refused: the redirect did not belong to this sign-in (state mismatch)")]
    StateMismatch,
    #[error("access was denied on the consent screen")]
    AccessDenied,
    /// Another `error=` on the redirect (e.g. `consent_required`).
    #[error("sign-in failed: the authorization server answered `{0}`")]
    Authorization(String),
    #[error("sign-in failed: the redirect carried no authorization code")]
    MissingCode,
    /// `invalid_client`: wrong client id or secret.
    #[error("the OAuth client id or secret was refused (invalid_client); check the configuration")]
    InvalidClient,
    /// `invalid_grant` on a code exchange.
    #[error("the authorization code was refused (invalid_grant); sign in again")]
    CodeRejected,
    /// `invalid_grant` on a refresh: the refresh token is expired or revoked.
    #[error("reconnect needed: the refresh token is expired or revoked")]
    ReconnectNeeded,
    /// Any other token-endpoint error code.
    #[error("the token endpoint answered `{0}`")]
    TokenEndpoint(String),
    #[error("the token endpoint's answer was not understood")]
    BadResponse,
    #[error("no refresh token came back; sign in again with consent")]
    NoRefreshToken,
    #[error("the revocation endpoint answered {status} `{error}`")]
    RevokeRefused { status: u16, error: String },
    #[error("could not reach the OAuth server")]
    Network(#[source] reqwest::Error),
}

/// A server-supplied error code, kept only if it looks like one.
pub(crate) fn safe_code(code: &str) -> String {
    if !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        code.to_owned()
    } else {
        "unrecognised error".to_owned()
    }
}

/// Which grant a token-endpoint error answered: `invalid_grant` means different things.
#[derive(Clone, Copy)]
pub(crate) enum Grant {
    Code,
    Refresh,
}

/// Maps oauth2's error, dropping anything that could hold a secret (parse errors carry the
/// response body, which may hold tokens).
pub(crate) fn from_token_error<RE>(
    error: oauth2::RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
    grant: Grant,
) -> OAuthError
where
    RE: std::error::Error + 'static,
    OAuthError: From<RE>,
{
    use oauth2::basic::BasicErrorResponseType as T;
    match error {
        oauth2::RequestTokenError::ServerResponse(response) => match (response.error(), grant) {
            (T::InvalidClient, _) | (T::UnauthorizedClient, _) => OAuthError::InvalidClient,
            (T::InvalidGrant, Grant::Code) => OAuthError::CodeRejected,
            (T::InvalidGrant, Grant::Refresh) => OAuthError::ReconnectNeeded,
            (other, _) => OAuthError::TokenEndpoint(safe_code(other.as_ref())),
        },
        oauth2::RequestTokenError::Request(e) => e.into(),
        oauth2::RequestTokenError::Parse(..) | oauth2::RequestTokenError::Other(_) => {
            OAuthError::BadResponse
        }
    }
}

impl From<oauth2::HttpClientError<reqwest::Error>> for OAuthError {
    fn from(error: oauth2::HttpClientError<reqwest::Error>) -> Self {
        match error {
            oauth2::HttpClientError::Reqwest(e) => OAuthError::Network(*e),
            _ => OAuthError::BadResponse,
        }
    }
}
