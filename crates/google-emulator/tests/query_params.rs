//! The standard and search query parameters over a real socket: `fields=` partial responses
//! (nested paths, sub-selections, errors untouched, a bad selector → 400), `q=` on
//! messages.list (each operator helpr and its tests use, negation, OR, SPAM/TRASH only when
//! asked for, bad and unsupported queries → 400), `alt` other than json → 400, and the
//! `access_token` query parameter in place of the header.

mod common;

use common::{assert_envelope_shape, listed, message_with, Fixture, ACCOUNT};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn fields_cut_successful_answers_down_to_the_selection() {
    let f = Fixture::new().await;
    let ids = f.emulator.seed_messages(vec![
        message_with(1, "One", ""),
        message_with(2, "Two", ""),
        message_with(3, "Three", ""),
    ]);
    let (status, page) = f
        .get(
            "messages",
            &[("maxResults", "2"), ("fields", "messages/id,nextPageToken")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["messages"], json!([{"id": ids[2]}, {"id": ids[1]}]));
    assert!(page["nextPageToken"].is_string());
    assert!(page.get("resultSizeEstimate").is_none(), "{page}");

    let (_, m) = f
        .get(
            &format!("messages/{}", ids[0]),
            &[("fields", "id,payload(mimeType,headers/name)")],
        )
        .await;
    assert_eq!(m.as_object().unwrap().len(), 2, "{m}");
    assert_eq!(m["payload"]["mimeType"], "text/plain");
    assert_eq!(m["payload"]["headers"][0], json!({"name": "From"}));

    let (status, body) = f
        .get("messages/ffffffffffffffff", &[("fields", "id")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_envelope_shape(&body, 404, "NOT_FOUND", "global", "notFound");

    let (status, body) = f.get("profile", &[("fields", "emailAddress(")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["message"],
        "Invalid field selection emailAddress("
    );
}

fn mail(n: usize, from: &str, to: &str, subject: &str, date: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n\
         Message-ID: <q{n}@example.org>\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn q_selects_by_each_operator_helpr_uses() {
    let f = Fixture::new().await;
    f.emulator.freeze_clock();
    let ids = f.emulator.seed_messages(vec![
        mail(
            0,
            "Alice <alice@example.org>",
            ACCOUNT,
            "Budget review",
            "Mon, 1 Jan 2024 10:00:00 +0000",
            "Numbers attached.",
        ),
        mail(
            1,
            "bob@example.net",
            &format!("{ACCOUNT}, carol@example.com"),
            "Lunch",
            "Fri, 5 Jan 2024 10:00:00 +0000",
            "Ramen at noon?",
        ),
        mail(
            2,
            ACCOUNT,
            "alice@example.org",
            "Re: Budget review",
            "Wed, 10 Jan 2024 10:00:00 +0000",
            "Fine by me.",
        ),
    ]);
    let newest = f.emulator.add_message(
        b"From: dave@example.org\r\nTo: user@example.com\r\nSubject: Photo\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee.\r\n\
--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png\r\n\r\nPNG\r\n--b--\r\n"
            .to_vec(),
        &["INBOX"],
    );
    f.emulator
        .modify_message(&ids[1], &["STARRED"], &["UNREAD"]);
    let trash = f.emulator.add_message(
        mail(
            9,
            "eve@example.org",
            ACCOUNT,
            "Budget spam",
            "Tue, 2 Jan 2024 10:00:00 +0000",
            "x",
        ),
        &["TRASH"],
    );
    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("budget", vec![&ids[2], &ids[0]]),
        ("ramen", vec![&ids[1]]),
        ("\"at noon\"", vec![&ids[1]]),
        ("from:alice@example.org", vec![&ids[0]]),
        ("to:carol@example.com", vec![&ids[1]]),
        ("subject:lunch", vec![&ids[1]]),
        ("in:sent", vec![&ids[2]]),
        ("label:starred", vec![&ids[1]]),
        ("is:unread", vec![&ids[0]]),
        ("is:read", vec![&newest, &ids[2], &ids[1]]),
        ("has:attachment", vec![&newest]),
        ("after:2024/01/02 before:2024/01/10", vec![&ids[1]]),
        ("newer_than:1d", vec![&newest]),
        ("older_than:1d", vec![&ids[2], &ids[1], &ids[0]]),
        ("budget -in:sent", vec![&ids[0]]),
        ("from:bob OR from:dave", vec![&newest, &ids[1]]),
        ("in:trash", vec![&trash]),
        ("budget in:anywhere", vec![&ids[2], &trash, &ids[0]]),
    ];
    for (q, wanted) in cases {
        let (status, body) = f.get("messages", &[("q", q)]).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        let wanted: Vec<String> = wanted.into_iter().cloned().collect();
        assert_eq!(listed(&body, "messages"), wanted, "q={q}");
        assert_eq!(body["resultSizeEstimate"], wanted.len(), "q={q}");
    }
    f.emulator.advance_clock(Duration::from_secs(2 * 86_400));
    let (_, body) = f.get("messages", &[("q", "newer_than:1d")]).await;
    assert_eq!(
        listed(&body, "messages"),
        Vec::<String>::new(),
        "newer_than follows the emulator's clock"
    );
}

#[tokio::test]
async fn bad_and_unsupported_queries_and_alt_are_refused_in_the_envelope() {
    let f = Fixture::new().await;
    for q in [
        "(budget",
        "\"open",
        "after:someday",
        "larger:5M",
        "is:muted",
        "from:",
    ] {
        let (status, body) = f.get("messages", &[("q", q)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert_envelope_shape(&body, 400, "INVALID_ARGUMENT", "global", "invalidArgument");
    }
    let (status, body) = f.get("profile", &[("alt", "media")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = f
        .get("profile", &[("alt", "json"), ("prettyPrint", "false")])
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_access_token_query_parameter_stands_for_the_header() {
    let f = Fixture::new().await;
    let url = format!("{}/profile", f.emulator.gmail_url());
    let (status, body) = common::send(f.http.get(&url).query(&[("access_token", &f.token)])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["emailAddress"], ACCOUNT);
    let (status, _) = common::send(f.http.get(&url).query(&[("access_token", "ya29.nope")])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
