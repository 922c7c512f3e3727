//! Installed-app OAuth against the google-emulator over real sockets: the emulator's
//! authorize endpoint (auto-approve or its consent page) stands in for the browser, which a
//! test "clicks" by fetching the URL handed to the opener and following the 302 to helpr's
//! loopback listener. Each test checks one outcome: tokens the emulator accepts, a tampered
//! `state`, a denial, refresh with and without rotation, revocation, a wrong secret, the
//! timeout, and that no token text reaches `Debug`.

use google_emulator::oauth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use google_emulator::{AuthError, Config, Emulator, OAuthConfig as EmulatorOAuth};
use helpr_gmail::oauth::GMAIL_SCOPE;
use helpr_gmail::{OAuthClient, OAuthConfig, OAuthError, Tokens};
use reqwest::header::LOCATION;
use secrecy::{ExposeSecret as _, SecretString};
use std::time::{Duration, SystemTime};
use tokio::sync::oneshot;

const EMAIL: &str = "user@example.com";

async fn emulator(auto_approve: bool) -> Emulator {
    Emulator::start_with_oauth(
        Config::default(),
        EmulatorOAuth {
            auto_approve,
            ..EmulatorOAuth::default()
        },
    )
    .await
    .expect("emulator starts")
}

fn config(emulator: &Emulator, secret: &str) -> OAuthConfig {
    OAuthConfig {
        auth_url: emulator.auth_url(),
        token_url: emulator.token_url(),
        revocation_url: emulator.revoke_url(),
        client_id: DEFAULT_CLIENT_ID.to_owned(),
        client_secret: SecretString::from(secret.to_owned()),
        login_timeout: Duration::from_secs(30),
        extra_ca_pem: None,
    }
}

fn client(emulator: &Emulator) -> OAuthClient {
    OAuthClient::new(config(emulator, DEFAULT_CLIENT_SECRET)).expect("client builds")
}

/// A browser that follows redirects, as the user's would.
fn browser() -> reqwest::Client {
    reqwest::Client::new()
}

/// An opener that "clicks" the URL in a task and reports the loopback's page.
fn clicking_opener(
    what: impl FnOnce(String) -> tokio::task::JoinHandle<String> + Send + 'static,
) -> (
    impl FnOnce(&str) -> std::io::Result<()>,
    oneshot::Receiver<tokio::task::JoinHandle<String>>,
) {
    let (tx, rx) = oneshot::channel();
    let open = move |url: &str| {
        let _ = tx.send(what(url.to_owned()));
        Ok(())
    };
    (open, rx)
}

/// Follows the authorization URL to the loopback page, auto-approved.
fn follow(url: String) -> tokio::task::JoinHandle<String> {
    tokio::spawn(async move {
        let page = browser()
            .get(url)
            .send()
            .await
            .expect("browser reaches loopback");
        page.text().await.unwrap()
    })
}

async fn sign_in(emulator: &Emulator) -> (Tokens, String) {
    let client = client(emulator);
    let (open, page) = clicking_opener(follow);
    let tokens = client.authorize(open).await.expect("signed in");
    let page = page.await.unwrap().await.unwrap();
    (tokens, page)
}

#[tokio::test]
async fn the_full_flow_returns_tokens_the_emulator_accepts() {
    let emulator = emulator(true).await;
    let (tokens, page) = sign_in(&emulator).await;
    assert!(page.contains("close this window"), "{page}");
    let account = emulator
        .check_access_token(tokens.access_token.expose_secret())
        .expect("the emulator accepts the access token");
    assert_eq!(account.email, EMAIL);
    assert_eq!(tokens.email.as_deref(), Some(EMAIL));
    assert!(tokens.refresh_token.expose_secret().starts_with("1//"));
    assert!(tokens.scope.iter().any(|s| s == GMAIL_SCOPE));
    assert!(tokens.expires_at > SystemTime::now() + Duration::from_secs(3000));
}

#[tokio::test]
async fn the_authorization_url_carries_pkce_offline_and_consent() {
    let emulator = emulator(true).await;
    let client = client(&emulator);
    let (tx, rx) = oneshot::channel();
    let open = move |url: &str| {
        let _ = tx.send(url.to_owned());
        Ok(())
    };
    let done = tokio::spawn(async move {
        let url = rx.await.unwrap();
        let parsed = reqwest::Url::parse(&url).unwrap();
        let params: std::collections::HashMap<String, String> =
            parsed.query_pairs().into_owned().collect();
        let page = browser().get(&url).send().await.unwrap();
        (params, page.status())
    });
    client.authorize(open).await.expect("signed in");
    let (params, status) = done.await.unwrap();
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43);
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["prompt"], "consent");
    assert_eq!(params["scope"], "https://mail.google.com/ openid email");
    assert!(params["state"].len() >= 16);
    let redirect = reqwest::Url::parse(&params["redirect_uri"]).unwrap();
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));
    assert_ne!(redirect.port(), None);
    assert_eq!(redirect.path(), "/");
}

#[tokio::test]
async fn a_tampered_state_is_refused() {
    let emulator = emulator(true).await;
    let client = client(&emulator);
    let (open, page) = clicking_opener(|url| {
        tokio::spawn(async move {
            let no_follow = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let response = no_follow.get(url).send().await.unwrap();
            let location = response.headers()[LOCATION].to_str().unwrap();
            let mut url = reqwest::Url::parse(location).unwrap();
            let params: Vec<(String, String)> = url
                .query_pairs()
                .into_owned()
                .map(|(n, v)| {
                    if n == "state" {
                        (n, "forged".to_owned())
                    } else {
                        (n, v)
                    }
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(params);
            let page = browser().get(url).send().await.unwrap();
            format!("{} {}", page.status(), page.text().await.unwrap())
        })
    });
    let error = client.authorize(open).await.unwrap_err();
    assert!(matches!(error, OAuthError::StateMismatch), "{error:?}");
    let page = page.await.unwrap().await.unwrap();
    assert!(page.starts_with("400"), "{page}");
    assert!(!error.to_string().contains("forged"));
}

/// The consent page's form for `decision`, posted as a browser would, redirects followed.
async fn decide(url: String, decision: &str) -> String {
    let page = browser()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"request\" value=\"";
    let start = page.find(marker).expect("a consent form") + marker.len();
    let id = &page[start..start + page[start..].find('"').unwrap()];
    let auth = reqwest::Url::parse(&url).unwrap();
    let auth = format!("{}://{}{}", auth.scheme(), auth.authority(), auth.path());
    let answer = browser()
        .post(auth)
        .form(&[("request", id), ("decision", decision)])
        .send()
        .await
        .unwrap();
    answer.text().await.unwrap()
}

#[tokio::test]
async fn denying_consent_is_a_clear_error() {
    let emulator = emulator(false).await;
    let client = client(&emulator);
    let (open, page) = clicking_opener(|url| tokio::spawn(decide(url, "deny")));
    let error = client.authorize(open).await.unwrap_err();
    assert!(matches!(error, OAuthError::AccessDenied), "{error:?}");
    assert_eq!(error.to_string(), "access was denied on the consent screen");
    assert!(page
        .await
        .unwrap()
        .await
        .unwrap()
        .contains("did not complete"));
}

#[tokio::test]
async fn allowing_on_the_consent_page_signs_in() {
    let emulator = emulator(false).await;
    let client = client(&emulator);
    let (open, page) = clicking_opener(|url| tokio::spawn(decide(url, "allow")));
    let tokens = client.authorize(open).await.expect("signed in");
    assert!(page
        .await
        .unwrap()
        .await
        .unwrap()
        .contains("close this window"));
    assert!(emulator
        .check_access_token(tokens.access_token.expose_secret())
        .is_ok());
}

#[tokio::test]
async fn refresh_returns_a_new_access_token_and_keeps_the_refresh_token() {
    let emulator = emulator(true).await;
    let (tokens, _) = sign_in(&emulator).await;
    let refreshed = client(&emulator)
        .refresh(&tokens.refresh_token)
        .await
        .expect("refreshed");
    assert_ne!(
        refreshed.access_token.expose_secret(),
        tokens.access_token.expose_secret()
    );
    assert!(emulator
        .check_access_token(refreshed.access_token.expose_secret())
        .is_ok());
    assert!(refreshed.refresh_token.is_none());
    assert!(refreshed.expires_at > SystemTime::now());
}

#[tokio::test]
async fn a_rotated_refresh_token_is_returned_and_the_old_one_dies() {
    let emulator = emulator(true).await;
    let (tokens, _) = sign_in(&emulator).await;
    emulator.set_refresh_token_rotation(true);
    let client = client(&emulator);
    let refreshed = client
        .refresh(&tokens.refresh_token)
        .await
        .expect("refreshed");
    let rotated = refreshed.refresh_token.expect("a new refresh token");
    assert_ne!(
        rotated.expose_secret(),
        tokens.refresh_token.expose_secret()
    );
    let old = client.refresh(&tokens.refresh_token).await.unwrap_err();
    assert!(matches!(old, OAuthError::ReconnectNeeded), "{old:?}");
    assert!(client.refresh(&rotated).await.is_ok());
}

#[tokio::test]
async fn after_revoke_refresh_needs_a_reconnect() {
    let emulator = emulator(true).await;
    let (tokens, _) = sign_in(&emulator).await;
    let client = client(&emulator);
    client.revoke(&tokens.refresh_token).await.expect("revoked");
    assert_eq!(
        emulator.check_access_token(tokens.access_token.expose_secret()),
        Err(AuthError::Unknown)
    );
    let error = client.refresh(&tokens.refresh_token).await.unwrap_err();
    assert!(matches!(error, OAuthError::ReconnectNeeded), "{error:?}");
    assert!(error.to_string().starts_with("reconnect needed"));
    // Revoking again: the token is already gone.
    let again = client.revoke(&tokens.refresh_token).await.unwrap_err();
    assert!(
        matches!(&again, OAuthError::RevokeRefused { status: 400, error } if error == "invalid_token"),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_a_clear_error() {
    let emulator = emulator(true).await;
    let client = OAuthClient::new(config(&emulator, "GOCSPX-wrong")).unwrap();
    let (open, _page) = clicking_opener(follow);
    let error = client.authorize(open).await.unwrap_err();
    assert!(matches!(error, OAuthError::InvalidClient), "{error:?}");
    assert!(error.to_string().contains("client id or secret"));
    assert!(!format!("{error} {error:?}").contains("GOCSPX"));
}

#[tokio::test]
async fn no_redirect_times_out() {
    let emulator = emulator(true).await;
    let mut config = config(&emulator, DEFAULT_CLIENT_SECRET);
    config.login_timeout = Duration::from_millis(50);
    let client = OAuthClient::new(config).unwrap();
    let error = client.authorize(|_| Ok(())).await.unwrap_err();
    assert!(matches!(error, OAuthError::TimedOut(_)), "{error:?}");
}

#[tokio::test]
async fn an_opener_failure_stops_the_sign_in() {
    let emulator = emulator(true).await;
    let error = client(&emulator)
        .authorize(|_| Err(std::io::Error::other("no browser")))
        .await
        .unwrap_err();
    assert!(matches!(error, OAuthError::Opener(_)), "{error:?}");
}

#[tokio::test]
async fn debug_shows_no_token_text() {
    let emulator = emulator(true).await;
    let (tokens, _) = sign_in(&emulator).await;
    let debug = format!("{tokens:?}");
    assert!(!debug.contains(tokens.access_token.expose_secret()));
    assert!(!debug.contains(tokens.refresh_token.expose_secret()));
    assert!(!debug.contains(EMAIL));
    assert!(debug.contains("<redacted>"));
    let refreshed = client(&emulator)
        .refresh(&tokens.refresh_token)
        .await
        .unwrap();
    let debug = format!("{refreshed:?}");
    assert!(!debug.contains(refreshed.access_token.expose_secret()));
    let client_debug = format!("{:?}", client(&emulator));
    assert!(!client_debug.contains(DEFAULT_CLIENT_SECRET));
}

/// The two halves of `authorize`, as the team server uses them: the URL is built for a
/// redirect someone else listens at; the code comes back by hand and is exchanged with the
/// kept verifier. A code is redeemed once, and only with its own verifier.
#[tokio::test]
async fn the_halves_sign_in_when_the_browser_comes_back_elsewhere() {
    let emulator = emulator(true).await;
    let client = client(&emulator);
    let redirect_uri = "http://127.0.0.1:9/callback";
    let request = client.authorization_request(redirect_uri).unwrap();
    assert!(!format!("{request:?}").contains(request.verifier.expose_secret()));
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let code_for = |request: helpr_gmail::AuthorizationRequest| {
        let no_follow = no_follow.clone();
        async move {
            let answer = no_follow.get(&request.url).send().await.unwrap();
            let location =
                reqwest::Url::parse(answer.headers()[LOCATION].to_str().unwrap()).unwrap();
            assert!(location.as_str().starts_with(redirect_uri), "{location}");
            let params: std::collections::HashMap<String, String> =
                location.query_pairs().into_owned().collect();
            assert_eq!(params["state"], request.state);
            (params["code"].clone(), request.verifier)
        }
    };
    let (code, verifier) = code_for(request).await;
    let tokens = client
        .exchange_code(&code, &verifier, redirect_uri)
        .await
        .expect("exchanged");
    assert_eq!(tokens.email.as_deref(), Some(EMAIL));
    assert!(emulator
        .check_access_token(tokens.access_token.expose_secret())
        .is_ok());
    let again = client
        .exchange_code(&code, &verifier, redirect_uri)
        .await
        .unwrap_err();
    assert!(matches!(again, OAuthError::CodeRejected), "{again:?}");

    let (code, _) = code_for(client.authorization_request(redirect_uri).unwrap()).await;
    let other = client.authorization_request(redirect_uri).unwrap().verifier;
    let wrong = client
        .exchange_code(&code, &other, redirect_uri)
        .await
        .unwrap_err();
    assert!(matches!(wrong, OAuthError::CodeRejected), "{wrong:?}");
}
