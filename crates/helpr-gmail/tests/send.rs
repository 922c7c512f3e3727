//! `Sender::send_raw` against the google-emulator's SMTP listeners over real sockets, the
//! emulator's CA as the extra root. The refresh-and-retry-once rule is counted through
//! refresh-token rotation (every refresh hands the store a new token): one refused token
//! costs exactly one extra refresh and the mail goes; two refusals are `AuthRejected` and
//! nothing is submitted. A refused message keeps only its SMTP code; a server whose CA is not
//! trusted is a network error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use google_emulator::oauth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use google_emulator::{Config, Emulator, OAuthConfig as EmulatorOAuth};
use helpr_gmail::config::SmtpSection;
use helpr_gmail::{
    OAuthClient, OAuthConfig, SendError, Sender, SmtpSecurity, TokenSource, TokenStore,
};
use secrecy::SecretString;

const EMAIL: &str = "user@example.com";

/// Counts refreshes (rotation is on, so each one hands over a new refresh token).
#[derive(Default)]
struct Counting(AtomicUsize);

impl TokenStore for Counting {
    fn replace_refresh_token(&self, _new: &SecretString) -> Result<(), String> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn reconnect_needed(&self) {}
}

struct Fixture {
    emulator: Emulator,
    tokens: TokenSource,
    refreshes: Arc<Counting>,
}

async fn fixture() -> Fixture {
    let emulator = Emulator::start_with_oauth(
        Config::default(),
        EmulatorOAuth {
            auto_approve: true,
            ..EmulatorOAuth::default()
        },
    )
    .await
    .expect("emulator starts");
    let client = || {
        OAuthClient::new(OAuthConfig {
            auth_url: emulator.auth_url(),
            token_url: emulator.token_url(),
            revocation_url: emulator.revoke_url(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: SecretString::from(DEFAULT_CLIENT_SECRET.to_owned()),
            login_timeout: Duration::from_secs(30),
            extra_ca_pem: None,
        })
        .unwrap()
    };
    let signed_in = client()
        .authorize(|url: &str| {
            let url = url.to_owned();
            tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await });
            Ok(())
        })
        .await
        .expect("signed in");
    emulator.set_refresh_token_rotation(true);
    let refreshes = Arc::new(Counting::default());
    let tokens = TokenSource::new(client(), signed_in.refresh_token, refreshes.clone());
    Fixture {
        emulator,
        tokens,
        refreshes,
    }
}

fn sender(f: &Fixture, security: SmtpSecurity, trust_ca: bool) -> Sender {
    let addr = match security {
        SmtpSecurity::Tls => f.emulator.smtp_tls_addr(),
        SmtpSecurity::Starttls => f.emulator.smtp_starttls_addr(),
    };
    Sender::new(
        SmtpSection {
            host: "127.0.0.1".to_owned(),
            port: addr.port(),
            security,
        },
        trust_ca.then(|| f.emulator.ca_pem()),
    )
}

fn mail(subject: &str) -> Vec<u8> {
    format!(
        "From: {EMAIL}\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@helpr.test>\r\n\r\nHello.\r\n"
    )
    .into_bytes()
}

fn bob() -> Vec<String> {
    vec!["bob@example.org".to_owned()]
}

#[tokio::test]
async fn a_refused_token_costs_one_refresh_and_the_mail_goes() {
    let f = fixture().await;
    for security in [SmtpSecurity::Tls, SmtpSecurity::Starttls] {
        f.emulator.fail_next_smtp_auth(1);
        let before = f.refreshes.0.load(Ordering::SeqCst);
        let done = sender(&f, security, true)
            .send_raw(&f.tokens, EMAIL, &bob(), &mail("retried"))
            .await
            .unwrap();
        assert_eq!(done.attempts, 2);
        let refreshes = f.refreshes.0.load(Ordering::SeqCst) - before;
        // The first send also fetches the first access token.
        let expected = if before == 0 { 2 } else { 1 };
        assert_eq!(refreshes, expected, "{security:?}");
    }
    assert_eq!(f.emulator.smtp_auth_failures(), 2);
    assert_eq!(f.emulator.sent_messages().len(), 2);

    // A valid token is used as is: no refresh, one session.
    let before = f.refreshes.0.load(Ordering::SeqCst);
    let done = sender(&f, SmtpSecurity::Tls, true)
        .send_raw(&f.tokens, EMAIL, &bob(), &mail("plain"))
        .await
        .unwrap();
    assert_eq!(done.attempts, 1);
    assert_eq!(f.refreshes.0.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn two_refusals_are_auth_rejected_and_nothing_is_sent() {
    let f = fixture().await;
    f.emulator.fail_next_smtp_auth(2);
    let err = sender(&f, SmtpSecurity::Tls, true)
        .send_raw(&f.tokens, EMAIL, &bob(), &mail("never"))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::AuthRejected), "{err:?}");
    assert_eq!(err.code(), "smtp_auth");
    assert_eq!(f.refreshes.0.load(Ordering::SeqCst), 2, "no third token");
    assert_eq!(f.emulator.smtp_auth_failures(), 2);
    assert!(f.emulator.sent_messages().is_empty());
}

#[tokio::test]
async fn a_refused_message_keeps_its_code_and_no_address() {
    let f = fixture().await;
    f.emulator.set_smtp_max_size(64);
    let err = sender(&f, SmtpSecurity::Starttls, true)
        .send_raw(&f.tokens, EMAIL, &bob(), &mail("too-big-for-the-cap"))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Refused(552)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("552") && !text.contains('@'), "{text}");
    assert!(f.emulator.sent_messages().is_empty());
}

#[tokio::test]
async fn a_server_outside_the_trusted_roots_is_a_network_error() {
    let f = fixture().await;
    for security in [SmtpSecurity::Tls, SmtpSecurity::Starttls] {
        let err = sender(&f, security, false)
            .send_raw(&f.tokens, EMAIL, &bob(), &mail("untrusted"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, SendError::Network(_)),
            "{security:?}: {err:?}"
        );
    }
    assert_eq!(f.emulator.smtp_auth_failures(), 0, "no token was offered");
    assert!(f.emulator.sent_messages().is_empty());
}
