//! The emulator's first Gmail endpoints from outside, over a real socket with reqwest and a
//! bearer token got through the emulator's own OAuth flow (auto-approve, PKCE, code
//! exchange): 401s, the userId rule, getProfile, labels.list, messages.list paging and
//! filters, the four messages.get formats, attachments.get, and Google's error envelope
//! (google-protocols.md §2.1–2.6, §2.9, §5).

mod common;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use common::{message_with as message, send, Fixture, ACCOUNT};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

/// Google's envelope for Gmail's errors, whose domain is always `global` here.
fn assert_envelope(body: &Value, code: u16, status: &str, reason: &str) {
    common::assert_envelope_shape(body, code, status, "global", reason);
}

#[tokio::test]
async fn missing_unknown_and_expired_tokens_get_401() {
    let f = Fixture::new().await;
    let url = format!("{}/profile", f.emulator.gmail_url());
    let (status, body) = send(f.http.get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_envelope(&body, 401, "UNAUTHENTICATED", "authError");
    assert_eq!(body["error"]["errors"][0]["location"], "Authorization");

    let (status, body) = send(f.http.get(&url).bearer_auth("ya29.not-issued")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_envelope(&body, 401, "UNAUTHENTICATED", "authError");

    let (status, _) = f.get("profile", &[]).await;
    assert_eq!(status, StatusCode::OK, "the live token works");
    f.emulator.advance_clock(Duration::from_secs(3600));
    let (status, body) = f.get("profile", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_envelope(&body, 401, "UNAUTHENTICATED", "authError");
}

#[tokio::test]
async fn another_user_id_is_refused_and_the_account_email_is_accepted() {
    let f = Fixture::new().await;
    let base = f.emulator.gmail_url();
    let base = base.trim_end_matches("me");
    let (status, body) = send(
        f.http
            .get(format!("{base}someone@example.org/profile"))
            .bearer_auth(&f.token),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_envelope(&body, 403, "PERMISSION_DENIED", "forbidden");

    let (status, body) = send(
        f.http
            .get(format!("{base}{ACCOUNT}/profile"))
            .bearer_auth(&f.token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["emailAddress"], ACCOUNT);
}

#[tokio::test]
async fn profile_counts_messages_and_threads_with_history_id_as_a_string() {
    let f = Fixture::new().await;
    let (_, empty) = f.get("profile", &[]).await;
    f.emulator.seed_messages(vec![
        message(1, "Plan", ""),
        message(2, "Re: Plan", "In-Reply-To: <m1@example.org>\r\n"),
        message(3, "Other", ""),
    ]);
    let (status, body) = f.get("profile", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["emailAddress"], ACCOUNT);
    assert_eq!(body["messagesTotal"], 3);
    assert_eq!(body["threadsTotal"], 2);
    let history: u64 = body["historyId"].as_str().unwrap().parse().unwrap();
    let before: u64 = empty["historyId"].as_str().unwrap().parse().unwrap();
    assert!(history > before);
    assert_eq!(history, f.emulator.history_id());
}

#[tokio::test]
async fn labels_list_system_and_user_labels() {
    let f = Fixture::new().await;
    let receipts = f.emulator.create_label("Receipts");
    let (status, body) = f.get("labels", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let labels = body["labels"].as_array().unwrap();
    for system in [
        "INBOX", "SENT", "UNREAD", "STARRED", "TRASH", "SPAM", "DRAFT",
    ] {
        let label = labels.iter().find(|l| l["id"] == system).unwrap();
        assert_eq!(label["name"], system);
        assert_eq!(label["type"], "system");
    }
    let user = labels
        .iter()
        .find(|l| l["id"] == receipts.as_str())
        .unwrap();
    assert!(receipts.starts_with("Label_"));
    assert_eq!(user["name"], "Receipts");
    assert_eq!(user["type"], "user");
    assert_eq!(user["messageListVisibility"], "show");
    assert_eq!(user["labelListVisibility"], "labelShow");
    for label in labels {
        let keys: HashSet<&str> = label
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let allowed: HashSet<&str> = [
            "id",
            "name",
            "type",
            "messageListVisibility",
            "labelListVisibility",
        ]
        .into();
        assert!(keys.is_subset(&allowed), "{label}");
    }
}

#[tokio::test]
async fn list_pages_cover_every_message_once_newest_first() {
    let f = Fixture::new().await;
    let raw: Vec<Vec<u8>> = (0..27).map(|n| message(n, &format!("S{n}"), "")).collect();
    let ids = f.emulator.seed_messages(raw);
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut query = vec![("maxResults", "5")];
        if !token.is_empty() {
            query.push(("pageToken", &token));
        }
        let (status, body) = f.get("messages", &query).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["resultSizeEstimate"], 27);
        let page = body["messages"].as_array().unwrap();
        assert!(page.len() <= 5);
        for m in page {
            assert_eq!(m.as_object().unwrap().len(), 2, "only id and threadId: {m}");
            seen.push(m["id"].as_str().unwrap().to_owned());
        }
        match body["nextPageToken"].as_str() {
            Some(next) => token = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 27);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 27, "no message twice");
    let dates: Vec<i64> = seen
        .iter()
        .map(|id| f.emulator.message(id).unwrap().internal_date)
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(unique, ids.iter().collect::<HashSet<_>>());

    let (_, body) = f.get("messages", &[]).await;
    assert_eq!(
        body["messages"].as_array().unwrap().len(),
        27,
        "default page is 100"
    );
    assert!(body.get("nextPageToken").is_none());
    let (status, body) = f.get("messages", &[("pageToken", "garbage")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "INVALID_ARGUMENT", "invalidArgument");
}

#[tokio::test]
async fn label_filter_needs_every_label_and_spam_trash_stay_hidden() {
    let f = Fixture::new().await;
    let work = f.emulator.create_label("Work");
    let inbox_work = f
        .emulator
        .add_message(message(1, "a", ""), &["INBOX", work.as_str()]);
    let inbox = f.emulator.add_message(message(2, "b", ""), &["INBOX"]);
    let trash = f
        .emulator
        .add_message(message(3, "c", ""), &["TRASH", work.as_str()]);
    let ids = |body: &Value| -> Vec<String> {
        body["messages"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| m["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, body) = f.get("messages", &[("labelIds", "INBOX")]).await;
    assert_eq!(ids(&body), vec![inbox.clone(), inbox_work.clone()]);
    let (_, body) = f
        .get("messages", &[("labelIds", "INBOX"), ("labelIds", &work)])
        .await;
    assert_eq!(ids(&body), vec![inbox_work.clone()]);
    let (_, body) = f.get("messages", &[("labelIds", &work)]).await;
    assert_eq!(
        ids(&body),
        vec![inbox_work.clone()],
        "trash hidden by default"
    );
    let (_, body) = f
        .get(
            "messages",
            &[("labelIds", &work), ("includeSpamTrash", "true")],
        )
        .await;
    assert_eq!(ids(&body), vec![trash.clone(), inbox_work.clone()]);
    let (_, body) = f.get("messages", &[]).await;
    assert_eq!(ids(&body).len(), 2);
    let (_, body) = f.get("messages", &[("labelIds", "STARRED")]).await;
    assert!(body.get("messages").is_none());
    assert_eq!(body["resultSizeEstimate"], 0);
}

const MULTIPART: &str = "From: Bob <bob@example.org>\r\n\
To: user@example.com\r\n\
Subject: =?UTF-8?Q?Report_=E2=9C=93?=\r\n\
Date: Mon, 3 Jun 2024 16:00:00 +0000\r\n\
Message-ID: <report@example.org>\r\n\
X-Folded: one\r\n two\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=\"UTF-8\"\r\n\
\r\n\
Hi Alice, the report is attached\r\n\
--b1\r\n\
Content-Type: application/octet-stream; name=\"data.bin\"\r\n\
Content-Disposition: attachment; filename=\"data.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
AAEC//79gIE=\r\n\
--b1--\r\n";

#[tokio::test]
async fn raw_round_trips_the_exact_bytes() {
    let f = Fixture::new().await;
    let bytes = MULTIPART.as_bytes().to_vec();
    let id = f.emulator.seed_messages(vec![bytes.clone()]).remove(0);
    let (status, body) = f.get(&format!("messages/{id}"), &[("format", "raw")]).await;
    assert_eq!(status, StatusCode::OK);
    let raw = body["raw"].as_str().unwrap();
    assert!(!raw.contains('+') && !raw.contains('/'), "base64url");
    assert_eq!(URL_SAFE.decode(raw).unwrap(), bytes);
    assert!(body.get("payload").is_none());
    assert_eq!(body["sizeEstimate"], bytes.len());
}

#[tokio::test]
async fn minimal_metadata_and_full_have_their_shapes() {
    let f = Fixture::new().await;
    let id = f
        .emulator
        .seed_messages(vec![MULTIPART.as_bytes().to_vec()])
        .remove(0);
    assert_eq!(id.len(), 16);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));

    let (status, minimal) = f
        .get(&format!("messages/{id}"), &[("format", "minimal")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(minimal["id"], id.as_str());
    assert_eq!(
        minimal["threadId"],
        id.as_str(),
        "a thread's first message names it"
    );
    assert_eq!(minimal["labelIds"], serde_json::json!(["INBOX", "UNREAD"]));
    assert_eq!(minimal["internalDate"], "1717430400000", "ms as a string");
    assert!(minimal["historyId"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
    assert!(minimal["sizeEstimate"].is_u64());
    assert!(minimal["snippet"]
        .as_str()
        .unwrap()
        .starts_with("Hi Alice, the report is attached"));
    assert!(minimal.get("payload").is_none() && minimal.get("raw").is_none());

    let (_, metadata) = f
        .get(
            &format!("messages/{id}"),
            &[
                ("format", "metadata"),
                ("metadataHeaders", "subject"),
                ("metadataHeaders", "X-Folded"),
            ],
        )
        .await;
    let payload = &metadata["payload"];
    assert_eq!(payload["mimeType"], "multipart/mixed");
    assert_eq!(
        payload["headers"],
        serde_json::json!([
            {"name": "Subject", "value": "Report ✓"},
            {"name": "X-Folded", "value": "one two"},
        ])
    );
    assert!(payload.get("parts").is_none());
    assert!(metadata.get("raw").is_none());

    let (_, full) = f.get(&format!("messages/{id}"), &[]).await;
    let payload = &full["payload"];
    assert_eq!(payload["partId"], "");
    assert_eq!(payload["body"], serde_json::json!({"size": 0}));
    let headers = payload["headers"].as_array().unwrap();
    assert!(headers
        .iter()
        .any(|h| h["name"] == "Message-ID" && h["value"] == "<report@example.org>"));
    let parts = payload["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["partId"], "0");
    assert_eq!(parts[0]["mimeType"], "text/plain");
    assert_eq!(parts[0]["filename"], "");
    let text = URL_SAFE
        .decode(parts[0]["body"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(text).unwrap().trim_end(),
        "Hi Alice, the report is attached"
    );
    assert_eq!(parts[1]["partId"], "1");
    assert_eq!(parts[1]["mimeType"], "application/octet-stream");
    assert_eq!(parts[1]["filename"], "data.bin");
    assert_eq!(parts[1]["body"]["size"], 8);
    assert!(parts[1]["body"].get("data").is_none());
    assert!(parts[1]["body"]["attachmentId"].is_string());
}

#[tokio::test]
async fn attachment_data_round_trips() {
    let f = Fixture::new().await;
    let id = f
        .emulator
        .seed_messages(vec![MULTIPART.as_bytes().to_vec()])
        .remove(0);
    let (_, full) = f.get(&format!("messages/{id}"), &[]).await;
    let attachment = full["payload"]["parts"][1]["body"]["attachmentId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = f
        .get(&format!("messages/{id}/attachments/{attachment}"), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["size"], 8);
    let data = URL_SAFE.decode(body["data"].as_str().unwrap()).unwrap();
    assert_eq!(data, [0x00, 0x01, 0x02, 0xff, 0xfe, 0xfd, 0x80, 0x81]);

    let other = f
        .emulator
        .seed_messages(vec![message(9, "x", "")])
        .remove(0);
    let (status, body) = f
        .get(&format!("messages/{other}/attachments/{attachment}"), &[])
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an attachment of another message"
    );
    assert_envelope(&body, 400, "INVALID_ARGUMENT", "invalidArgument");
}

#[tokio::test]
async fn unknown_ids_get_the_404_envelope() {
    let f = Fixture::new().await;
    f.emulator.seed_messages(vec![message(1, "a", "")]);
    for path in [
        "messages/0123456789abcdef",
        "messages/0123456789abcdef/attachments/ANGjdJxyz",
        "nothing-here",
    ] {
        let (status, body) = f.get(path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_envelope(&body, 404, "NOT_FOUND", "notFound");
        assert_eq!(body["error"]["message"], "Requested entity was not found.");
    }
}

#[tokio::test]
async fn a_maildir_seeds_cur_and_new() {
    let f = Fixture::new().await;
    let dir = std::env::temp_dir().join(format!("gmail-maildir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(dir.join("cur/1.host:2,S"), message(1, "a", "")).unwrap();
    std::fs::write(dir.join("new/2.host"), message(2, "b", "")).unwrap();
    std::fs::write(dir.join("tmp/3.host"), message(3, "c", "")).unwrap();
    let ids = f.emulator.seed_maildir(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(ids.len(), 2);
    let (_, body) = f.get("profile", &[]).await;
    assert_eq!(body["messagesTotal"], 2);
}
