//! What a client is told to connect to: the HTTPS variants of the endpoint URLs, the test
//! CA's PEM and the helpr configuration file (`helpr_config_toml`) that points the helpr
//! client at this emulator. The plain-HTTP URLs (`base_url`, `token_url`, …) stay in
//! [`crate::server`] for the tests that use them.

use crate::gmail;
use crate::oauth;
use crate::server::{Emulator, JWKS_PATH, PEM_PATH};

/// `[smtp] security` for implicit TLS (465-style).
pub const SMTP_SECURITY_TLS: &str = "tls";
/// `[smtp] security` for plain text then STARTTLS (587-style).
pub const SMTP_SECURITY_STARTTLS: &str = "starttls";

impl Emulator {
    /// `https://127.0.0.1:<port>`: the same routes as [`Emulator::base_url`], over TLS with a
    /// leaf signed by the test CA ([`Emulator::ca_pem`]).
    pub fn https_base_url(&self) -> String {
        format!("https://{}", self.https_addr)
    }

    /// The test CA's certificate, PEM: the only root a client needs to trust the HTTPS and
    /// SMTP listeners.
    pub fn ca_pem(&self) -> String {
        self.state.tls.ca_pem().to_owned()
    }

    /// The token endpoint over HTTPS.
    pub fn https_token_url(&self) -> String {
        format!("{}{}", self.https_base_url(), oauth::TOKEN_PATH)
    }

    /// The revocation endpoint over HTTPS (the oauth2 crate refuses a plain-HTTP one).
    pub fn https_revoke_url(&self) -> String {
        format!("{}{}", self.https_base_url(), oauth::REVOKE_PATH)
    }

    /// The Gmail API base for the signed-in account over HTTPS (`…/gmail/v1/users/me`).
    pub fn https_gmail_url(&self) -> String {
        format!("{}{}me", self.https_base_url(), gmail::USERS_PATH)
    }

    /// The JWKS over HTTPS.
    pub fn https_jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.https_base_url())
    }

    /// The PEM map over HTTPS.
    pub fn https_pem_url(&self) -> String {
        format!("{}{PEM_PATH}", self.https_base_url())
    }

    /// The helpr client's configuration for this emulator: `[oauth]` (the first registered
    /// client, the plain-HTTP authorize page for the browser, token and revocation over
    /// HTTPS), `[gmail] api_url` over HTTPS, `[smtp]` (the implicit-TLS listener) and `[tls]
    /// extra_ca_pem` (the test CA). The keys are fixed: the client deserializes them.
    pub fn helpr_config_toml(&self) -> String {
        let client = self
            .state
            .oauth
            .config()
            .clients
            .first()
            .cloned()
            .unwrap_or_else(|| oauth::OAuthClient {
                id: String::new(),
                secret: String::new(),
            });
        let smtp = self.smtp_tls_addr();
        let ca = self.ca_pem();
        let ca = if ca.ends_with('\n') {
            ca
        } else {
            format!("{ca}\n")
        };
        format!(
            "# helpr Gmail configuration (google-emulator at 127.0.0.1) — test and demo only\n\
             [oauth]\n\
             client_id = {client_id}\n\
             client_secret = {client_secret}\n\
             auth_url = {auth_url}\n\
             token_url = {token_url}\n\
             revocation_url = {revocation_url}\n\
             \n\
             [gmail]\n\
             api_url = {api_url}\n\
             \n\
             [smtp]\n\
             host = {host}\n\
             port = {port}\n\
             security = {security}\n\
             \n\
             [tls]\n\
             extra_ca_pem = \"\"\"\n{ca}\"\"\"\n",
            client_id = quoted(&client.id),
            client_secret = quoted(&client.secret),
            auth_url = quoted(&self.auth_url()),
            token_url = quoted(&self.https_token_url()),
            revocation_url = quoted(&self.https_revoke_url()),
            api_url = quoted(&self.https_gmail_url()),
            host = quoted(&smtp.ip().to_string()),
            port = smtp.port(),
            security = quoted(SMTP_SECURITY_TLS),
        )
    }
}

/// A TOML basic string (quotes and escapes by the toml crate).
fn quoted(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}
