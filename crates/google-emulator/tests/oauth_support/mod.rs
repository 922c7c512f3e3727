//! The OAuth tests' fixture (`oauth.rs`, `oauth_refresh.rs`): an emulator, a reqwest client
//! that follows no redirect, the authorization and token requests with their parameters, and
//! the error-shape check.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use google_emulator::oauth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use google_emulator::{Config, Emulator, OAuthConfig};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;

pub const REDIRECT: &str = "http://127.0.0.1:49152/callback";
pub const SCOPE: &str = "https://mail.google.com/ openid email";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9v.lOdDE1bSi~Nxk_gJ3nLW7q0";

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub struct Fixture {
    pub emulator: Emulator,
    pub http: reqwest::Client,
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Body(&'a str, &'a str),
    Basic(&'a str, &'a str),
    Both,
    None,
}

pub const GOOD: Auth<'static> = Auth::Body(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Fixture {
    pub async fn new() -> Self {
        Self::with(OAuthConfig {
            auto_approve: true,
            ..OAuthConfig::default()
        })
        .await
    }

    pub async fn with(oauth: OAuthConfig) -> Self {
        let emulator = Emulator::start_with_oauth(Config::default(), oauth)
            .await
            .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { emulator, http }
    }

    /// The authorization request helpr sends, with `changes` replacing or adding parameters
    /// (an empty value drops one).
    pub async fn authorize(&self, changes: &[(&str, &str)]) -> reqwest::Response {
        let challenge = challenge(VERIFIER);
        let mut params: Vec<(&str, &str)> = vec![
            ("client_id", DEFAULT_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", SCOPE),
            ("state", "st-42 &x"),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        for (name, value) in changes {
            params.retain(|(n, _)| n != name);
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        self.http
            .get(self.emulator.auth_url())
            .query(&params)
            .send()
            .await
            .unwrap()
    }

    /// A code from an auto-approved authorization with `changes`.
    pub async fn code(&self, changes: &[(&str, &str)]) -> String {
        let response = self.authorize(changes).await;
        let params = redirect_params(&response);
        params["code"].clone()
    }

    pub async fn token(&self, auth: Auth<'_>, form: &[(&str, &str)]) -> Reply {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        let mut request = self.http.post(self.emulator.token_url());
        match auth {
            Auth::Body(id, secret) => {
                form.push(("client_id", id));
                form.push(("client_secret", secret));
            }
            Auth::Basic(id, secret) => request = request.basic_auth(id, Some(secret)),
            Auth::Both => {
                request = request.basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET));
                form.push(("client_secret", DEFAULT_CLIENT_SECRET));
            }
            Auth::None => {}
        }
        reply(request.form(&form).send().await.unwrap()).await
    }

    pub async fn exchange(&self, code: &str) -> Reply {
        self.token(
            GOOD,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.token(
            GOOD,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// Authorization plus code exchange: the token response's body.
    pub async fn tokens(&self) -> Value {
        let code = self.code(&[]).await;
        let reply = self.exchange(&code).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    pub async fn revoke_in_query(&self, token: &str) -> Reply {
        let request = self
            .http
            .post(self.emulator.revoke_url())
            .query(&[("token", token)])
            .header("content-type", "application/x-www-form-urlencoded");
        reply(request.send().await.unwrap()).await
    }
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    Reply {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// The query of a 302 to the client's redirect URI.
pub fn redirect_params(response: &reqwest::Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = reqwest::Url::parse(location).unwrap();
    url.query_pairs().into_owned().collect()
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// `{"error": code, "error_description": description}` and nothing else, not cached.
pub fn assert_error(reply: &Reply, status: StatusCode, code: &str, description: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let fields = reply.body.as_object().expect("a JSON object");
    assert_eq!(fields.len(), 2, "{}", reply.body);
    assert_eq!(reply.body["error"], code);
    assert_eq!(reply.body["error_description"], description);
    assert!(header(&reply.headers, "cache-control").contains("no-store"));
    assert_eq!(header(&reply.headers, "pragma"), "no-cache");
}
