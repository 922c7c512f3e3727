//! Per-user quota and the fault knobs from outside, over a real socket
//! (google-protocols.md §2.9): 250 units per second on the emulator's (frozen) clock, so a
//! burst of messages.get (5 units) is refused from the 51st with Google's 429 or 403
//! envelope and no `Retry-After`, and served again a second later; per-method costs; the
//! off knob; the seeded 5xx rate at 1.0 and 0.0.

mod common;

use common::{assert_envelope, message, Fixture};
use google_emulator::gmail::QuotaRefusal;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// A fixture with one message and a frozen clock; returns the message's path.
async fn setup() -> (Fixture, String) {
    let f = Fixture::new().await;
    f.emulator.freeze_clock();
    let id = f.emulator.add_message(message(1, "Quota"), &["INBOX"]);
    (f, format!("messages/{id}"))
}

/// How many of `n` GETs of `path` succeed before the first refusal, and that refusal.
async fn burst(
    f: &Fixture,
    path: &str,
    query: &[(&str, &str)],
    n: usize,
) -> (usize, Option<reqwest::Response>) {
    for i in 0..n {
        let response = f
            .http
            .get(format!("{}/{path}", f.emulator.gmail_url()))
            .query(query)
            .bearer_auth(&f.token)
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::OK {
            return (i, Some(response));
        }
    }
    (n, None)
}

async fn body(response: reqwest::Response) -> Value {
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn a_burst_of_gets_beyond_50_a_second_gets_429_until_the_clock_moves() {
    let (f, path) = setup().await;
    let (served, refused) = burst(&f, &path, &[], 60).await;
    assert_eq!(served, 50, "250 units / 5 per messages.get");
    let refused = refused.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().get("retry-after").is_none());
    let body = body(refused).await;
    assert_envelope(
        &body,
        429,
        "RESOURCE_EXHAUSTED",
        "global",
        "rateLimitExceeded",
    );
    assert_eq!(
        body["error"]["message"],
        "Too many concurrent requests for user"
    );

    // Refused requests cost nothing; within the same second everything stays refused.
    let (served, _) = burst(&f, "profile", &[], 1).await;
    assert_eq!(served, 0);
    f.emulator.advance_clock(Duration::from_millis(999));
    assert_eq!(burst(&f, &path, &[], 1).await.0, 0);
    f.emulator.advance_clock(Duration::from_millis(1));
    let (served, _) = burst(&f, &path, &[], 60).await;
    assert_eq!(served, 50);
}

#[tokio::test]
async fn the_refusal_knob_gives_403_user_rate_limit_or_alternates() {
    let (f, path) = setup().await;
    f.emulator.set_quota_refusal(QuotaRefusal::UserRateLimit);
    let (served, refused) = burst(&f, &path, &[], 60).await;
    assert_eq!(served, 50);
    let refused = refused.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body = body(refused).await;
    assert_envelope(
        &body,
        403,
        "PERMISSION_DENIED",
        "usageLimits",
        "userRateLimitExceeded",
    );
    assert_eq!(body["error"]["message"], "User Rate Limit Exceeded");

    f.emulator.set_quota_refusal(QuotaRefusal::Alternate);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (_, refused) = burst(&f, &path, &[], 1).await;
        statuses.push(refused.unwrap().status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::FORBIDDEN,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::FORBIDDEN
        ]
    );
}

#[tokio::test]
async fn each_method_costs_its_units() {
    let (f, _) = setup().await;
    let start = f.emulator.history_id().to_string();
    let (served, _) = burst(&f, "history", &[("startHistoryId", &start)], 200).await;
    assert_eq!(served, 125, "history.list costs 2");
    f.emulator.advance_clock(Duration::from_secs(1));
    let (served, _) = burst(&f, "profile", &[], 300).await;
    assert_eq!(served, 250, "getProfile costs 1");
    f.emulator.advance_clock(Duration::from_secs(1));
    let (served, _) = burst(&f, "messages", &[], 60).await;
    assert_eq!(served, 50, "messages.list costs 5");
}

#[tokio::test]
async fn the_quota_can_be_turned_off_and_changed() {
    let (f, path) = setup().await;
    f.emulator.set_quota(None);
    assert_eq!(burst(&f, &path, &[], 120).await.0, 120);
    f.emulator.set_quota(Some(10));
    assert_eq!(burst(&f, &path, &[], 10).await.0, 2);
}

#[tokio::test]
async fn a_server_error_rate_of_one_always_fails_and_zero_never() {
    let (f, path) = setup().await;
    f.emulator.set_server_error_rate(1.0);
    let mut seen = Vec::new();
    for _ in 0..40 {
        let (served, refused) = burst(&f, &path, &[], 1).await;
        assert_eq!(served, 0);
        let refused = refused.unwrap();
        let status = refused.status();
        let body = body(refused).await;
        let name = match status {
            StatusCode::INTERNAL_SERVER_ERROR => "INTERNAL",
            StatusCode::SERVICE_UNAVAILABLE => "UNAVAILABLE",
            other => panic!("{other}: {body}"),
        };
        assert_envelope(&body, status.as_u16(), name, "global", "backendError");
        seen.push(status);
    }
    assert!(seen.contains(&StatusCode::INTERNAL_SERVER_ERROR));
    assert!(seen.contains(&StatusCode::SERVICE_UNAVAILABLE));

    // Failed requests spent no quota: the full budget is still there.
    f.emulator.set_server_error_rate(0.0);
    assert_eq!(burst(&f, &path, &[], 50).await.0, 50);
    f.emulator.set_quota(None);
    assert_eq!(burst(&f, &path, &[], 200).await.0, 200);
}

#[tokio::test]
async fn a_seeded_error_rate_repeats_and_latency_still_answers() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (f, path) = setup().await;
        f.emulator.set_quota(None);
        f.emulator.set_fault_seed(7);
        f.emulator.set_server_error_rate(0.5);
        let mut statuses = Vec::new();
        for _ in 0..30 {
            let (served, refused) = burst(&f, &path, &[], 1).await;
            statuses.push(if served == 1 {
                StatusCode::OK
            } else {
                refused.unwrap().status()
            });
        }
        assert!(statuses.contains(&StatusCode::OK));
        assert!(statuses.iter().any(|s| s.is_server_error()));
        runs.push(statuses);
        f.emulator.set_server_error_rate(0.0);
        f.emulator.set_latency(Duration::from_millis(5));
        assert_eq!(burst(&f, &path, &[], 2).await.0, 2);
    }
    assert_eq!(runs[0], runs[1], "the same seed draws the same faults");
}
