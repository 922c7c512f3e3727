//! users.watch / users.stop and the Pub/Sub push sender over real sockets (google-protocols.md
//! §2.8, §3, §7 item 6): a hyper receiver in the test records every POST and answers from a
//! script (default 200). Ordering is the proof: the sender delivers in publication order, so
//! "A was never delivered" is shown by B arriving next.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{message, Fixture, ACCOUNT};
use google_emulator::push::{DEFAULT_PUSH_SERVICE_ACCOUNT, PUSH_SUBSCRIPTION};
use google_emulator::HistoryIdForm;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One POST the receiver got.
#[derive(Debug)]
struct Push {
    authorization: String,
    body: Value,
}

impl Push {
    fn data(&self) -> Value {
        let data = self.body["message"]["data"].as_str().unwrap();
        serde_json::from_slice(&STANDARD.decode(data).unwrap()).unwrap()
    }

    /// historyId as a number, whichever form it came in.
    fn history_id(&self) -> u64 {
        match &self.data()["historyId"] {
            Value::Number(n) => n.as_u64().unwrap(),
            Value::String(s) => s.parse().unwrap(),
            other => panic!("historyId {other}"),
        }
    }

    fn message_id(&self) -> String {
        self.body["message"]["messageId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn attempt(&self) -> u64 {
        self.body["deliveryAttempt"].as_u64().unwrap()
    }
}

struct Receiver {
    url: String,
    pushes: mpsc::UnboundedReceiver<Push>,
    /// Statuses to answer, in order; 200 when empty.
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}/gmail/push", listener.local_addr().unwrap());
        let (tx, pushes) = mpsc::unbounded_channel();
        let script: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let answers = script.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let tx = tx.clone();
                let answers = answers.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let tx = tx.clone();
                            let answers = answers.clone();
                            async move {
                                let authorization = req
                                    .headers()
                                    .get("authorization")
                                    .map(|v| v.to_str().unwrap().to_owned())
                                    .unwrap_or_default();
                                let bytes = req.into_body().collect().await.unwrap().to_bytes();
                                let body = serde_json::from_slice(&bytes).unwrap();
                                let _ = tx.send(Push {
                                    authorization,
                                    body,
                                });
                                let status = answers.lock().unwrap().pop_front().unwrap_or(200);
                                Ok::<_, std::convert::Infallible>(
                                    hyper::Response::builder()
                                        .status(status)
                                        .body(Full::new(Bytes::new()))
                                        .unwrap(),
                                )
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url,
            pushes,
            script,
        }
    }

    /// The next POST (a hang guard, not a timing assertion).
    async fn next(&mut self) -> Push {
        tokio::time::timeout(Duration::from_secs(60), self.pushes.recv())
            .await
            .expect("a push within a minute")
            .unwrap()
    }
}

async fn setup() -> (Fixture, Receiver) {
    let f = Fixture::new().await;
    let r = Receiver::start().await;
    f.emulator.set_push_endpoint(&r.url, &r.url);
    f.emulator
        .set_push_backoff(Duration::from_millis(1), Duration::from_millis(20));
    (f, r)
}

async fn watch(f: &Fixture, body: Value) -> (StatusCode, Value) {
    f.post("watch", &body).await
}

fn topic() -> Value {
    json!({"topicName": "projects/helpr-test/topics/gmail"})
}

#[tokio::test]
async fn watch_answers_strings_and_pushes_at_once_and_stop_ends_it() {
    let (f, mut r) = setup().await;
    // Six refused watches at 100 units each would spend the per-second quota.
    f.emulator.set_quota(None);
    for bad in [
        json!({}),
        json!({"topicName": "gmail"}),
        json!({"topicName": "projects//topics/gmail"}),
        json!({"topicName": "projects/p/subscriptions/s"}),
        json!({"topicName": "projects/p/topics/t", "labelFilterBehavior": "sometimes"}),
        json!({"topicName": "projects/p/topics/t", "labelIds": ["Label_99"]}),
    ] {
        let (status, body) = watch(&f, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        common::assert_envelope(&body, 400, "INVALID_ARGUMENT", "global", "invalidArgument");
    }
    assert!(!f.emulator.watch_active());
    assert_eq!(
        f.emulator.push_attempts(),
        0,
        "refused watches push nothing"
    );

    let before_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let (status, body) = watch(
        &f,
        json!({"topicName": "projects/helpr-test/topics/gmail", "labelIds": ["INBOX"],
               "labelFilterBehavior": "INCLUDE"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["historyId"], f.emulator.history_id().to_string());
    let expiration: u64 = body["expiration"].as_str().unwrap().parse().unwrap();
    let week = 7 * 24 * 3600 * 1000;
    assert!(expiration >= before_ms + week && expiration < before_ms + week + 600_000);

    let first = r.next().await;
    assert_eq!(first.history_id(), f.emulator.history_id());
    assert_eq!(first.data()["emailAddress"], ACCOUNT);
    assert_eq!(first.body["subscription"], PUSH_SUBSCRIPTION);
    assert_eq!(first.attempt(), 1);
    assert!(first.body["message"]["publishTime"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    let (status, body) = f.post("stop", &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);
    assert!(!f.emulator.watch_active());
    f.emulator.add_message(message(1, "after stop"), &["INBOX"]);
    let (status, _) = watch(&f, topic()).await;
    assert_eq!(status, StatusCode::OK);
    let next = r.next().await;
    assert_eq!(
        next.history_id(),
        f.emulator.history_id(),
        "the change after stop was never pushed: the next push is the new watch's"
    );
    f.emulator.push_idle().await;
    assert_eq!(f.emulator.push_delivered(), 2);
    assert_eq!(f.emulator.push_attempts(), 2);
}

#[tokio::test]
async fn every_mailbox_change_is_pushed_in_order_with_either_history_id_form() {
    let (f, mut r) = setup().await;
    watch(&f, topic()).await;
    r.next().await;

    let id = f
        .emulator
        .add_message(message(1, "one"), &["INBOX", "UNREAD"]);
    f.emulator.modify_message(&id, &["STARRED"], &[]);
    f.emulator.set_push_history_id_form(HistoryIdForm::String);
    let (status, _) = f
        .post(
            &format!("messages/{id}/modify"),
            &json!({"removeLabelIds": ["UNREAD"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    f.emulator.delete_message(&id);

    let records: Vec<u64> = f.emulator.history().iter().map(|r| r.id).collect();
    let last4 = &records[records.len() - 4..];
    let mut got = Vec::new();
    for i in 0..4 {
        let push = r.next().await;
        let expect_string = i >= 2;
        assert_eq!(
            push.data()["historyId"].is_string(),
            expect_string,
            "{}",
            push.data()
        );
        got.push(push.history_id());
    }
    assert_eq!(got, last4);
    assert_eq!(*got.last().unwrap(), f.emulator.history_id());
}

#[tokio::test]
async fn a_refused_push_is_redelivered_until_acknowledged() {
    let (f, mut r) = setup().await;
    r.script.lock().unwrap().extend([500, 503, 404]);
    watch(&f, topic()).await;
    let pushes = [
        r.next().await,
        r.next().await,
        r.next().await,
        r.next().await,
    ];
    let ids: Vec<String> = pushes.iter().map(Push::message_id).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "one message, redelivered");
    let attempts: Vec<u64> = pushes.iter().map(Push::attempt).collect();
    assert_eq!(attempts, [1, 2, 3, 4]);
    // The fourth was acknowledged: the next push is a new message.
    f.emulator.add_message(message(2, "two"), &["INBOX"]);
    let next = r.next().await;
    assert_ne!(next.message_id(), ids[0]);
    assert_eq!(next.attempt(), 1);
    f.emulator.push_idle().await;
    assert_eq!(f.emulator.push_attempts(), 5);
    assert_eq!(f.emulator.push_delivered(), 2);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_until_it_answers() {
    let (f, mut r) = setup().await;
    // A port nobody listens on, then the real receiver.
    let dead = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let dead_url = format!("http://{}/push", dead.local_addr().unwrap());
    drop(dead);
    f.emulator.set_push_endpoint(&dead_url, &r.url);
    watch(&f, topic()).await;
    // Only the count of failed attempts is waited for, then the endpoint is fixed.
    while f.emulator.push_attempts() < 2 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(f.emulator.push_delivered(), 0);
    f.emulator.set_push_endpoint(&r.url, &r.url);
    let push = r.next().await;
    assert!(push.attempt() >= 3, "{}", push.attempt());
    assert_eq!(push.history_id(), f.emulator.history_id());
}

#[tokio::test]
async fn duplicates_drops_and_reordering() {
    let (f, mut r) = setup().await;
    watch(&f, topic()).await;
    r.next().await;

    f.emulator.set_push_duplicate_rate(1.0);
    f.emulator.add_message(message(1, "dup"), &["INBOX"]);
    let (a, b) = (r.next().await, r.next().await);
    assert_eq!(a.message_id(), b.message_id());
    assert_eq!(a.history_id(), b.history_id());
    assert_eq!((a.attempt(), b.attempt()), (1, 2));
    f.emulator.set_push_duplicate_rate(0.0);

    f.emulator.set_push_drop_rate(1.0);
    f.emulator.add_message(message(2, "dropped"), &["INBOX"]);
    assert_eq!(f.emulator.push_dropped(), 1);
    f.emulator.set_push_drop_rate(0.0);
    f.emulator.add_message(message(3, "kept"), &["INBOX"]);
    let kept = r.next().await;
    assert_eq!(
        kept.history_id(),
        f.emulator.history_id(),
        "the dropped one never came"
    );

    f.emulator.set_push_reorder(true);
    f.emulator.pause_push();
    let mut published = Vec::new();
    for n in 4..7 {
        f.emulator.add_message(message(n, "batch"), &["INBOX"]);
        published.push(f.emulator.history_id());
    }
    f.emulator.resume_push();
    let got = [r.next().await, r.next().await, r.next().await].map(|p| p.history_id());
    published.reverse();
    assert_eq!(got, published.as_slice(), "the batch came newest first");

    // A seeded half rate drops some and keeps some, the same ones for the same seed.
    f.emulator.set_push_reorder(false);
    f.emulator.set_push_seed(7);
    f.emulator.set_push_drop_rate(0.5);
    let dropped_before = f.emulator.push_dropped();
    for n in 10..30 {
        f.emulator.add_message(message(n, "half"), &["INBOX"]);
    }
    let dropped = f.emulator.push_dropped() - dropped_before;
    assert!(dropped > 0 && dropped < 20, "{dropped}");
    for _ in 0..20 - dropped {
        r.next().await;
    }
    f.emulator.push_idle().await;
    assert!(
        r.pushes.try_recv().is_err(),
        "nothing more than the kept ones"
    );
}

#[tokio::test]
async fn label_filters_choose_what_is_pushed() {
    let (f, mut r) = setup().await;
    let (status, _) = watch(
        &f,
        json!({"topicName": "projects/p/topics/t", "labelIds": ["INBOX"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    r.next().await;
    f.emulator.add_message(message(1, "sent only"), &["SENT"]);
    let inbox = f.emulator.add_message(message(2, "inbox"), &["INBOX"]);
    assert_eq!(r.next().await.history_id(), f.emulator.history_id());
    // Removing INBOX names it: pushed.
    f.emulator.modify_message(&inbox, &[], &["INBOX"]);
    assert_eq!(r.next().await.history_id(), f.emulator.history_id());

    let (status, _) = watch(
        &f,
        json!({"topicName": "projects/p/topics/t", "labelIds": ["SPAM"],
               "labelFilterAction": "exclude"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    r.next().await;
    f.emulator.add_message(message(3, "spam"), &["SPAM"]);
    f.emulator.add_message(message(4, "ham"), &["INBOX"]);
    assert_eq!(r.next().await.history_id(), f.emulator.history_id());
}

#[tokio::test]
async fn the_push_token_verifies_against_the_emulators_jwks() {
    let (f, mut r) = setup().await;
    let audience = "https://team.helpr.test/gmail/push";
    f.emulator.set_push_endpoint(&r.url, audience);
    watch(&f, topic()).await;
    let push = r.next().await;
    let token = push.authorization.strip_prefix("Bearer ").unwrap();

    let https = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(f.emulator.ca_pem().as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let jwks = https.get(f.emulator.https_jwks_url()).send().await.unwrap();
    let jwks: JwkSet = serde_json::from_slice(&jwks.bytes().await.unwrap()).unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.unwrap();
    assert_eq!(kid, f.emulator.active_kid());
    let key = DecodingKey::from_jwk(jwks.find(&kid).unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&["https://accounts.google.com"]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["email"], DEFAULT_PUSH_SERVICE_ACCOUNT);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(
        claims["exp"].as_u64().unwrap(),
        claims["iat"].as_u64().unwrap() + 3600
    );
    assert_eq!(claims["sub"], claims["azp"]);
    assert!(claims["sub"].as_str().unwrap().len() >= 21);

    // After a rotation the new key signs, and the JWKS still lets it verify.
    let new_kid = f.emulator.rotate_key().unwrap();
    f.emulator.add_message(message(1, "rotated"), &["INBOX"]);
    let push = r.next().await;
    let token = push.authorization.strip_prefix("Bearer ").unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(token).unwrap().kid.unwrap(),
        new_kid
    );
    let jwks = https.get(f.emulator.https_jwks_url()).send().await.unwrap();
    let jwks: JwkSet = serde_json::from_slice(&jwks.bytes().await.unwrap()).unwrap();
    let key = DecodingKey::from_jwk(jwks.find(&new_kid).unwrap()).unwrap();
    assert!(jsonwebtoken::decode::<Value>(token, &key, &validation).is_ok());
}

#[tokio::test]
async fn mail_sent_over_smtp_is_pushed() {
    use lettre::transport::smtp::authentication::{Credentials, Mechanism};
    use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    let (f, mut r) = setup().await;
    watch(&f, topic()).await;
    r.next().await;
    let params = TlsParameters::builder("127.0.0.1".to_owned())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(Certificate::from_pem(f.emulator.ca_pem().as_bytes()).unwrap())
        .build_rustls()
        .unwrap();
    let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(f.emulator.smtp_tls_addr().port())
        .tls(Tls::Wrapper(params))
        .authentication(vec![Mechanism::Xoauth2])
        .credentials(Credentials::new(ACCOUNT.to_owned(), f.token.clone()))
        .build();
    let mail = Message::builder()
        .from(ACCOUNT.parse().unwrap())
        .to("bob@example.org".parse().unwrap())
        .subject("Pushed")
        .body("Sent over SMTP.\n".to_owned())
        .unwrap();
    smtp.send(mail).await.unwrap();
    let push = r.next().await;
    assert_eq!(push.history_id(), f.emulator.history_id());
    let sent = f.emulator.sent_messages();
    assert_eq!(f.emulator.history().last().unwrap().message_id, sent[0].id);
}

#[tokio::test]
async fn a_watch_lapses_after_seven_days_and_a_renewal_moves_its_expiration() {
    let (f, mut r) = setup().await;
    let (status, body) = watch(&f, topic()).await;
    assert_eq!(status, StatusCode::OK);
    let expiration: u64 = body["expiration"].as_str().unwrap().parse().unwrap();
    assert_eq!(f.emulator.watch_expiration(), Some(expiration));
    r.next().await;

    // A minute on (the access token still valid), a renewal moves the expiration.
    f.emulator.advance_clock(Duration::from_secs(60));
    let (status, body) = watch(&f, topic()).await;
    assert_eq!(status, StatusCode::OK);
    let renewed: u64 = body["expiration"].as_str().unwrap().parse().unwrap();
    assert!(renewed >= expiration + 60_000, "{renewed} {expiration}");
    assert_eq!(f.emulator.watch_expiration(), Some(renewed));
    r.next().await;

    // Seven days after the renewal it has lapsed: a change is not pushed.
    f.emulator.advance_clock(Duration::from_secs(7 * 24 * 3600));
    assert!(!f.emulator.watch_active());
    assert_eq!(f.emulator.watch_expiration(), None);
    f.emulator
        .add_message(message(1, "after the lapse"), &["INBOX"]);
    f.emulator.push_idle().await;
    assert_eq!(f.emulator.push_delivered(), 2);
}
