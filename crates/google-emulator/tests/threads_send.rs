//! threads.list / threads.get and messages.send in its three forms (JSON `raw`, the
//! `uploadType=media` and `uploadType=multipart` uploads) over a real socket, and the errors
//! around them in Google's envelope: thread ids are the messages' `threadId`s, a reply sent
//! with `threadId` and references joins the thread, the uploaded bytes are stored exactly,
//! and every refused upload (no `uploadType`, resumable, a non-`message/*` body, another
//! upload method) answers JSON.

mod common;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use common::{assert_envelope_shape, listed, message, message_with, Fixture, ACCOUNT};
use reqwest::StatusCode;
use serde_json::json;

/// Three threads: `Plan` with its reply, `Other`, `Third`. Quota off: a send costs 100 of
/// the 250 units a second, and these tests send more than twice.
async fn seeded() -> (Fixture, Vec<String>) {
    let f = Fixture::new().await;
    f.emulator.set_quota(None);
    let ids = f.emulator.seed_messages(vec![
        message(1, "Plan"),
        message_with(2, "Re: Plan", "In-Reply-To: <m1@example.org>\r\n"),
        message(3, "Other"),
        message(4, "Third"),
    ]);
    (f, ids)
}

#[tokio::test]
async fn threads_list_pages_threads_newest_first_with_the_messages_thread_ids() {
    let (f, ids) = seeded().await;
    let (status, first) = f.get("threads", &[("maxResults", "2")]).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["resultSizeEstimate"], 3);
    let token = first["nextPageToken"].as_str().unwrap().to_owned();
    let (_, second) = f
        .get("threads", &[("maxResults", "2"), ("pageToken", &token)])
        .await;
    assert!(second.get("nextPageToken").is_none(), "{second}");
    let threads: Vec<String> = [listed(&first, "threads"), listed(&second, "threads")].concat();
    let thread = |i: usize| f.emulator.message(&ids[i]).unwrap().thread_id;
    assert_eq!(
        threads,
        vec![thread(3), thread(2), thread(0)],
        "newest first"
    );
    assert_eq!(thread(0), thread(1), "the reply shares its parent's thread");
    let plan = &second["threads"][0];
    assert_eq!(
        plan["snippet"], "Hello number 2.",
        "the newest message's snippet"
    );
    let newest = f.emulator.message(&ids[1]).unwrap().history_id;
    assert_eq!(plan["historyId"], newest.to_string());

    let (_, filtered) = f.get("threads", &[("q", "subject:plan")]).await;
    assert_eq!(listed(&filtered, "threads"), vec![thread(0)]);
    f.emulator.modify_message(&ids[2], &["TRASH"], &[]);
    let (_, without_trash) = f.get("threads", &[]).await;
    assert_eq!(
        listed(&without_trash, "threads"),
        vec![thread(3), thread(0)]
    );
}

#[tokio::test]
async fn threads_get_serves_every_message_oldest_first_in_the_format_asked() {
    let (f, ids) = seeded().await;
    let thread_id = f.emulator.message(&ids[1]).unwrap().thread_id;
    let (status, full) = f.get(&format!("threads/{thread_id}"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{full}");
    assert_eq!(full["id"], thread_id.as_str());
    assert_eq!(
        listed(&full, "messages"),
        vec![ids[0].clone(), ids[1].clone()]
    );
    assert!(full["messages"][0]["payload"]["headers"].is_array());
    let newest = f.emulator.message(&ids[1]).unwrap().history_id;
    assert_eq!(full["historyId"], newest.to_string());

    let (_, metadata) = f
        .get(
            &format!("threads/{thread_id}"),
            &[("format", "metadata"), ("metadataHeaders", "Subject")],
        )
        .await;
    let headers = &metadata["messages"][1]["payload"]["headers"];
    assert_eq!(headers, &json!([{"name": "Subject", "value": "Re: Plan"}]));
    let (_, minimal) = f
        .get(&format!("threads/{thread_id}"), &[("format", "minimal")])
        .await;
    assert!(minimal["messages"][0].get("payload").is_none());

    let (status, body) = f
        .get(&format!("threads/{thread_id}"), &[("format", "raw")])
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "raw is not a thread format"
    );
    assert_envelope_shape(&body, 400, "INVALID_ARGUMENT", "global", "invalidArgument");
    let (status, body) = f.get("threads/ffffffffffffffff", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_envelope_shape(&body, 404, "NOT_FOUND", "global", "notFound");
}

fn outgoing(subject: &str, extra: &str) -> Vec<u8> {
    format!(
        "From: {ACCOUNT}\r\nTo: bob@example.org\r\nSubject: {subject}\r\n{extra}\
         Message-ID: <out-{}@example.com>\r\n\r\nOutgoing.\r\n",
        subject.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn send_with_json_raw_stores_sent_mail_and_joins_a_thread_only_by_the_rules() {
    let (f, ids) = seeded().await;
    let before = f.emulator.history_id();
    let raw = outgoing("Fresh", "");
    let (status, sent) = f
        .post("messages/send", &json!({"raw": URL_SAFE.encode(&raw)}))
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    let id = sent["id"].as_str().unwrap();
    let stored = f.emulator.message(id).unwrap();
    assert_eq!(stored.raw, raw, "the exact bytes");
    assert_eq!(sent["threadId"], id, "a new thread");
    assert!(f.emulator.history_id() > before, "a messagesAdded record");

    // Unpadded base64url is accepted too; threadId + references + subject join the thread.
    let thread_id = f.emulator.message(&ids[0]).unwrap().thread_id;
    let reply = outgoing("Re: Plan", "In-Reply-To: <m1@example.org>\r\n");
    let unpadded = URL_SAFE.encode(&reply).trim_end_matches('=').to_owned();
    let (status, sent) = f
        .post(
            "messages/send",
            &json!({"raw": unpadded, "threadId": thread_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["threadId"], thread_id.as_str());

    // The threadId alone does not join when the subject differs.
    let stranger = outgoing("Different", "In-Reply-To: <m1@example.org>\r\n");
    let (_, sent) = f
        .post(
            "messages/send",
            &json!({"raw": URL_SAFE.encode(&stranger), "threadId": thread_id}),
        )
        .await;
    assert_ne!(sent["threadId"], thread_id.as_str());
}

#[tokio::test]
async fn send_refuses_what_google_refuses() {
    let (f, _) = seeded().await;
    let cases = [
        (json!({}), StatusCode::BAD_REQUEST, "'raw' RFC822 payload"),
        (json!({"raw": "***"}), StatusCode::BAD_REQUEST, "Base64"),
        (
            json!({"raw": URL_SAFE.encode(b"Subject: nobody\r\n\r\nhi\r\n")}),
            StatusCode::BAD_REQUEST,
            "Recipient address required",
        ),
        (
            json!({"raw": URL_SAFE.encode(outgoing("x", "")), "threadId": "ffffffffffffffff"}),
            StatusCode::NOT_FOUND,
            "not found",
        ),
    ];
    for (body, code, words) in cases {
        let (status, answer) = f.post("messages/send", &body).await;
        assert_eq!(status, code, "{body} → {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{message}");
    }
    assert_eq!(f.emulator.history().len(), 4, "nothing stored");
}

#[tokio::test]
async fn media_and_multipart_uploads_send_the_uploaded_message() {
    let (f, ids) = seeded().await;
    let path = "/upload/gmail/v1/users/me/messages/send";
    let raw = outgoing("Uploaded", "");
    let (status, sent) = f
        .post_to(
            &format!("{path}?uploadType=media"),
            "message/rfc822",
            raw.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(
        f.emulator
            .message(sent["id"].as_str().unwrap())
            .unwrap()
            .raw,
        raw
    );

    // multipart/related as google-api-python-client writes it: bare LF around CRLF mail.
    let thread_id = f.emulator.message(&ids[0]).unwrap().thread_id;
    let reply = outgoing("Re: Plan", "References: <m1@example.org>\r\n");
    let mut body = format!(
        "--==b==\nContent-Type: application/json\nMIME-Version: 1.0\n\n\
         {{\"threadId\": \"{thread_id}\"}}\n--==b==\nContent-Type: message/rfc822\n\
         MIME-Version: 1.0\nContent-Transfer-Encoding: binary\n\n"
    )
    .into_bytes();
    body.extend_from_slice(&reply);
    body.extend_from_slice(b"\n--==b==--\n");
    let (status, sent) = f
        .post_to(
            &format!("{path}?uploadType=multipart&alt=json"),
            "multipart/related; boundary=\"==b==\"",
            body,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(
        sent["threadId"],
        thread_id.as_str(),
        "the metadata's threadId"
    );
    assert_eq!(
        f.emulator
            .message(sent["id"].as_str().unwrap())
            .unwrap()
            .raw,
        reply
    );
}

#[tokio::test]
async fn refused_uploads_answer_googles_envelope() {
    let (f, _) = seeded().await;
    let raw = outgoing("x", "");
    let cases = [
        (
            "/upload/gmail/v1/users/me/messages/send",
            "message/rfc822",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            "/upload/gmail/v1/users/me/messages/send?uploadType=resumable",
            "message/rfc822",
            501,
            "UNIMPLEMENTED",
        ),
        (
            "/upload/gmail/v1/users/me/messages/send?uploadType=chunky",
            "message/rfc822",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            "/upload/gmail/v1/users/me/messages/send?uploadType=media",
            "text/plain",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            "/upload/gmail/v1/users/me/messages/send?uploadType=multipart",
            "message/rfc822",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            "/upload/gmail/v1/users/me/messages?uploadType=media",
            "message/rfc822",
            501,
            "UNIMPLEMENTED",
        ),
        (
            "/upload/gmail/v1/users/me/messages/import?uploadType=media",
            "message/rfc822",
            501,
            "UNIMPLEMENTED",
        ),
        (
            "/upload/gmail/v1/users/me/labels?uploadType=media",
            "message/rfc822",
            404,
            "NOT_FOUND",
        ),
    ];
    for (path, content_type, code, status_name) in cases {
        let (status, body) = f.post_to(path, content_type, raw.clone()).await;
        assert_eq!(status.as_u16(), code, "{path} {content_type}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
        assert_eq!(body["error"]["status"], status_name, "{path}: {body}");
        assert!(body["error"]["errors"][0]["reason"].is_string(), "{body}");
    }
    assert_eq!(f.emulator.history().len(), 4, "nothing stored");
}
