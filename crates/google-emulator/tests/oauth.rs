//! The emulator's OAuth endpoints from outside, over a real socket with reqwest and no
//! browser (each 302 `Location` is read by hand): the installed-app flow with PKCE, the
//! checks that refuse a bad code exchange, client authentication, refresh with and without
//! rotation, revocation, expiry by the emulator's clock, the consent page, and the error and
//! header shapes of google-protocols.md §1 and §7 items 1–3.

mod oauth_support;

use oauth_support::*;

use google_emulator::oauth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use google_emulator::OAuthConfig;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

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
