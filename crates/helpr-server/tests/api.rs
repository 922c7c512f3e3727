//! The API's edges: bad bodies and paths get clear errors in the wire's shape, another wire
//! version is refused, a refusal never leaves a connection broken, and the OpenAPI document
//! describes exactly the routes the server has.

mod support;

use std::sync::Arc;
use std::time::Duration;

use helpr_proto::error::{ApiError, ErrorCode};
use helpr_proto::requests::CreateTeam;
use support::Rig;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

async fn raw(
    rig: &Rig,
    token: &str,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, ApiError) {
    let http = helpr_team::pin::client(&rig.server.fingerprint);
    let response = http
        .request(method, format!("https://{}{path}", rig.server.addr))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json::<ApiError>().await.unwrap();
    (status, body)
}

#[tokio::test]
async fn malformed_unknown_and_oversized_bodies_are_refused_clearly_and_change_nothing() {
    let rig = Rig::start().await;
    let token = rig
        .sign_in_response(support::OWNER_EMAIL, support::PASSWORD)
        .await
        .unwrap()
        .session_token;
    let post = |ct: &'static str, body: Vec<u8>| {
        let (rig, token) = (&rig, token.clone());
        async move {
            raw(
                rig,
                &token,
                reqwest::Method::POST,
                "/api/v1/teams",
                ct,
                body,
            )
            .await
        }
    };

    let (status, error) = post("application/json", b"{\"name\": ".to_vec()).await;
    assert_eq!((status, error.code), (400, ErrorCode::InvalidInput));
    assert!(
        error.message.contains("not valid JSON"),
        "{}",
        error.message
    );

    let (status, error) = post("application/json", br#"{"name": 5}"#.to_vec()).await;
    assert_eq!((status, error.code), (400, ErrorCode::InvalidInput));
    assert!(error.message.contains("invalid type"), "{}", error.message);

    let (status, error) = post(
        "application/json",
        br#"{"name": "a", "admin": true}"#.to_vec(),
    )
    .await;
    assert_eq!((status, error.code), (400, ErrorCode::InvalidInput));
    assert!(error.message.contains("unknown field"), "{}", error.message);

    let (status, error) = post("application/json", br#"{"name": "  "}"#.to_vec()).await;
    assert_eq!((status, error.code), (400, ErrorCode::InvalidInput));
    assert!(error.message.contains("team name"), "{}", error.message);

    let (status, error) = post("text/plain", br#"{"name": "a"}"#.to_vec()).await;
    assert_eq!((status, error.code), (415, ErrorCode::InvalidInput));

    let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(200_000)).into_bytes();
    let (status, error) = post("application/json", huge).await;
    assert_eq!((status, error.code), (413, ErrorCode::TooLarge));

    // A team of a user who does not exist.
    let owner = rig.owner().await;
    let error = owner
        .create_team(&CreateTeam {
            name: "Support".into(),
            members: vec![helpr_policy::UserId(999_999)],
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidInput));
    assert!(owner.teams().await.unwrap().is_empty());
}

#[tokio::test]
async fn another_wire_version_unknown_paths_and_missing_sessions_are_refused_in_the_wire_s_shape() {
    let rig = Rig::start().await;
    let http = helpr_team::pin::client(&rig.server.fingerprint);
    let base = format!("https://{}", rig.server.addr);

    let response = http
        .get(format!("{base}/api/v1/version"))
        .header(helpr_proto::VERSION_HEADER, "999")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()[helpr_proto::VERSION_HEADER],
        helpr_proto::PROTO_VERSION.to_string()
    );
    let error: ApiError = response.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::UnsupportedVersion);

    let response = http
        .get(format!("{base}/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<ApiError>().await.unwrap().code,
        ErrorCode::NotFound
    );

    for auth in [None, Some("Bearer not-a-token"), Some("Basic b3duZXI6cHc=")] {
        let mut request = http.get(format!("{base}/api/v1/me"));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
        let error: ApiError = response.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::Unauthenticated);
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_every_decided_endpoint() {
    let rig = Rig::start().await;
    let http = helpr_team::pin::client(&rig.server.fingerprint);
    let doc: serde_json::Value = http
        .get(format!("https://{}/api/v1/openapi.json", rig.server.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let documented: std::collections::BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    for endpoint in helpr_server::api::ENDPOINTS {
        assert!(
            documented.contains(&(endpoint.method.to_owned(), endpoint.path.to_owned())),
            "{endpoint:?} is not documented"
        );
    }
    // Every documented operation is routed: none answers "no such endpoint".
    for (method, path) in &documented {
        let concrete = path
            .replace("{user}", "1")
            .replace("{team}", "1")
            .replace("{inbox}", "1")
            .replace("{session}", "1")
            .replace("{thread}", "t1");
        let response = http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("https://{}{concrete}", rig.server.addr),
            )
            .send()
            .await
            .unwrap();
        if response.status() == 404 {
            let error: ApiError = response.json().await.unwrap();
            assert_ne!(error.message, "no such endpoint", "{method} {path}");
        }
    }
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
}

#[tokio::test]
async fn ids_in_the_path_that_do_not_parse_are_refused_in_the_wire_s_shape() {
    let rig = Rig::start().await;
    let owner = rig
        .sign_in_response(support::OWNER_EMAIL, support::PASSWORD)
        .await
        .unwrap();
    let http = helpr_team::pin::client(&rig.server.fingerprint);
    for path in [
        "/api/v1/teams/9223372036854775808",
        "/api/v1/users/abc",
        "/api/v1/inboxes/1/members/x",
    ] {
        let response = http
            .delete(format!("https://{}{path}", rig.server.addr))
            .bearer_auth(&owner.session_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let error: ApiError = response.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::InvalidInput, "{path}");
        assert!(error.message.contains("path"), "{path}: {}", error.message);
    }
}

/// A TLS connection to the rig that trusts its certificate, for requests written by hand.
async fn connect(rig: &Rig) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let config = helpr_team::pin::tls_config(&rig.server.fingerprint);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(rig.server.addr)
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    connector.connect(name, tcp).await.unwrap()
}

/// One response (head and `content-length` body) read off `stream`, or what broke it.
async fn read_response(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return text;
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) => return format!("the connection ended after {text:?}"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return format!("the connection broke ({e}) after {text:?}"),
        }
    }
}

/// A refusal that comes before the request's body has arrived (no session, here) leaves the
/// connection fit for the next request. hyper used to close the connection without a word when
/// the body came after the answer, and the client's next request on it broke; now every body is
/// read before anything answers. A body announced over the limit is refused at once, and the
/// connection closed saying so.
#[tokio::test]
async fn a_refusal_before_the_body_arrived_leaves_the_connection_usable() {
    let rig = Rig::start().await;
    let mut tls = connect(&rig).await;
    let body = br#"{"name": "Support"}"#;
    let head = format!(
        "PATCH /api/v1/teams/1 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer not-a-token\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    tls.write_all(body).await.unwrap();
    tls.flush().await.unwrap();
    let first = read_response(&mut tls).await;
    assert!(first.starts_with("HTTP/1.1 401"), "{first}");
    assert!(
        !first.to_lowercase().contains("connection: close"),
        "{first}"
    );
    tls.write_all(b"GET /api/v1/version HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    tls.flush().await.unwrap();
    let second = read_response(&mut tls).await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");

    let mut tls = connect(&rig).await;
    tls.write_all(
        b"POST /api/v1/teams HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
          content-length: 1000000\r\n\r\n",
    )
    .await
    .unwrap();
    tls.flush().await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), read_response(&mut tls))
        .await
        .expect("a body announced over the limit is refused before it is waited for");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.to_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(answer.contains("too_large"), "{answer}");
}
