//! `ApiError`: why a Gmail call failed, after the retries it deserved. Log-safe: a status, a
//! Google reason code and the operation, never a body, a token or an address.

use crate::oauth::OAuthError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401 after one refresh and one retry: the grant no longer works for Gmail.
    #[error("Gmail refused the credentials twice (401) for {op}; reconnect the account")]
    Unauthorized { op: &'static str },
    /// The refresh token is expired or revoked.
    #[error("reconnect needed: Google refused the refresh token")]
    ReconnectNeeded,
    #[error("could not get an access token: {0}")]
    Token(#[source] OAuthError),
    /// 404: the message is gone, or (history.list) the start id is too old.
    #[error("Gmail answered 404 for {op}")]
    NotFound { op: &'static str },
    /// Retried until the budget ran out (429, 403 rate, 5xx, network).
    #[error("Gmail kept failing for {op} ({last}) after {attempts} attempts")]
    GaveUp {
        op: &'static str,
        attempts: u32,
        last: String,
    },
    /// Any other answer (400, other 403s): not retried.
    #[error("Gmail answered {status} `{reason}` for {op}")]
    Refused {
        op: &'static str,
        status: u16,
        reason: String,
    },
    #[error("Gmail's answer to {op} was not understood")]
    BadResponse { op: &'static str },
}

impl ApiError {
    /// A stable code for the edges.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized { .. } => "gmail_unauthorized",
            ApiError::ReconnectNeeded => "reconnect_needed",
            ApiError::Token(_) => "gmail_token",
            ApiError::NotFound { .. } => "gmail_not_found",
            ApiError::GaveUp { .. } => "gmail_unavailable",
            ApiError::Refused { .. } => "gmail_refused",
            ApiError::BadResponse { .. } => "gmail_bad_response",
        }
    }
}

/// A Google reason code, kept only if it looks like one (`[A-Za-z]`).
pub(crate) fn safe_reason(reason: &str) -> String {
    if !reason.is_empty() && reason.len() <= 64 && reason.bytes().all(|b| b.is_ascii_alphabetic()) {
        reason.to_owned()
    } else {
        "unrecognised".to_owned()
    }
}
