//! The batch endpoint over a real socket: a `multipart/mixed` body of `application/http`
//! calls (bare-LF, as Google's Python client writes it) answered in order, one
//! `Content-ID: <response-…>` part each, every call through the same handler as alone: the
//! outer token applies unless a part brings its own, a part's 404 or 401 stays in its part,
//! `fields=` applies per call, and a body that is no batch is refused in Google's envelope.

mod common;

use common::{message, Fixture};
use reqwest::StatusCode;
use serde_json::Value;

/// A call as a part: request line, headers, blank line, body.
fn part(id: &str, request: &str) -> String {
    format!(
        "--BOUNDARY\nContent-Type: application/http\nContent-Transfer-Encoding: binary\n\
         Content-ID: <{id}>\n\n{request}\n"
    )
}

/// Each answered part: its Content-ID, status and JSON body (Null when empty).
fn parts(content_type: &str, body: &str) -> Vec<(String, u16, Value)> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .trim_matches('"');
    body.split(&format!("--{boundary}"))
        .filter(|p| p.starts_with("\r\n"))
        .map(|p| {
            let (head, http) = p.split_once("\r\n\r\n").expect("part headers");
            assert!(head.contains("Content-Type: application/http"), "{head}");
            let id = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-ID: "))
                .unwrap_or_default()
                .to_owned();
            let (status_line, rest) = http.split_once("\r\n").unwrap();
            let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
            let (_, json) = rest.split_once("\r\n\r\n").unwrap();
            let json = json.trim_end_matches("\r\n");
            let value = if json.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(json).unwrap()
            };
            (id, status, value)
        })
        .collect()
}

async fn batch(
    f: &Fixture,
    path: &str,
    token: Option<&str>,
    body: String,
) -> (StatusCode, String, String) {
    let mut request = f
        .http
        .post(format!("{}{path}", f.base()))
        .header("content-type", "multipart/mixed; boundary=\"BOUNDARY\"")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn calls_are_answered_in_order_each_as_if_sent_alone() {
    let f = Fixture::new().await;
    let ids = f
        .emulator
        .seed_messages(vec![message(1, "One"), message(2, "Two")]);
    let body = [
        part("uuid + 1", &format!("GET /gmail/v1/users/me/messages/{}?format=minimal&alt=json HTTP/1.1\nHost: x\n", ids[0])),
        part("uuid + 2", &format!(
            "POST /gmail/v1/users/me/messages/{}/modify?alt=json HTTP/1.1\nContent-Type: application/json\n\
             content-length: 28\n\n{{\"addLabelIds\": [\"STARRED\"]}}", ids[1])),
        part("uuid + 3", "GET /gmail/v1/users/me/messages/ffffffffffffffff HTTP/1.1\n"),
        part("uuid + 4", "GET /gmail/v1/users/me/profile?fields=emailAddress HTTP/1.1\n"),
        part("uuid + 5", "DELETE /gmail/v1/users/me/messages/ffffffffffffffff HTTP/1.1\n"),
    ]
    .concat()
        + "--BOUNDARY--\n";
    let (status, content_type, text) =
        batch(&f, "/batch/gmail/v1", Some(&f.token), body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        content_type.starts_with("multipart/mixed; boundary="),
        "{content_type}"
    );
    let answered = parts(&content_type, &text);
    let ids_answered: Vec<&str> = answered.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(
        ids_answered,
        [
            "<response-uuid + 1>",
            "<response-uuid + 2>",
            "<response-uuid + 3>",
            "<response-uuid + 4>",
            "<response-uuid + 5>"
        ]
    );
    assert_eq!(answered[0].1, 200);
    assert_eq!(answered[0].2["id"], ids[0].as_str());
    assert!(
        answered[0].2.get("payload").is_none(),
        "format=minimal reached the call"
    );
    assert_eq!(answered[1].1, 200);
    assert!(f
        .emulator
        .message(&ids[1])
        .unwrap()
        .label_ids
        .contains(&"STARRED".to_owned()));
    assert_eq!(answered[2].1, 404);
    assert_eq!(answered[2].2["error"]["status"], "NOT_FOUND");
    assert_eq!(
        answered[3].2,
        serde_json::json!({"emailAddress": common::ACCOUNT})
    );
    assert_eq!(answered[4].1, 404);

    // The discovery document's batchPath answers the same way.
    let (status, content_type, text) = batch(&f, "/batch", Some(&f.token), body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parts(&content_type, &text).len(), 5);
}

#[tokio::test]
async fn a_parts_own_token_wins_and_a_batch_without_any_gets_401_per_part() {
    let f = Fixture::new().await;
    let body = [
        part("a", "GET /gmail/v1/users/me/profile HTTP/1.1\n"),
        part(
            "b",
            "GET /gmail/v1/users/me/profile HTTP/1.1\nAuthorization: Bearer ya29.not-issued\n",
        ),
    ]
    .concat()
        + "--BOUNDARY--\n";
    let (_, content_type, text) = batch(&f, "/batch/gmail/v1", Some(&f.token), body.clone()).await;
    let answered = parts(&content_type, &text);
    assert_eq!(answered[0].1, 200, "the outer token");
    assert_eq!(answered[1].1, 401, "the part's own, bad, token");
    assert_eq!(answered[1].2["error"]["status"], "UNAUTHENTICATED");

    let (status, content_type, text) = batch(&f, "/batch/gmail/v1", None, body).await;
    assert_eq!(status, StatusCode::OK, "the batch itself needs no token");
    let statuses: Vec<u16> = parts(&content_type, &text).iter().map(|p| p.1).collect();
    assert_eq!(statuses, [401, 401]);
}

#[tokio::test]
async fn bodies_that_are_no_batch_are_refused_in_googles_envelope() {
    let f = Fixture::new().await;
    let (status, body) = f
        .post_to("/batch/gmail/v1", "application/json", b"{}".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    common::assert_envelope_shape(&body, 400, "INVALID_ARGUMENT", "global", "invalidArgument");
    let not_http = "--BOUNDARY\nContent-Type: text/plain\n\nhello\n--BOUNDARY--\n";
    let (status, _, text) = batch(&f, "/batch/gmail/v1", Some(&f.token), not_http.into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    let many =
        part("x", "GET /gmail/v1/users/me/profile HTTP/1.1\n").repeat(101) + "--BOUNDARY--\n";
    let (status, _, text) = batch(&f, "/batch/gmail/v1", Some(&f.token), many).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("more than 100"), "{text}");
    let (status, body) = common::send(f.http.get(format!("{}/batch/gmail/v1", f.base()))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "GET is no batch");
    assert_eq!(body["error"]["status"], "NOT_FOUND");
}
