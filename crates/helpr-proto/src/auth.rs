//! Signing in from the desktop, as Google's installed-app flow does: the desktop opens the
//! server's sign-in page in the system browser with a PKCE challenge and a loopback redirect;
//! after the password check the server redirects there with a one-time code, and the desktop
//! trades code and verifier for a session token. The token is opaque and random; the server
//! keeps only its hash.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::views::{OrgView, UserView};

/// The query of `GET /sign-in` (the page the browser opens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignInQuery {
    /// `http://127.0.0.1:PORT/...` or `http://[::1]:PORT/...`: a loopback address only.
    pub redirect_uri: String,
    /// Returned unchanged with the code, for the desktop to match.
    pub state: String,
    /// BASE64URL(SHA-256(verifier)), unpadded.
    pub code_challenge: String,
    /// Always `S256`.
    pub code_challenge_method: String,
}

/// `POST /api/v1/token`: the one-time code and the PKCE verifier for a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub code: String,
    pub code_verifier: String,
    /// Must equal the sign-in's.
    pub redirect_uri: String,
    /// Shown in the user's list of sessions.
    pub device: String,
}

/// A new session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Sent as `Authorization: Bearer …`; never in a URL.
    pub session_token: String,
    pub session_id: i64,
    pub user: UserView,
    pub org: OrgView,
}
