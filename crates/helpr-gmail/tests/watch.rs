//! `GmailApi::watch` and `GmailApi::stop` against the google-emulator over HTTPS, with an
//! access token from its real sign-in flow: watch answers the mailbox's history id and an
//! expiration seven days on, and the emulator holds the watch (with its label filter) until
//! stop; a topic that is not `projects/*/topics/*` is refused, not retried; each call spends
//! its quota units.

use google_emulator::{Config, Emulator, OAuthConfig as EmulatorOAuth};
use helpr_gmail::api::types::Id64;
use helpr_gmail::limiter::{cost, Backoff, Quota};
use helpr_gmail::{ApiError, GmailApi, GmailConfig, OAuthClient, TokenSource};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TOPIC: &str = "projects/helpr-test/topics/gmail";

/// The emulator (consent auto-approved) and a `GmailApi` over its HTTPS listener, signed in
/// through the installed-app flow.
async fn signed_in() -> (Emulator, GmailApi) {
    let emulator = Emulator::start_with_oauth(
        Config::default(),
        EmulatorOAuth {
            auto_approve: true,
            ..EmulatorOAuth::default()
        },
    )
    .await
    .expect("emulator starts");
    let config = GmailConfig::from_toml(&emulator.helpr_config_toml()).unwrap();
    let client = OAuthClient::new(config.oauth_config()).unwrap();
    let tokens = client
        .authorize(|url: &str| {
            let url = url.to_owned();
            // The browser: follows the auto-approved redirect to the loopback.
            tokio::spawn(async move { reqwest::get(url).await.map(drop) });
            Ok(())
        })
        .await
        .expect("signed in");
    let api = GmailApi::new(
        &config.gmail.api_url,
        config.tls.extra_ca_pem.as_deref(),
        Arc::new(TokenSource::fixed(tokens.access_token)),
        Arc::new(Quota::new(10_000)),
        Backoff {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(20),
            attempts: 2,
        },
    )
    .unwrap();
    (emulator, api)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn watch_answers_the_history_id_and_a_week_and_stop_ends_it() {
    let (emulator, api) = signed_in().await;
    assert!(!emulator.watch_active());
    let before = now_ms();
    let watch = api.watch(TOPIC, &[]).await.expect("watched");
    let after = now_ms();
    assert_eq!(watch.history_id, Id64(emulator.history_id()));
    let week = 7 * 24 * 3600 * 1000;
    assert!(
        (before + week..=after + week).contains(&watch.expiration.0),
        "{watch:?}"
    );
    assert!(emulator.watch_active());

    // Renewing is calling it again; a label filter is accepted.
    api.watch(TOPIC, &["INBOX"]).await.expect("renewed");
    assert!(emulator.watch_active());

    api.stop().await.expect("stopped");
    assert!(!emulator.watch_active());
    // Stopping what is stopped is still 204.
    api.stop().await.expect("stopped again");
    assert_eq!(
        api.stats()
            .retries
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[tokio::test]
async fn a_malformed_topic_or_an_unknown_label_is_refused_not_retried() {
    let (emulator, api) = signed_in().await;
    // Three refused watches cost more than one second's quota.
    emulator.set_quota(None);
    for (topic, labels) in [
        ("gmail", &[][..]),
        ("projects//topics/gmail", &[][..]),
        (TOPIC, &["Label_404"][..]),
    ] {
        match api.watch(topic, labels).await {
            Err(ApiError::Refused {
                op: "users.watch",
                status: 400,
                reason,
            }) => assert_eq!(reason, "invalidArgument"),
            other => panic!("{topic} {labels:?}: {other:?}"),
        }
    }
    assert!(!emulator.watch_active());
    assert_eq!(
        api.stats()
            .retries
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[tokio::test]
async fn watch_and_stop_spend_their_quota_units() {
    let (emulator, api) = signed_in().await;
    // The emulator's per-user window holds exactly one watch and one stop.
    emulator.freeze_clock();
    emulator.set_quota(Some(cost::WATCH + cost::STOP));
    api.watch(TOPIC, &[]).await.expect("watched");
    api.stop().await.expect("stopped");
    // A third call in the same (frozen) second is over Gmail's quota: retried, then given up.
    match api.stop().await {
        Err(ApiError::GaveUp {
            op: "users.stop", ..
        }) => {}
        other => panic!("{other:?}"),
    }
}
