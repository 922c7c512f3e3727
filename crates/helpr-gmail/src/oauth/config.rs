//! Where the OAuth client talks and as whom: endpoints, client id and secret, the sign-in
//! timeout. Everything comes from configuration; [`OAuthConfig::google`] fills in Google's
//! endpoints, and nothing points at the emulator by default.

use secrecy::SecretString;
use std::time::Duration;

/// Full Gmail access (REST, IMAP, SMTP).
pub const GMAIL_SCOPE: &str = "https://mail.google.com/";
/// For the `id_token`, which carries the account's address.
pub const OPENID_SCOPE: &str = "openid";
pub const EMAIL_SCOPE: &str = "email";
/// What helpr asks for.
pub const SCOPES: [&str; 3] = [GMAIL_SCOPE, OPENID_SCOPE, EMAIL_SCOPE];

/// The OAuth endpoints and the desktop client registered with them.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub auth_url: String,
    pub token_url: String,
    pub revocation_url: String,
    pub client_id: String,
    /// Desktop clients' secrets are not confidential, but they still stay out of logs.
    pub client_secret: SecretString,
    /// How long `authorize` waits for the browser to come back.
    pub login_timeout: Duration,
    /// PEM certificates trusted beside the system roots (the emulator's test CA).
    pub extra_ca_pem: Option<String>,
}

impl OAuthConfig {
    /// Google's endpoints (google-protocols.md §1.1) for the given desktop client.
    pub fn google(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            auth_url: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
            token_url: "https://oauth2.googleapis.com/token".to_owned(),
            revocation_url: "https://oauth2.googleapis.com/revoke".to_owned(),
            client_id: client_id.into(),
            client_secret,
            login_timeout: Duration::from_secs(300),
            extra_ca_pem: None,
        }
    }
}
