//! The fixture the Gmail, history, write and limits tests share: an emulator with auto-approve,
//! a bearer token from its real code flow (PKCE S256), and reqwest helpers.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use google_emulator::oauth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use google_emulator::{Config, Emulator, OAuthConfig};
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

const REDIRECT: &str = "http://127.0.0.1:49152/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9v.lOdDE1bSi~Nxk_gJ3nLW7q0";
pub const ACCOUNT: &str = "user@example.com";

pub struct Fixture {
    pub emulator: Emulator,
    pub http: reqwest::Client,
    pub token: String,
}

impl Fixture {
    pub async fn new() -> Self {
        let emulator = Emulator::start_with_oauth(
            Config::default(),
            OAuthConfig {
                auto_approve: true,
                ..OAuthConfig::default()
            },
        )
        .await
        .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let token = token_response(&http, &emulator, &http, &emulator.token_url()).await;
        let token = token["access_token"].as_str().unwrap().to_owned();
        Self {
            emulator,
            http,
            token,
        }
    }

    /// `scheme://host:port` of the plain-HTTP listener (for `/upload/…` and `/batch/…`).
    pub fn base(&self) -> String {
        self.emulator.base_url()
    }

    /// POST `body` as `content_type` to `path` under the listener's root, with the token.
    pub async fn post_to(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let request = self
            .http
            .post(format!("{}{path}", self.base()))
            .header("content-type", content_type)
            .body(body);
        send(request.bearer_auth(&self.token)).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.emulator.gmail_url())
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        send(
            self.http
                .get(self.url(path))
                .query(query)
                .bearer_auth(&self.token),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let request = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_string());
        send(request.bearer_auth(&self.token)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        send(self.http.delete(self.url(path)).bearer_auth(&self.token)).await
    }
}

/// Status and JSON body (`null` for an empty body, as a 204 has).
pub async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    (status, serde_json::from_slice(&bytes).unwrap())
}

pub fn message(n: usize, subject: &str) -> Vec<u8> {
    message_with(n, subject, "")
}

/// [`message`] with `extra` header lines (each ending in `\r\n`) after the Message-ID.
pub fn message_with(n: usize, subject: &str, extra: &str) -> Vec<u8> {
    format!(
        "From: Bob <bob@example.org>\r\nTo: {ACCOUNT}\r\nSubject: {subject}\r\n\
         Date: Mon, {day} Jan 2024 10:00:00 +0000\r\nMessage-ID: <m{n}@example.org>\r\n{extra}\
         \r\nHello number {n}.\r\n",
        day = n % 28 + 1,
    )
    .into_bytes()
}

/// Google's envelope: code, status, a non-empty message, exactly one error with `reason`,
/// `domain` and a message of its own (Gmail's 401 says "Invalid Credentials" there, unlike the
/// top-level message).
pub fn assert_envelope_shape(body: &Value, code: u16, status: &str, domain: &str, reason: &str) {
    let error = &body["error"];
    assert_eq!(error["code"], code, "{body}");
    assert_eq!(error["status"], status, "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(error["errors"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(error["errors"][0]["reason"], reason, "{body}");
    assert_eq!(error["errors"][0]["domain"], domain, "{body}");
    assert!(error["errors"][0]["message"].is_string(), "{body}");
}

/// [`assert_envelope_shape`], with the error's message the same as the top-level one.
pub fn assert_envelope(body: &Value, code: u16, status: &str, domain: &str, reason: &str) {
    assert_envelope_shape(body, code, status, domain, reason);
    assert_eq!(
        body["error"]["errors"][0]["message"], body["error"]["message"],
        "{body}"
    );
}

/// The token endpoint's JSON for a fresh code flow: authorize (auto-approve) with `browser`
/// on the plain-HTTP page, redeem the code with `client` at `token_url` (HTTP or HTTPS).
pub async fn token_response(
    browser: &reqwest::Client,
    emulator: &Emulator,
    client: &reqwest::Client,
    token_url: &str,
) -> Value {
    token_response_at(browser, &emulator.auth_url(), client, token_url).await
}

/// [`token_response`] by URLs alone (an emulator in another process).
pub async fn token_response_at(
    browser: &reqwest::Client,
    auth_url: &str,
    client: &reqwest::Client,
    token_url: &str,
) -> Value {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let authorized = browser
        .get(auth_url)
        .query(&[
            ("client_id", DEFAULT_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "https://mail.google.com/"),
            ("access_type", "offline"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(authorized.status(), StatusCode::FOUND);
    let location = reqwest::Url::parse(authorized.headers()[LOCATION].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let response = client
        .post(token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

/// The `id` of every item under `key` of a list answer (`messages`, `threads`), in order.
pub fn listed(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
