//! Signing in from the desktop: the browser opens the server's page, the password goes only
//! there, the desktop's loopback gets a one-time code and trades it with its PKCE verifier for
//! a session. Wrong passwords, unknown addresses, replayed or stolen codes, foreign redirects
//! and floods of attempts are all refused, each clearly.

mod support;

use helpr_proto::auth::TokenRequest;
use helpr_proto::error::ErrorCode;
use helpr_team::testing::{hidden_fields, Browser};
use support::{Rig, OWNER_EMAIL, PASSWORD};

fn challenge_for(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more-0123";

fn sign_in_url(rig: &Rig, redirect: &str) -> String {
    let mut url = reqwest::Url::parse(&format!("https://{}/sign-in", rig.server.addr)).unwrap();
    url.query_pairs_mut()
        .append_pair("redirect_uri", redirect)
        .append_pair("state", "s<t\"a>te")
        .append_pair("code_challenge", &challenge_for(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    url.to_string()
}

/// Fills in the page by hand (no loopback listening), returning the status and the code.
async fn post_form(
    rig: &Rig,
    redirect: &str,
    email: &str,
    password: &str,
) -> (u16, Option<String>) {
    let http = helpr_team::pin::client(&rig.server.fingerprint);
    let page = http.get(sign_in_url(rig, redirect)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let mut form = hidden_fields(&page.text().await.unwrap());
    form.push(("email".into(), email.into()));
    form.push(("password".into(), password.into()));
    let posted = http
        .post(format!("https://{}/sign-in", rig.server.addr))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = posted.status().as_u16();
    let code = posted.headers().get("location").map(|l| {
        let url = reqwest::Url::parse(l.to_str().unwrap()).unwrap();
        assert_eq!(url.as_str().split('?').next(), Some(redirect));
        let pairs: Vec<_> = url.query_pairs().into_owned().collect();
        assert!(
            pairs.contains(&("state".into(), "s<t\"a>te".into())),
            "{pairs:?}"
        );
        pairs.into_iter().find(|(k, _)| k == "code").unwrap().1
    });
    (status, code)
}

#[tokio::test]
async fn a_browser_sign_in_gives_a_session_that_names_its_user() {
    let rig = Rig::start().await;
    let token = rig.sign_in_response(OWNER_EMAIL, PASSWORD).await.unwrap();
    assert_eq!(token.user.email, OWNER_EMAIL);
    assert_eq!(token.org.name, "Acme");
    let owner = rig.anonymous().with_token(token.session_token.into());
    let me = owner.me().await.unwrap();
    assert_eq!(me.user.id, rig.owner);
    assert_eq!(me.session_id, token.session_id);
    let sessions = owner.sessions().await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].device, "test device");
    assert!(sessions[0].current);

    // The address is matched without regard to case or surrounding spaces.
    assert!(rig.sign_in(" Owner@Example.TEST ", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_address_get_the_same_refusal_and_no_code() {
    let rig = Rig::start().await;
    let redirect = "http://127.0.0.1:9/cb";
    let (status, code) = post_form(&rig, redirect, OWNER_EMAIL, "not the password!").await;
    assert_eq!((status, code), (401, None));
    let (status, code) = post_form(&rig, redirect, "nobody@example.test", PASSWORD).await;
    assert_eq!((status, code), (401, None));

    // Through the desktop's flow: the browser comes back without a code, and sign-in says so.
    let error = rig
        .sign_in(OWNER_EMAIL, "not the password!")
        .await
        .unwrap_err();
    assert!(
        matches!(error, helpr_team::TeamError::MissingCode),
        "{error}"
    );
}

#[tokio::test]
async fn a_code_is_used_once_with_its_verifier_and_redirect_and_only_briefly() {
    let rig = Rig::start().await;
    let redirect = "http://127.0.0.1:9/cb";
    let anonymous = rig.anonymous();
    let exchange = |code: &str, verifier: &str, redirect: &str| TokenRequest {
        code: code.into(),
        code_verifier: verifier.into(),
        redirect_uri: redirect.into(),
        device: "laptop".into(),
    };
    let refused = |r: Result<_, helpr_team::TeamError>| {
        let e = r.unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::InvalidInput), "{e}");
    };

    // A wrong verifier burns the code: the right one cannot use it after.
    let (_, code) = post_form(&rig, redirect, OWNER_EMAIL, PASSWORD).await;
    let code = code.unwrap();
    refused(
        anonymous
            .exchange(&exchange(&code, &format!("{VERIFIER}x"), redirect))
            .await,
    );
    refused(
        anonymous
            .exchange(&exchange(&code, VERIFIER, redirect))
            .await,
    );

    // Another redirect than the sign-in's.
    let (_, code) = post_form(&rig, redirect, OWNER_EMAIL, PASSWORD).await;
    refused(
        anonymous
            .exchange(&exchange(
                &code.unwrap(),
                VERIFIER,
                "http://127.0.0.1:10/cb",
            ))
            .await,
    );

    // Used once.
    let (_, code) = post_form(&rig, redirect, OWNER_EMAIL, PASSWORD).await;
    let code = code.unwrap();
    let session = anonymous
        .exchange(&exchange(&code, VERIFIER, redirect))
        .await
        .unwrap();
    assert_eq!(session.user.id, rig.owner);
    refused(
        anonymous
            .exchange(&exchange(&code, VERIFIER, redirect))
            .await,
    );

    // Two minutes at most.
    let (_, code) = post_form(&rig, redirect, OWNER_EMAIL, PASSWORD).await;
    rig.config.clock.advance(121);
    refused(
        anonymous
            .exchange(&exchange(&code.unwrap(), VERIFIER, redirect))
            .await,
    );
}

#[tokio::test]
async fn the_page_refuses_foreign_redirects_and_weak_challenges_without_redirecting() {
    let rig = Rig::start().await;
    let http = helpr_team::pin::client(&rig.server.fingerprint);
    for redirect in [
        "https://evil.example/cb",
        "http://evil.example:80/cb",
        "http://localhost:4000/cb",
        "http://127.0.0.1/cb",
    ] {
        let page = http.get(sign_in_url(&rig, redirect)).send().await.unwrap();
        assert_eq!(page.status(), 400, "{redirect}");
        assert!(page.text().await.unwrap().contains("not valid"));
        // Posting the form anyway: refused, not redirected.
        let form = [
            ("redirect_uri", redirect),
            ("state", "x"),
            ("code_challenge", &challenge_for(VERIFIER)),
            ("code_challenge_method", "S256"),
            ("email", OWNER_EMAIL),
            ("password", PASSWORD),
        ];
        let posted = http
            .post(format!("https://{}/sign-in", rig.server.addr))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 400, "{redirect}");
        assert!(posted.headers().get("location").is_none());
    }
    let mut url = reqwest::Url::parse(&format!("https://{}/sign-in", rig.server.addr)).unwrap();
    url.query_pairs_mut()
        .append_pair("redirect_uri", "http://127.0.0.1:9/")
        .append_pair("state", "x")
        .append_pair("code_challenge", "short")
        .append_pair("code_challenge_method", "plain");
    assert_eq!(http.get(url).send().await.unwrap().status(), 400);
    let bare = http
        .get(format!("https://{}/sign-in", rig.server.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 400);
}

#[tokio::test]
async fn the_page_is_locked_down_and_escapes_what_it_echoes() {
    let rig = Rig::start().await;
    let http = helpr_team::pin::client(&rig.server.fingerprint);
    let page = http
        .get(sign_in_url(&rig, "http://127.0.0.1:9/cb"))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("s&lt;t&quot;a&gt;te"), "{html}");
    assert!(!html.contains("s<t\"a>te"), "{html}");
}

#[tokio::test]
async fn attempts_beyond_the_limit_are_refused_even_with_the_right_password() {
    let rig = Rig::start().await;
    let redirect = "http://127.0.0.1:9/cb";
    for _ in 0..helpr_server::auth::limit::BURST {
        let (status, _) = post_form(&rig, redirect, OWNER_EMAIL, "wrong wrong wrong").await;
        assert_eq!(status, 401);
    }
    let (status, code) = post_form(&rig, redirect, OWNER_EMAIL, PASSWORD).await;
    assert_eq!((status, code), (429, None));
}

#[tokio::test]
async fn the_browser_helper_sees_the_redirect() {
    // The test browser itself: it follows the page's form to the loopback.
    let rig = Rig::start().await;
    let browser = Browser {
        http: helpr_team::pin::client(&rig.server.fingerprint),
        email: OWNER_EMAIL.into(),
        password: PASSWORD.into(),
    };
    let (status, location) = browser
        .visit(&sign_in_url(&rig, "http://127.0.0.1:9/cb"))
        .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().starts_with("http://127.0.0.1:9/cb?code="));
}
