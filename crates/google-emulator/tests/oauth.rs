//! The emulator's OAuth endpoints from outside, over a real socket with reqwest and no
//! browser (each 302 `Location` is read by hand): the installed-app flow with PKCE, the
//! checks that refuse a bad code exchange, client authentication, refresh with and without
//! rotation, revocation, expiry by the emulator's clock, the consent page, and the error and
//! header shapes of google-protocols.md §1 and §7 items 1–3.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use google_emulator::oauth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use google_emulator::{AuthError, Config, Emulator, OAuthConfig};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::time::Duration;

const REDIRECT: &str = "http://127.0.0.1:49152/callback";
const SCOPE: &str = "https://mail.google.com/ openid email";
const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9v.lOdDE1bSi~Nxk_gJ3nLW7q0";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

struct Fixture {
    emulator: Emulator,
    http: reqwest::Client,
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Body(&'a str, &'a str),
    Basic(&'a str, &'a str),
    Both,
    None,
}

const GOOD: Auth<'static> = Auth::Body(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Fixture {
    async fn new() -> Self {
        Self::with(OAuthConfig {
            auto_approve: true,
            ..OAuthConfig::default()
        })
        .await
    }

    async fn with(oauth: OAuthConfig) -> Self {
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
    async fn authorize(&self, changes: &[(&str, &str)]) -> reqwest::Response {
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
    async fn code(&self, changes: &[(&str, &str)]) -> String {
        let response = self.authorize(changes).await;
        let params = redirect_params(&response);
        params["code"].clone()
    }

    async fn token(&self, auth: Auth<'_>, form: &[(&str, &str)]) -> Reply {
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

    async fn exchange(&self, code: &str) -> Reply {
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

    async fn refresh(&self, refresh_token: &str) -> Reply {
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
    async fn tokens(&self) -> Value {
        let code = self.code(&[]).await;
        let reply = self.exchange(&code).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    async fn revoke_in_query(&self, token: &str) -> Reply {
        let request = self
            .http
            .post(self.emulator.revoke_url())
            .query(&[("token", token)])
            .header("content-type", "application/x-www-form-urlencoded");
        reply(request.send().await.unwrap()).await
    }
}

async fn reply(response: reqwest::Response) -> Reply {
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
fn redirect_params(response: &reqwest::Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = reqwest::Url::parse(location).unwrap();
    url.query_pairs().into_owned().collect()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// `{"error": code, "error_description": description}` and nothing else, not cached.
fn assert_error(reply: &Reply, status: StatusCode, code: &str, description: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let fields = reply.body.as_object().expect("a JSON object");
    assert_eq!(fields.len(), 2, "{}", reply.body);
    assert_eq!(reply.body["error"], code);
    assert_eq!(reply.body["error_description"], description);
    assert!(header(&reply.headers, "cache-control").contains("no-store"));
    assert_eq!(header(&reply.headers, "pragma"), "no-cache");
}

#[tokio::test]
async fn pkce_s256_flow_issues_googles_token_response() {
    let f = Fixture::new().await;
    let response = f.authorize(&[]).await;
    let params = redirect_params(&response);
    assert_eq!(params["state"], "st-42 &x", "state comes back unchanged");
    assert_eq!(
        params["scope"],
        "https://mail.google.com/ openid https://www.googleapis.com/auth/userinfo.email"
    );
    assert!(params["code"].starts_with("4/0A"));

    let reply = f.exchange(&params["code"]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(header(&reply.headers, "content-type").starts_with("application/json"));
    assert!(header(&reply.headers, "cache-control").contains("no-store"));
    assert_eq!(header(&reply.headers, "pragma"), "no-cache");
    let body = &reply.body;
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "access_token",
            "expires_in",
            "id_token",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["scope"], params["scope"]);
    let access = body["access_token"].as_str().unwrap();
    assert!(access.starts_with("ya29."));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("1//"));

    let account = f.emulator.check_access_token(access).unwrap();
    assert_eq!(account.email, "user@example.com");

    // The ID token verifies against the emulator's own JWKS and names the account.
    let jwks_bytes = reqwest::get(f.emulator.jwks_url())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let jwks: Value = serde_json::from_slice(&jwks_bytes).unwrap();
    let jwk = &jwks["keys"][0];
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[DEFAULT_CLIENT_ID]);
    validation.set_issuer(&["https://accounts.google.com"]);
    let claims =
        jsonwebtoken::decode::<Value>(body["id_token"].as_str().unwrap(), &key, &validation)
            .unwrap()
            .claims;
    assert_eq!(claims["email"], "user@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["sub"], account.sub);
    assert_eq!(claims["azp"], DEFAULT_CLIENT_ID);
}

#[tokio::test]
async fn online_access_and_no_openid_give_no_refresh_or_id_token() {
    let f = Fixture::new().await;
    let code = f
        .code(&[("access_type", ""), ("scope", "https://mail.google.com/")])
        .await;
    let reply = f.exchange(&code).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.get("refresh_token").is_none());
    assert!(reply.body.get("id_token").is_none());
    assert_eq!(reply.body["scope"], "https://mail.google.com/");
}

#[tokio::test]
async fn pkce_mistakes_are_invalid_grant() {
    let f = Fixture::new().await;
    let code = f.code(&[]).await;
    let exchange = |verifier: &'static str| {
        let code = code.clone();
        let f = &f;
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
            ];
            if !verifier.is_empty() {
                form.push(("code_verifier", verifier));
            }
            f.token(GOOD, &form).await
        }
    };
    let wrong = "wrong-verifier-wrong-verifier-wrong-verifier-0";
    assert_error(
        &exchange(wrong).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Invalid code verifier.",
    );
    assert_error(
        &exchange("").await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Missing code verifier.",
    );
    // A failed verifier does not burn the code: the right one still redeems it.
    assert_eq!(exchange(VERIFIER).await.status, StatusCode::OK);

    // No challenge at authorization: a verifier is refused.
    let code = f
        .code(&[("code_challenge", ""), ("code_challenge_method", "")])
        .await;
    let reply = f
        .token(
            GOOD,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "code_verifier or verifier is not needed.",
    );

    // A challenge without a method is `plain`: the verifier itself.
    let code = f
        .code(&[("code_challenge", VERIFIER), ("code_challenge_method", "")])
        .await;
    assert_eq!(f.exchange(&code).await.status, StatusCode::OK);
    let code = f
        .code(&[
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ])
        .await;
    assert_eq!(f.exchange(&code).await.status, StatusCode::OK);
}

#[tokio::test]
async fn redirect_uri_must_equal_the_authorized_one() {
    let f = Fixture::new().await;
    let code = f.code(&[]).await;
    for other in [
        "http://127.0.0.1:49153/callback",
        "http://127.0.0.1:49152/other",
        "",
    ] {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", VERIFIER),
        ];
        if !other.is_empty() {
            form.push(("redirect_uri", other));
        }
        let reply = f.token(GOOD, &form).await;
        assert_error(
            &reply,
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "Bad Request",
        );
    }
    assert_eq!(f.exchange(&code).await.status, StatusCode::OK);
}

/// Parameters replaced in the authorization request.
type Changes<'a> = &'a [(&'a str, &'a str)];

#[tokio::test]
async fn bad_authorization_requests_get_an_error_page_never_a_redirect() {
    let f = Fixture::new().await;
    let cases: &[(Changes, u16, &str)] = &[
        (
            &[("redirect_uri", "https://127.0.0.1:49152/")],
            400,
            "redirect_uri_mismatch",
        ),
        (
            &[("redirect_uri", "http://evil.example/cb")],
            400,
            "redirect_uri_mismatch",
        ),
        (
            &[("redirect_uri", "http://127.0.0.1@evil.example/")],
            400,
            "redirect_uri_mismatch",
        ),
        (
            &[("redirect_uri", "urn:ietf:wg:oauth:2.0:oob")],
            400,
            "redirect_uri_mismatch",
        ),
        (&[("redirect_uri", "")], 400, "invalid_request"),
        (
            &[("client_id", "nobody.apps.googleusercontent.com")],
            401,
            "invalid_client",
        ),
        (&[("client_id", "")], 400, "invalid_request"),
        (
            &[("response_type", "token")],
            400,
            "unsupported_response_type",
        ),
        (&[("scope", "")], 400, "invalid_request"),
        (
            &[("scope", "https://mail.google.com/ made-up")],
            400,
            "invalid_scope",
        ),
        (&[("code_challenge_method", "S512")], 400, "invalid_request"),
        (&[("code_challenge", "short")], 400, "invalid_request"),
        (&[("access_type", "forever")], 400, "invalid_request"),
        (&[("prompt", "none consent")], 400, "invalid_request"),
    ];
    for (changes, status, code) in cases {
        let response = f.authorize(changes).await;
        assert_eq!(response.status().as_u16(), *status, "{changes:?}");
        assert!(response.headers().get(LOCATION).is_none(), "{changes:?}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains(&format!("Error {status}: {code}")),
            "{changes:?}: {page}"
        );
    }
    // Other loopback forms are fine, with any port.
    for uri in [
        "http://localhost:8080/",
        "http://[::1]:1/",
        "http://127.0.0.1:65535",
    ] {
        let response = f.authorize(&[("redirect_uri", uri)]).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{uri}");
        let location = response.headers()[LOCATION].to_str().unwrap();
        assert!(location.starts_with(uri), "{location}");
    }
}

#[tokio::test]
async fn a_code_is_redeemed_once() {
    let f = Fixture::new().await;
    let code = f.code(&[]).await;
    assert_eq!(f.exchange(&code).await.status, StatusCode::OK);
    assert_error(
        &f.exchange(&code).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Code was already redeemed.",
    );
    assert_error(
        &f.exchange("4/0Anever-issued").await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Malformed auth code.",
    );
}

#[tokio::test]
async fn a_code_expires() {
    let f = Fixture::new().await;
    let code = f.code(&[]).await;
    f.emulator.advance_clock(Duration::from_secs(601));
    assert_error(
        &f.exchange(&code).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Bad Request",
    );
}

#[tokio::test]
async fn client_authenticates_by_basic_or_body_never_both() {
    let f = Fixture::new().await;
    let form = |code: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("code_verifier", VERIFIER.to_owned()),
        ]
    };
    let send = |auth: Auth<'static>, code: String| {
        let f = &f;
        async move {
            let owned = form(&code);
            let borrowed: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (*n, v.as_str())).collect();
            f.token(auth, &borrowed).await
        }
    };

    let basic = Auth::Basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    assert_eq!(send(basic, f.code(&[]).await).await.status, StatusCode::OK);
    assert_eq!(send(GOOD, f.code(&[]).await).await.status, StatusCode::OK);

    let code = f.code(&[]).await;
    let both = send(Auth::Both, code.clone()).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert_eq!(both.body["error"], "invalid_request");

    let wrong_basic = send(Auth::Basic(DEFAULT_CLIENT_ID, "nope"), code.clone()).await;
    assert_error(
        &wrong_basic,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Unauthorized",
    );
    assert!(header(&wrong_basic.headers, "www-authenticate").starts_with("Basic"));
    let wrong_body = send(Auth::Body(DEFAULT_CLIENT_ID, "nope"), code.clone()).await;
    assert_error(
        &wrong_body,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Unauthorized",
    );
    let unknown = send(Auth::Body("nobody", "x"), code.clone()).await;
    assert_error(
        &unknown,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The OAuth client was not found.",
    );
    let none = send(Auth::None, code.clone()).await;
    assert_error(
        &none,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The OAuth client was not found.",
    );

    // None of the refused attempts spent the code.
    assert_eq!(send(GOOD, code).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_second_client_cannot_redeem_or_refresh_anothers_grant() {
    let mut oauth = OAuthConfig {
        auto_approve: true,
        ..OAuthConfig::default()
    };
    oauth.clients.push(google_emulator::OAuthClient {
        id: "other.apps.googleusercontent.com".into(),
        secret: "other-secret".into(),
    });
    let f = Fixture::with(oauth).await;
    let other = Auth::Body("other.apps.googleusercontent.com", "other-secret");
    let code = f.code(&[]).await;
    let reply = f
        .token(
            other,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Unauthorized",
    );
    let tokens = f.exchange(&code).await.body;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let reply = f
        .token(
            other,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNAUTHORIZED,
        "unauthorized_client",
        "Unauthorized",
    );
}

#[tokio::test]
async fn refresh_gives_a_new_access_token_and_keeps_the_refresh_token() {
    let f = Fixture::new().await;
    let tokens = f.tokens().await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let reply = f.refresh(refresh).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(header(&reply.headers, "cache-control").contains("no-store"));
    assert!(
        reply.body.get("refresh_token").is_none(),
        "no rotation by default"
    );
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["scope"], tokens["scope"]);
    assert!(reply.body["id_token"].is_string(), "openid was granted");
    let access = reply.body["access_token"].as_str().unwrap();
    assert_ne!(access, tokens["access_token"]);
    assert!(f.emulator.check_access_token(access).is_ok());
    // The same refresh token keeps working.
    assert_eq!(f.refresh(refresh).await.status, StatusCode::OK);

    // Down-scoping to granted scopes only.
    let narrow = f
        .token(
            GOOD,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("scope", "https://mail.google.com/"),
            ],
        )
        .await;
    assert_eq!(narrow.body["scope"], "https://mail.google.com/");
    assert!(narrow.body.get("id_token").is_none());
    let wider = f
        .token(
            GOOD,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("scope", "https://www.googleapis.com/auth/gmail.send"),
            ],
        )
        .await;
    assert_error(
        &wider,
        StatusCode::BAD_REQUEST,
        "invalid_scope",
        "Some requested scopes were not granted.",
    );
}

#[tokio::test]
async fn rotation_returns_a_new_refresh_token_and_kills_the_old() {
    let f = Fixture::new().await;
    f.emulator.set_refresh_token_rotation(true);
    let tokens = f.tokens().await;
    let old = tokens["refresh_token"].as_str().unwrap();
    let reply = f.refresh(old).await;
    assert_eq!(reply.status, StatusCode::OK);
    let new = reply.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_error(
        &f.refresh(old).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Token has been expired or revoked.",
    );
    assert_eq!(f.refresh(&new).await.status, StatusCode::OK);
}

#[tokio::test]
async fn revoking_the_refresh_token_kills_the_grant() {
    let f = Fixture::new().await;
    let tokens = f.tokens().await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let refreshed = f.refresh(refresh).await.body;
    let second_access = refreshed["access_token"].as_str().unwrap();

    let reply = f.revoke_in_query(refresh).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_error(
        &f.refresh(refresh).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Token has been expired or revoked.",
    );
    assert_eq!(
        f.emulator.check_access_token(access),
        Err(AuthError::Unknown)
    );
    assert_eq!(
        f.emulator.check_access_token(second_access),
        Err(AuthError::Unknown)
    );

    let again = f.revoke_in_query(refresh).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body["error"], "invalid_token");
}

#[tokio::test]
async fn revoking_the_access_token_in_the_body_kills_its_refresh_token() {
    let f = Fixture::new().await;
    let tokens = f.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    // As oauth2-rs sends it: form body, token_type_hint and client credentials.
    let response = f
        .http
        .post(f.emulator.revoke_url())
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .form(&[("token", access), ("token_type_hint", "access_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        f.emulator.check_access_token(access),
        Err(AuthError::Unknown)
    );
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(f.refresh(refresh).await.body["error"], "invalid_grant");

    let unknown = f.revoke_in_query("ya29.never-issued").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["error"], "invalid_token");
    let get = f
        .http
        .get(f.emulator.revoke_url())
        .query(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        get.status(),
        StatusCode::NOT_FOUND,
        "Google answers GET /revoke with 404"
    );
}

#[tokio::test]
async fn access_tokens_expire_by_the_emulators_clock() {
    let f = Fixture::new().await;
    f.emulator.set_access_token_lifetime(60);
    let tokens = f.tokens().await;
    assert_eq!(tokens["expires_in"], 60);
    let access = tokens["access_token"].as_str().unwrap();
    assert!(f.emulator.check_access_token(access).is_ok());
    f.emulator.advance_clock(Duration::from_secs(59));
    assert!(f.emulator.check_access_token(access).is_ok());
    f.emulator.advance_clock(Duration::from_secs(1));
    assert_eq!(
        f.emulator.check_access_token(access),
        Err(AuthError::Expired)
    );
    assert_eq!(
        f.emulator.check_access_token("ya29.never-issued"),
        Err(AuthError::Unknown)
    );

    // The refresh token outlives it and brings a fresh one.
    let reply = f.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    let fresh = reply.body["access_token"].as_str().unwrap();
    assert!(f.emulator.check_access_token(fresh).is_ok());
}

#[tokio::test]
async fn a_time_limited_refresh_token_expires() {
    let f = Fixture::with(OAuthConfig {
        auto_approve: true,
        refresh_token_lifetime_secs: Some(7 * 24 * 3600),
        ..OAuthConfig::default()
    })
    .await;
    let tokens = f.tokens().await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(f.refresh(refresh).await.status, StatusCode::OK);
    f.emulator.advance_clock(Duration::from_secs(7 * 24 * 3600));
    assert_error(
        &f.refresh(refresh).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Token has been expired or revoked.",
    );
}

/// The consent page's form for `decision`, POSTed back as a browser would.
async fn answer(f: &Fixture, page: &str, decision: &str) -> reqwest::Response {
    let marker = "name=\"request\" value=\"";
    let start = page.find(marker).expect("a consent form") + marker.len();
    let id = &page[start..start + page[start..].find('"').unwrap()];
    assert!(page.contains(&format!("name=\"decision\" value=\"{decision}\"")));
    f.http
        .post(f.emulator.auth_url())
        .form(&[("request", id), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_consent_page_allows_or_denies() {
    let f = Fixture::with(OAuthConfig::default()).await;
    let response = f.authorize(&[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(response.headers(), "content-type").starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains("user@example.com"));
    assert!(page.contains("https://mail.google.com/"));

    let denied = answer(&f, &page, "deny").await;
    let params = redirect_params(&denied);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st-42 &x");
    assert!(!params.contains_key("code"));
    // A page is answered once.
    let twice = answer(&f, &page, "allow").await;
    assert_eq!(twice.status(), StatusCode::BAD_REQUEST);
    assert!(twice.headers().get(LOCATION).is_none());

    let page = f.authorize(&[]).await.text().await.unwrap();
    let allowed = answer(&f, &page, "allow").await;
    let params = redirect_params(&allowed);
    assert_eq!(params["state"], "st-42 &x");
    assert_eq!(f.exchange(&params["code"]).await.status, StatusCode::OK);

    // prompt=none cannot show the page.
    let silent = f.authorize(&[("prompt", "none")]).await;
    assert_eq!(redirect_params(&silent)["error"], "consent_required");
}

#[tokio::test]
async fn grant_type_errors_have_the_json_shape() {
    let f = Fixture::new().await;
    let reply = f.token(GOOD, &[("grant_type", "password")]).await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
        "Invalid grant_type: password",
    );
    let reply = f.token(GOOD, &[]).await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "Required parameter is missing: grant_type",
    );
    let reply = f.token(GOOD, &[("grant_type", "authorization_code")]).await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "Missing required parameter: code",
    );
    let reply = f.refresh("1//0never-issued").await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Token has been expired or revoked.",
    );
}
