//! The emulator's refresh grant, revocation and expiry from outside, over a real socket:
//! refresh with and without rotation, revoking either token kills the grant, access tokens and
//! time-limited refresh tokens expire by the emulator's clock (google-protocols.md §1.6–1.8).

mod oauth_support;

use oauth_support::*;

use google_emulator::oauth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use google_emulator::{AuthError, OAuthConfig};
use reqwest::StatusCode;
use std::time::Duration;

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
