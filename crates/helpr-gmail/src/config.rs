//! The Gmail configuration file (`helpr connect gmail --config FILE`, and what
//! `google-emulator --print-config` writes): OAuth endpoints and client, the Gmail API base,
//! the SMTP submission server, and an optional extra CA to trust. Everything that names a
//! server comes from here, so the same code talks to Google or to the emulator;
//! [`GmailConfig::google`] is Google's own endpoints and nothing defaults to the emulator.
//!
//! The file is TOML; unknown keys are refused so a typo is an error, not a silent default.

use crate::oauth::OAuthConfig;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a configuration was refused. Messages name the key, never a value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is not valid TOML for helpr's Gmail settings: {0}")]
    Parse(String),
    #[error("configuration: `{0}` is not a valid URL")]
    BadUrl(&'static str),
    #[error("configuration: `{0}` must use https (only 127.0.0.1 may use http)")]
    NotHttps(&'static str),
    #[error("configuration: `tls.extra_ca_pem` holds no usable certificate")]
    BadCa,
    #[error("configuration: `smtp.port` must not be 0")]
    BadPort,
}

/// How the SMTP connection is secured (google-protocols.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Implicit TLS from the first byte (port 465).
    Tls,
    /// Plain text, then `STARTTLS` before anything else (port 587).
    Starttls,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSection {
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: String,
    pub token_url: String,
    pub revocation_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GmailSection {
    /// The users base, e.g. `https://gmail.googleapis.com/gmail/v1/users/me`.
    pub api_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSection {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// PEM certificates trusted in addition to the system's roots (the emulator's test CA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_ca_pem: Option<String>,
}

/// Where helpr talks for one Gmail account. Stored sealed in the vault at connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GmailConfig {
    pub oauth: OAuthSection,
    pub gmail: GmailSection,
    pub smtp: SmtpSection,
    #[serde(default)]
    pub tls: TlsSection,
}

impl GmailConfig {
    /// Google's endpoints for a registered desktop client.
    pub fn google(client_id: &str, client_secret: &str) -> Self {
        Self {
            oauth: OAuthSection {
                client_id: client_id.to_owned(),
                client_secret: client_secret.to_owned(),
                auth_url: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
                token_url: "https://oauth2.googleapis.com/token".to_owned(),
                revocation_url: "https://oauth2.googleapis.com/revoke".to_owned(),
            },
            gmail: GmailSection {
                api_url: "https://gmail.googleapis.com/gmail/v1/users/me".to_owned(),
            },
            smtp: SmtpSection {
                host: "smtp.gmail.com".to_owned(),
                port: 465,
                security: SmtpSecurity::Tls,
            },
            tls: TlsSection::default(),
        }
    }

    /// Parses and checks a configuration file's text.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: GmailConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.message().to_owned()))?;
        config.check()?;
        Ok(config)
    }

    /// The file form (what `from_toml` reads).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// URLs parse; servers other than loopback use https; the extra CA parses.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (key, url) in [
            ("oauth.auth_url", &self.oauth.auth_url),
            ("oauth.token_url", &self.oauth.token_url),
            ("oauth.revocation_url", &self.oauth.revocation_url),
            ("gmail.api_url", &self.gmail.api_url),
        ] {
            let parsed = reqwest::Url::parse(url).map_err(|_| ConfigError::BadUrl(key))?;
            let loopback = parsed.host_str() == Some("127.0.0.1");
            match parsed.scheme() {
                "https" => {}
                "http" if loopback => {}
                "http" => return Err(ConfigError::NotHttps(key)),
                _ => return Err(ConfigError::BadUrl(key)),
            }
        }
        if self.smtp.port == 0 {
            return Err(ConfigError::BadPort);
        }
        if let Some(pem) = &self.tls.extra_ca_pem {
            crate::http::certificates(pem)?;
        }
        Ok(())
    }

    /// The OAuth client's settings.
    pub fn oauth_config(&self) -> OAuthConfig {
        OAuthConfig {
            auth_url: self.oauth.auth_url.clone(),
            token_url: self.oauth.token_url.clone(),
            revocation_url: self.oauth.revocation_url.clone(),
            client_id: self.oauth.client_id.clone(),
            client_secret: SecretString::from(self.oauth.client_secret.clone()),
            login_timeout: Duration::from_secs(300),
            extra_ca_pem: self.tls.extra_ca_pem.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMULATOR_STYLE: &str = r#"
# helpr Gmail configuration
[oauth]
client_id = "id"
client_secret = "secret"
auth_url = "http://127.0.0.1:1/o/oauth2/v2/auth"
token_url = "https://127.0.0.1:2/token"
revocation_url = "https://127.0.0.1:2/revoke"

[gmail]
api_url = "https://127.0.0.1:2/gmail/v1/users/me"

[smtp]
host = "127.0.0.1"
port = 46500
security = "starttls"
"#;

    #[test]
    fn the_emulator_shape_parses_and_round_trips() {
        let c = GmailConfig::from_toml(EMULATOR_STYLE).unwrap();
        assert_eq!(c.smtp.security, SmtpSecurity::Starttls);
        assert_eq!(c.smtp.port, 46500);
        assert_eq!(GmailConfig::from_toml(&c.to_toml()).unwrap(), c);
    }

    #[test]
    fn google_defaults_pass_the_checks() {
        let c = GmailConfig::google("id", "secret");
        c.check().unwrap();
        assert_eq!(GmailConfig::from_toml(&c.to_toml()).unwrap(), c);
    }

    #[test]
    fn bad_files_are_refused_with_the_key() {
        let typo = EMULATOR_STYLE.replace("api_url", "apiurl");
        assert!(matches!(
            GmailConfig::from_toml(&typo),
            Err(ConfigError::Parse(_))
        ));
        let plain = EMULATOR_STYLE.replace("https://127.0.0.1:2/token", "http://example.com/token");
        assert!(matches!(
            GmailConfig::from_toml(&plain),
            Err(ConfigError::NotHttps("oauth.token_url"))
        ));
        let junk = EMULATOR_STYLE.replace("https://127.0.0.1:2/revoke", "not a url");
        assert!(matches!(
            GmailConfig::from_toml(&junk),
            Err(ConfigError::BadUrl("oauth.revocation_url"))
        ));
        let ca = format!("{EMULATOR_STYLE}\n[tls]\nextra_ca_pem = \"garbage\"\n");
        assert!(matches!(
            GmailConfig::from_toml(&ca),
            Err(ConfigError::BadCa)
        ));
        let port = EMULATOR_STYLE.replace("46500", "0");
        assert!(matches!(
            GmailConfig::from_toml(&port),
            Err(ConfigError::BadPort)
        ));
    }
}
