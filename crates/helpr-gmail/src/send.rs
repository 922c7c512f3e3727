//! Mail submission to Gmail's SMTP server with XOAUTH2 (google-protocols.md §4): lettre 0.11's
//! `AsyncSmtpTransport` on Tokio, implicit TLS (`Tls::Wrapper`, port 465) or STARTTLS
//! (`Tls::Required`, port 587) as the configuration says, rustls trusting webpki's roots plus
//! the configuration's `tls.extra_ca_pem`, and `Mechanism::Xoauth2` only.
//!
//! A refused token: Gmail answers `334 <challenge>`, and lettre, instead of sending the empty
//! line that would get the `535`, fails with the client error "This mechanism does not expect
//! a challenge". Either form (and a plain `535`) means "token rejected": the token's
//! generation is reported to the [`TokenSource`], a fresh token is fetched and the whole
//! submission is tried once more on a new connection. Nothing was submitted by a connection
//! whose AUTH failed, so the retry cannot send twice. A second refusal is
//! [`SendError::AuthRejected`].
//!
//! Errors are typed and log-safe: no token, no address and no server text (which may quote an
//! address) in any message; only SMTP codes.
//!
//! [`reply`] holds the pure threading rules for replies (§5).

pub mod reply;

use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret as _;

use crate::config::{SmtpSection, SmtpSecurity};
use crate::oauth::OAuthError;
use crate::token::TokenSource;

/// How long one SMTP command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// lettre's client error when the server answers XOAUTH2 with a `334` challenge.
const CHALLENGE_ERROR: &str = "does not expect a challenge";

/// Why a submission failed. Messages carry SMTP codes only.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The sender or a recipient is not an email address (which one is not said).
    #[error("{0} is not a valid email address")]
    InvalidAddress(&'static str),
    /// No recipient at all.
    #[error("a message needs at least one recipient")]
    NoRecipients,
    /// The TLS settings could not be built (e.g. an unusable extra CA).
    #[error("SMTP TLS settings could not be built")]
    Tls,
    /// Getting an access token failed (`ReconnectNeeded` when the grant is gone).
    #[error("access token: {0}")]
    Token(#[from] OAuthError),
    /// The server refused the access token, also after a refresh.
    #[error("Gmail's SMTP server refused the access token twice (also after a refresh); the message was not sent")]
    AuthRejected,
    /// The server refused the message or its recipients for good (5xx).
    #[error("Gmail's SMTP server refused the message (SMTP {0}); it was not sent")]
    Refused(u16),
    /// The server refused for now (4xx); trying later may work.
    #[error(
        "Gmail's SMTP server deferred the message (SMTP {0}); it was not sent, try again later"
    )]
    Deferred(u16),
    /// Connecting, TLS, a timeout or the connection breaking.
    #[error("could not talk to Gmail's SMTP server ({0}); the message was not sent")]
    Network(&'static str),
}

impl SendError {
    /// A stable code for the edges.
    pub fn code(&self) -> &'static str {
        match self {
            SendError::InvalidAddress(_) | SendError::NoRecipients => "invalid_input",
            SendError::Tls => "smtp_tls",
            SendError::Token(_) => "oauth",
            SendError::AuthRejected => "smtp_auth",
            SendError::Refused(_) => "smtp_refused",
            SendError::Deferred(_) => "smtp_deferred",
            SendError::Network(_) => "smtp_network",
        }
    }
}

/// What a successful submission took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// SMTP sessions opened (2 when the first token was refused).
    pub attempts: u32,
}

/// Submits mail for one account's SMTP settings.
#[derive(Debug, Clone)]
pub struct Sender {
    smtp: SmtpSection,
    extra_ca_pem: Option<String>,
}

/// What one attempt's failure means.
enum Attempt {
    AuthRefused,
    Failed(SendError),
}

impl Sender {
    pub fn new(smtp: SmtpSection, extra_ca_pem: Option<String>) -> Self {
        Self { smtp, extra_ca_pem }
    }

    /// Submits `raw` (an RFC 5322 message, sent as is) from `from` (the account's address,
    /// also the XOAUTH2 user) to `recipients` (the envelope: To and Cc, and any Bcc).
    pub async fn send_raw(
        &self,
        tokens: &TokenSource,
        from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<Submitted, SendError> {
        let envelope = envelope(from, recipients)?;
        let tls = self.tls_parameters()?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let bearer = tokens.bearer().await?;
            let transport =
                self.transport(tls.clone(), from, bearer.token.expose_secret().to_owned());
            match transport.send_raw(&envelope, raw).await.map_err(classify) {
                Ok(_) => return Ok(Submitted { attempts }),
                Err(Attempt::AuthRefused) if attempts == 1 => {
                    tracing::info!("smtp: access token refused, refreshing and retrying once");
                    tokens.rejected(bearer.generation).await;
                }
                Err(Attempt::AuthRefused) => return Err(SendError::AuthRejected),
                Err(Attempt::Failed(e)) => return Err(e),
            }
        }
    }

    fn tls_parameters(&self) -> Result<TlsParameters, SendError> {
        let mut builder = TlsParameters::builder(self.smtp.host.clone());
        if let Some(pem) = &self.extra_ca_pem {
            let cert = Certificate::from_pem(pem.as_bytes()).map_err(|_| SendError::Tls)?;
            builder = builder.add_root_certificate(cert);
        }
        builder.build_rustls().map_err(|_| SendError::Tls)
    }

    fn transport(
        &self,
        tls: TlsParameters,
        from: &str,
        access_token: String,
    ) -> AsyncSmtpTransport<Tokio1Executor> {
        let tls = match self.smtp.security {
            SmtpSecurity::Tls => Tls::Wrapper(tls),
            SmtpSecurity::Starttls => Tls::Required(tls),
        };
        // `builder_dangerous` only means "no TLS chosen yet"; `.tls` sets it on every path.
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.smtp.host.as_str())
            .port(self.smtp.port)
            .tls(tls)
            .timeout(Some(COMMAND_TIMEOUT))
            .authentication(vec![Mechanism::Xoauth2])
            .credentials(Credentials::new(from.to_owned(), access_token))
            .build()
    }
}

fn envelope(from: &str, recipients: &[String]) -> Result<Envelope, SendError> {
    let from: Address = from
        .parse()
        .map_err(|_| SendError::InvalidAddress("the sender"))?;
    let to = recipients
        .iter()
        .map(|r| r.parse::<Address>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| SendError::InvalidAddress("a recipient"))?;
    Envelope::new(Some(from), to).map_err(|_| SendError::NoRecipients)
}

/// Sorts a lettre error without keeping its text (server replies may quote addresses).
fn classify(e: lettre::transport::smtp::Error) -> Attempt {
    let code = e
        .status()
        .map(|c| c.to_string().parse::<u16>().unwrap_or(0));
    if code == Some(535) || (e.is_client() && e.to_string().contains(CHALLENGE_ERROR)) {
        return Attempt::AuthRefused;
    }
    Attempt::Failed(match code {
        Some(c) if (400..500).contains(&c) => SendError::Deferred(c),
        Some(c) => SendError::Refused(c),
        None if e.is_timeout() => SendError::Network("timed out"),
        None if e.is_tls() => SendError::Network("TLS failed"),
        None if e.is_client() => SendError::Network("the session could not proceed"),
        None => SendError::Network("connection failed"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_refuse_bad_addresses_without_naming_them() {
        let e = envelope("user@example.com", &["not an address".into()]).unwrap_err();
        assert!(matches!(e, SendError::InvalidAddress("a recipient")));
        assert!(!e.to_string().contains("not an address"));
        assert!(matches!(
            envelope("user@example.com", &[]),
            Err(SendError::NoRecipients)
        ));
        let ok = envelope("user@example.com", &["a@x.org".into(), "b@y.org".into()]).unwrap();
        assert_eq!(ok.to().len(), 2);
    }

    #[test]
    fn messages_carry_codes_only() {
        for e in [
            SendError::AuthRejected,
            SendError::Refused(550),
            SendError::Deferred(451),
            SendError::Network("timed out"),
        ] {
            let text = e.to_string();
            assert!(!text.contains('@'), "{text}");
        }
        assert_eq!(SendError::Refused(552).code(), "smtp_refused");
    }
}
