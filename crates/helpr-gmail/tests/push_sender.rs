//! helpr-gmail's push verifier behind a real endpoint, fed by the google-emulator's own push
//! sender (not hand-made bodies): every delivery — first attempts, redeliveries after a 500,
//! duplicates, reordered batches, string and number historyIds — verifies, and a duplicate or
//! older historyId comes out as [`Outcome::Replay`]. The endpoint is a minimal HTTP/1.1
//! server on tokio (keep-alive, `Content-Length` bodies), enough for reqwest's POSTs.

use google_emulator::push::DEFAULT_PUSH_SERVICE_ACCOUNT;
use google_emulator::{Config, Emulator, HistoryIdForm};
use helpr_gmail::{Outcome, PushConfig, PushError, PushVerifier};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const MAILBOX: &str = "user@example.com";

/// What the endpoint made of one POST.
type Verdict = Result<Outcome, PushError>;

struct Endpoint {
    url: String,
    verdicts: mpsc::UnboundedReceiver<Verdict>,
    /// Statuses to answer after verifying, in order; 200 when empty.
    script: Arc<Mutex<VecDeque<u16>>>,
}

/// Shared by the endpoint's connections: the verifier and the last processed historyId.
struct Receiver {
    verifier: PushVerifier,
    last: Mutex<Option<u64>>,
    verdicts: mpsc::UnboundedSender<Verdict>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Endpoint {
    async fn start(emulator: &Emulator) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}/gmail/push", listener.local_addr().unwrap());
        let verifier = PushVerifier::new(PushConfig {
            jwks_url: emulator.jwks_url(),
            audience: url.clone(),
            service_account: DEFAULT_PUSH_SERVICE_ACCOUNT.to_owned(),
        })
        .unwrap();
        let (tx, verdicts) = mpsc::unbounded_channel();
        let script: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let receiver = Arc::new(Receiver {
            verifier,
            last: Mutex::new(None),
            verdicts: tx,
            script: script.clone(),
        });
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(serve(stream, receiver.clone()));
            }
        });
        Self {
            url,
            verdicts,
            script,
        }
    }

    /// The next verdict (a hang guard, not a timing assertion).
    async fn next(&mut self) -> Verdict {
        tokio::time::timeout(Duration::from_secs(60), self.verdicts.recv())
            .await
            .expect("a push within a minute")
            .unwrap()
    }
}

/// Requests on one keep-alive connection until the client closes it.
async fn serve(stream: TcpStream, receiver: Arc<Receiver>) {
    let mut io = BufReader::new(stream);
    loop {
        let mut authorization = None;
        let mut length = 0usize;
        let mut request_line = String::new();
        if io.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut line = String::new();
            if io.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "authorization" => authorization = Some(value.trim().to_owned()),
                "content-length" => length = value.trim().parse().unwrap(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        io.read_exact(&mut body).await.unwrap();

        let last = *receiver.last.lock().unwrap();
        let verdict = receiver
            .verifier
            .verify(authorization.as_deref(), &body, last)
            .await;
        if let Ok(Outcome::New { history_id, .. }) = &verdict {
            let mut stored = receiver.last.lock().unwrap();
            *stored = Some(stored.map_or(*history_id, |s| s.max(*history_id)));
        }
        let status = receiver.script.lock().unwrap().pop_front().unwrap_or(200);
        receiver.verdicts.send(verdict).unwrap();
        let response = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
        if io.get_mut().write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn setup() -> (Emulator, Endpoint) {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    let endpoint = Endpoint::start(&emulator).await;
    emulator.set_push_endpoint(&endpoint.url, &endpoint.url);
    emulator.set_push_backoff(Duration::from_millis(1), Duration::from_millis(20));
    (emulator, endpoint)
}

fn mail(n: usize) -> Vec<u8> {
    format!(
        "From: Bob <bob@example.org>\r\nTo: {MAILBOX}\r\nSubject: Push {n}\r\n\
         Message-ID: <push{n}@example.org>\r\n\r\nHello {n}.\r\n"
    )
    .into_bytes()
}

fn new(history_id: u64) -> Outcome {
    Outcome::New {
        email: MAILBOX.to_owned(),
        history_id,
    }
}

#[tokio::test]
async fn every_push_the_sender_makes_verifies_and_duplicates_are_replays() {
    let (e, mut p) = setup().await;
    let h0 = e.watch_mailbox(&[]);
    assert_eq!(p.next().await.unwrap(), new(h0));

    e.set_push_duplicate_rate(1.0);
    e.add_message(mail(1), &["INBOX"]);
    let h1 = e.history_id();
    assert_eq!(p.next().await.unwrap(), new(h1));
    assert_eq!(p.next().await.unwrap(), Outcome::Replay, "the duplicate");

    e.set_push_duplicate_rate(0.0);
    e.set_push_history_id_form(HistoryIdForm::String);
    e.add_message(mail(2), &["INBOX"]);
    assert_eq!(p.next().await.unwrap(), new(e.history_id()));
    e.push_idle().await;
    assert_eq!(e.push_delivered(), 4);
}

#[tokio::test]
async fn redeliveries_after_a_refusal_verify_and_the_repeat_is_a_replay() {
    let (e, mut p) = setup().await;
    // The endpoint verifies the first delivery, then answers 500: Pub/Sub redelivers.
    p.script.lock().unwrap().push_back(500);
    let h0 = e.watch_mailbox(&[]);
    assert_eq!(p.next().await.unwrap(), new(h0));
    assert_eq!(p.next().await.unwrap(), Outcome::Replay, "the redelivery");
    e.push_idle().await;
    assert_eq!(e.push_attempts(), 2);
    assert_eq!(e.push_delivered(), 1);
}

#[tokio::test]
async fn an_older_history_id_arriving_late_is_a_replay() {
    let (e, mut p) = setup().await;
    let h0 = e.watch_mailbox(&[]);
    assert_eq!(p.next().await.unwrap(), new(h0));

    e.set_push_reorder(true);
    e.pause_push();
    e.add_message(mail(1), &["INBOX"]);
    let older = e.history_id();
    e.add_message(mail(2), &["INBOX"]);
    let newer = e.history_id();
    assert!(older < newer);
    e.resume_push();
    assert_eq!(p.next().await.unwrap(), new(newer), "the newest came first");
    assert_eq!(
        p.next().await.unwrap(),
        Outcome::Replay,
        "then the older one"
    );

    // A rotated key still verifies (the verifier refetches the JWKS for the new kid).
    e.rotate_key().unwrap();
    e.set_push_reorder(false);
    e.add_message(mail(3), &["INBOX"]);
    assert_eq!(p.next().await.unwrap(), new(e.history_id()));
}
