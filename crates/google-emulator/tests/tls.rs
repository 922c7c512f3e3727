//! The HTTPS listener and the helpr configuration over real sockets: the rendered TOML parses
//! into exactly the client's schema; a reqwest client trusting only `[tls] extra_ca_pem`
//! redeems a code at `token_url`, reads the profile at `api_url` and revokes over HTTPS,
//! while a client with the public roots is refused; the plain-HTTP listener keeps serving.

mod common;

use common::{token_response, ACCOUNT};
use google_emulator::oauth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use google_emulator::{Config, Emulator, OAuthConfig};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;

/// The helpr client's schema, with nothing else allowed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HelprConfig {
    oauth: OAuthSection,
    gmail: GmailSection,
    smtp: SmtpSection,
    tls: TlsSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OAuthSection {
    client_id: String,
    client_secret: String,
    auth_url: String,
    token_url: String,
    revocation_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GmailSection {
    api_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpSection {
    host: String,
    port: u16,
    security: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsSection {
    extra_ca_pem: String,
}

async fn emulator() -> Emulator {
    Emulator::start_with_oauth(
        Config::default(),
        OAuthConfig {
            auto_approve: true,
            ..OAuthConfig::default()
        },
    )
    .await
    .unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client that trusts the given PEM and no built-in root.
fn trusting(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn config_toml_has_exactly_the_client_schema_and_points_here() {
    let e = emulator().await;
    let text = e.helpr_config_toml();
    assert!(
        text.starts_with("# helpr Gmail configuration (google-emulator at 127.0.0.1)"),
        "{text}"
    );
    let config: HelprConfig = toml::from_str(&text).unwrap();
    assert_eq!(config.oauth.client_id, DEFAULT_CLIENT_ID);
    assert_eq!(config.oauth.client_secret, DEFAULT_CLIENT_SECRET);
    assert_eq!(config.oauth.auth_url, e.auth_url());
    assert!(config.oauth.auth_url.starts_with("http://127.0.0.1:"));
    assert_eq!(config.oauth.token_url, e.https_token_url());
    assert!(config.oauth.token_url.starts_with("https://127.0.0.1:"));
    assert_eq!(config.oauth.revocation_url, e.https_revoke_url());
    assert_eq!(config.gmail.api_url, e.https_gmail_url());
    assert!(config.gmail.api_url.ends_with("/gmail/v1/users/me"));
    assert_eq!(config.smtp.host, "127.0.0.1");
    assert_eq!(config.smtp.port, e.smtp_tls_addr().port());
    assert_eq!(config.smtp.security, "tls");
    assert_eq!(config.tls.extra_ca_pem, e.ca_pem());
    assert!(config
        .tls
        .extra_ca_pem
        .starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(config
        .tls
        .extra_ca_pem
        .trim_end()
        .ends_with("-----END CERTIFICATE-----"));
}

#[tokio::test]
async fn a_client_trusting_only_the_config_ca_signs_in_and_reads_over_https() {
    let e = emulator().await;
    let config: HelprConfig = toml::from_str(&e.helpr_config_toml()).unwrap();
    let client = trusting(&config.tls.extra_ca_pem);
    let token = token_response(&browser(), &e, &client, &config.oauth.token_url).await;
    let access = token["access_token"].as_str().unwrap();
    let response = client
        .get(format!("{}/profile", config.gmail.api_url))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let profile: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(profile["emailAddress"], ACCOUNT);

    // The JWKS is there too.
    let jwks = client.get(e.https_jwks_url()).send().await.unwrap();
    let jwks: Value = serde_json::from_slice(&jwks.bytes().await.unwrap()).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], e.active_kid());
}

#[tokio::test]
async fn a_client_without_the_test_ca_is_refused() {
    let e = emulator().await;
    let public_roots = reqwest::Client::new();
    let err = public_roots
        .post(e.https_token_url())
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let err = public_roots
        .get(format!("{}/profile", e.https_gmail_url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");

    // Another CA's certificate is no better than none.
    let other = Emulator::start(Config::default()).await.unwrap();
    let err = trusting(&other.ca_pem())
        .get(e.https_jwks_url())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

#[tokio::test]
async fn revoke_over_https_kills_the_grant() {
    let e = emulator().await;
    let client = trusting(&e.ca_pem());
    let token = token_response(&browser(), &e, &client, &e.https_token_url()).await;
    let access = token["access_token"].as_str().unwrap();
    let refresh = token["refresh_token"].as_str().unwrap();
    assert!(e.check_access_token(access).is_ok());

    let revoked = client
        .post(e.https_revoke_url())
        .form(&[("token", refresh), ("token_type_hint", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert!(e.check_access_token(access).is_err());
    let profile = client
        .get(format!("{}/profile", e.https_gmail_url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), StatusCode::UNAUTHORIZED);

    let again = client
        .post(e.https_revoke_url())
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(&again.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn plain_http_still_serves_every_route() {
    let e = emulator().await;
    let plain = browser();
    let token = token_response(&plain, &e, &plain, &e.token_url()).await;
    let profile = plain
        .get(format!("{}/profile", e.gmail_url()))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), StatusCode::OK);
    assert_ne!(e.base_url(), e.https_base_url().replace("https", "http"));
}

#[tokio::test]
async fn the_oauth2_crate_refreshes_and_revokes_over_https() {
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthUrl, ClientId, ClientSecret, RefreshToken, RevocationUrl, StandardRevocableToken,
        TokenResponse as _, TokenUrl,
    };

    let e = emulator().await;
    let config: HelprConfig = toml::from_str(&e.helpr_config_toml()).unwrap();
    let http = oauth2::reqwest::ClientBuilder::new()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            oauth2::reqwest::Certificate::from_pem(config.tls.extra_ca_pem.as_bytes()).unwrap(),
        )
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = token_response(&browser(), &e, &http, &config.oauth.token_url).await;
    let refresh = RefreshToken::new(token["refresh_token"].as_str().unwrap().to_owned());

    let client = BasicClient::new(ClientId::new(config.oauth.client_id))
        .set_client_secret(ClientSecret::new(config.oauth.client_secret))
        .set_auth_uri(AuthUrl::new(config.oauth.auth_url).unwrap())
        .set_token_uri(TokenUrl::new(config.oauth.token_url).unwrap())
        .set_revocation_url(RevocationUrl::new(config.oauth.revocation_url).unwrap());
    let refreshed = client
        .exchange_refresh_token(&refresh)
        .request_async(&http)
        .await
        .unwrap();
    assert!(e
        .check_access_token(refreshed.access_token().secret())
        .is_ok());
    client
        .revoke_token(StandardRevocableToken::RefreshToken(refresh.clone()))
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert!(e
        .check_access_token(refreshed.access_token().secret())
        .is_err());
    assert!(client
        .exchange_refresh_token(&refresh)
        .request_async(&http)
        .await
        .is_err());
}
