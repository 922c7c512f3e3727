//! Every answer leaves the connection usable or says `Connection: close`, over a raw TCP
//! socket (HTTP/1.1 keep-alive, as httplib2 and reqwest reuse it): a POST answered 404 or 501
//! before its body means anything, a 400, a GET after each, all on one socket; a body over
//! the limit gets 413 with `Connection: close`. Also: unknown paths anywhere under the Gmail
//! prefixes and discovery methods the emulator lacks answer Google's JSON envelope.

mod common;

use common::Fixture;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One response read off `stream`: status, headers (lowercase names), body.
async fn read_response(stream: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = stream.read_u8().await.expect("the connection stays open");
        head.push(byte);
    }
    let head = String::from_utf8(head).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    (status, headers, body)
}

fn request(method: &str, path: &str, token: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: message/rfc822\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[tokio::test]
async fn errors_on_posts_with_unread_bodies_keep_the_connection_open() {
    let f = Fixture::new().await;
    let addr = f
        .emulator
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = BufReader::new(TcpStream::connect(&addr).await.unwrap());
    let big = vec![b'x'; 300_000];
    let steps: [(&str, &str, &[u8], u16); 5] = [
        (
            "POST",
            "/upload/gmail/v1/users/me/nosuch?uploadType=media",
            &big,
            404,
        ),
        ("GET", "/gmail/v1/users/me/profile", b"", 200),
        (
            "POST",
            "/upload/gmail/v1/users/me/messages?uploadType=media",
            &big,
            501,
        ),
        (
            "POST",
            "/gmail/v1/users/me/messages/ffffffffffffffff/modify",
            &big,
            400,
        ),
        ("GET", "/gmail/v1/users/me/labels", b"", 200),
    ];
    for (method, path, body, wanted) in steps {
        stream
            .get_mut()
            .write_all(&request(method, path, &f.token, body))
            .await
            .unwrap();
        let (status, headers, _) = read_response(&mut stream).await;
        assert_eq!(status, wanted, "{method} {path}");
        assert!(
            !headers
                .iter()
                .any(|(n, v)| n == "connection" && v == "close"),
            "{method} {path} closed the connection"
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_and_connection_close() {
    let f = Fixture::new().await;
    let addr = f
        .emulator
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = BufReader::new(TcpStream::connect(&addr).await.unwrap());
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n",
        1024 * 1024
    );
    stream.get_mut().write_all(head.as_bytes()).await.unwrap();
    // Send more than the 64 KiB token-form limit; the emulator may stop reading early.
    let _ = stream.get_mut().write_all(&vec![b'a'; 128 * 1024]).await;
    let (status, headers, _) = read_response(&mut stream).await;
    assert_eq!(status, 413);
    assert!(
        headers.contains(&("connection".into(), "close".into())),
        "{headers:?}"
    );
}

#[tokio::test]
async fn unknown_paths_and_missing_methods_under_the_gmail_prefixes_answer_json() {
    let f = Fixture::new().await;
    let base = f.base();
    let cases = [
        ("GET", "/gmail/v1/users/me/nosuch", 404, "NOT_FOUND"),
        ("GET", "/gmail/v1/nosuch", 404, "NOT_FOUND"),
        ("GET", "/gmail/v2/users/me/profile", 404, "NOT_FOUND"),
        ("PUT", "/gmail/v1/users/me/messages/abc", 404, "NOT_FOUND"),
        (
            "GET",
            "/upload/gmail/v1/users/me/messages/send",
            404,
            "NOT_FOUND",
        ),
        ("GET", "/batch/gmail/v2", 404, "NOT_FOUND"),
        ("GET", "/gmail/v1/users/me/drafts", 501, "UNIMPLEMENTED"),
        (
            "POST",
            "/gmail/v1/users/me/messages/batchModify",
            501,
            "UNIMPLEMENTED",
        ),
        (
            "GET",
            "/gmail/v1/users/me/settings/filters",
            501,
            "UNIMPLEMENTED",
        ),
        (
            "DELETE",
            "/gmail/v1/users/me/threads/abc",
            501,
            "UNIMPLEMENTED",
        ),
    ];
    for (method, path, code, status_name) in cases {
        let request = f
            .http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth(&f.token);
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), code, "{method} {path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("application/json"),
            "{method} {path}: {content_type}"
        );
        let body: serde_json::Value =
            serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(body["error"]["code"], code, "{method} {path}");
        assert_eq!(body["error"]["status"], status_name, "{method} {path}");
        assert!(body["error"]["errors"][0]["reason"].is_string());
    }
    // Outside the prefixes nothing changes.
    let response = f.http.get(format!("{base}/nosuch")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
