//! SMTP submission over real sockets (google-protocols.md §4, §7 item 7): lettre with
//! XOAUTH2 and a root store holding only the test CA, over the implicit-TLS and the STARTTLS
//! listener; sent mail lands as `SENT` with a history record, a reply joins its parent's
//! thread; a bad token or the failure knob is a lettre error, an auth failure counted and a
//! listener that still serves the next connection; raw sockets for what lettre never does
//! (AUTH before STARTTLS, the 334 → empty line → 535 exchange, dot-unstuffing, the size cap).

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{Fixture, ACCOUNT};
use lettre::message::Mailbox as Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Clone, Copy)]
enum Port {
    ImplicitTls,
    StartTls,
}

fn transport(f: &Fixture, port: Port, token: &str) -> AsyncSmtpTransport<Tokio1Executor> {
    let params = TlsParameters::builder("127.0.0.1".to_owned())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(Certificate::from_pem(f.emulator.ca_pem().as_bytes()).unwrap())
        .build_rustls()
        .unwrap();
    let (addr, tls) = match port {
        Port::ImplicitTls => (f.emulator.smtp_tls_addr(), Tls::Wrapper(params)),
        Port::StartTls => (f.emulator.smtp_starttls_addr(), Tls::Required(params)),
    };
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(addr.port())
        .tls(tls)
        .authentication(vec![Mechanism::Xoauth2])
        .credentials(Credentials::new(ACCOUNT.to_owned(), token.to_owned()))
        .build()
}

fn mail(subject: &str, message_id: &str, in_reply_to: Option<&str>) -> Message {
    let mut builder = Message::builder()
        .from(ACCOUNT.parse::<Address>().unwrap())
        .to("Bob <bob@example.org>".parse::<Address>().unwrap())
        .subject(subject)
        .message_id(Some(format!("<{message_id}>")));
    if let Some(parent) = in_reply_to {
        builder = builder
            .in_reply_to(format!("<{parent}>"))
            .references(format!("<{parent}>"));
    }
    builder.body(format!("Body of {message_id}\n")).unwrap()
}

#[tokio::test]
async fn lettre_sends_over_implicit_tls_and_the_mail_lands_as_sent() {
    let f = Fixture::new().await;
    let before = f.emulator.history_id();
    let response = transport(&f, Port::ImplicitTls, &f.token)
        .send(mail("Quarterly plan", "s1@helpr.test", None))
        .await
        .unwrap();
    assert_eq!(response.code().to_string(), "250");

    let sent = f.emulator.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].mail_from, ACCOUNT);
    assert_eq!(sent[0].rcpt_to, vec!["bob@example.org".to_owned()]);
    let stored = f.emulator.message(&sent[0].id).unwrap();
    assert_eq!(stored.label_ids, vec!["SENT".to_owned()]);
    assert_eq!(stored.thread_id, stored.id, "a new thread");
    let text = String::from_utf8(stored.raw.clone()).unwrap();
    assert!(text.contains("Subject: Quarterly plan\r\n"), "{text}");
    assert!(text.contains("Body of s1@helpr.test"), "{text}");

    assert!(f.emulator.history_id() > before);
    let last = f.emulator.history().pop().unwrap();
    assert_eq!(last.message_id, sent[0].id);
    assert!(matches!(
        last.change,
        google_emulator::gmail::Change::MessageAdded
    ));
    assert_eq!(last.id, f.emulator.history_id());

    // Through the Gmail API, too.
    let (status, got) = f
        .get(
            &format!("messages/{}", sent[0].id),
            &[("format", "minimal")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["labelIds"], serde_json::json!(["SENT"]));
    assert_eq!(f.emulator.smtp_auth_failures(), 0);
}

#[tokio::test]
async fn lettre_sends_over_starttls_and_a_reply_joins_its_parents_thread() {
    let f = Fixture::new().await;
    let parent = f
        .emulator
        .add_message(common::message_with(1, "Budget", ""), &["INBOX", "UNREAD"]);
    let smtp = transport(&f, Port::StartTls, &f.token);
    smtp.send(mail("Re: Budget", "r1@helpr.test", Some("m1@example.org")))
        .await
        .unwrap();
    // Names the parent but changes the subject: a new thread (§5's three conditions).
    smtp.send(mail("Other topic", "r2@helpr.test", Some("m1@example.org")))
        .await
        .unwrap();
    // Same subject, names nothing here: a new thread.
    smtp.send(mail("Re: Budget", "r3@helpr.test", Some("nowhere@x")))
        .await
        .unwrap();

    let sent = f.emulator.sent_messages();
    assert_eq!(sent.len(), 3);
    let thread = f.emulator.message(&parent).unwrap().thread_id;
    assert_eq!(sent[0].thread_id, thread, "the reply joins");
    assert_ne!(sent[1].thread_id, thread);
    assert_eq!(sent[1].thread_id, sent[1].id);
    assert_ne!(sent[2].thread_id, thread);
    assert_eq!(sent[2].thread_id, sent[2].id);

    // A reply to our own sent message joins that thread as well.
    smtp.send(mail(
        "RE: Fwd: other topic",
        "r4@helpr.test",
        Some("r2@helpr.test"),
    ))
    .await
    .unwrap();
    assert_eq!(f.emulator.sent_messages()[3].thread_id, sent[1].thread_id);
}

#[tokio::test]
async fn a_bad_token_is_a_lettre_error_and_the_next_connection_still_works() {
    let f = Fixture::new().await;
    for port in [Port::ImplicitTls, Port::StartTls] {
        let err = transport(&f, port, "ya29.not-issued")
            .send(mail("Nope", "bad@helpr.test", None))
            .await
            .unwrap_err();
        assert!(!err.is_transient(), "{err:?}");
    }
    assert_eq!(f.emulator.smtp_auth_failures(), 2);
    assert!(f.emulator.sent_messages().is_empty());

    // The knob: the next attempt fails whatever the token, the one after passes (a client's
    // refresh-and-retry-once).
    f.emulator.fail_next_smtp_auth(1);
    let smtp = transport(&f, Port::ImplicitTls, &f.token);
    assert!(smtp
        .send(mail("Try 1", "t1@helpr.test", None))
        .await
        .is_err());
    assert_eq!(f.emulator.smtp_auth_failures(), 3);
    smtp.send(mail("Try 2", "t2@helpr.test", None))
        .await
        .unwrap();
    assert_eq!(f.emulator.sent_messages().len(), 1);

    // An expired token is refused too.
    f.emulator
        .advance_clock(std::time::Duration::from_secs(3600));
    assert!(transport(&f, Port::StartTls, &f.token)
        .send(mail("Late", "late@helpr.test", None))
        .await
        .is_err());
    assert_eq!(f.emulator.smtp_auth_failures(), 4);
}

/// A line-oriented SMTP client over any stream.
struct Raw<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Raw<S> {
    /// Every line of one reply (multi-line replies joined by `\n`).
    async fn read(&mut self) -> String {
        let mut all = Vec::new();
        loop {
            let mut line = String::new();
            assert!(
                self.io.read_line(&mut line).await.unwrap() > 0,
                "server hung up"
            );
            let line = line.trim_end().to_owned();
            let more = line.as_bytes().get(3) == Some(&b'-');
            all.push(line);
            if !more {
                return all.join("\n");
            }
        }
    }

    async fn send(&mut self, line: &str) -> String {
        self.write(line).await;
        self.read().await
    }

    async fn write(&mut self, line: &str) {
        let s = self.io.get_mut();
        s.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
        s.flush().await.unwrap();
    }

    /// The next read hits EOF.
    async fn closed(&mut self) -> bool {
        let mut line = String::new();
        self.io.read_line(&mut line).await.unwrap_or(0) == 0
    }
}

async fn plain(addr: SocketAddr) -> Raw<TcpStream> {
    let mut raw = Raw {
        io: BufReader::new(TcpStream::connect(addr).await.unwrap()),
    };
    assert!(raw.read().await.starts_with("220 "));
    raw
}

async fn tls_over(f: &Fixture, tcp: TcpStream) -> Raw<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    let pem = f.emulator.ca_pem();
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    roots.add(der).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .unwrap();
    Raw {
        io: BufReader::new(stream),
    }
}

fn xoauth2(token: &str) -> String {
    STANDARD.encode(format!("user={ACCOUNT}\x01auth=Bearer {token}\x01\x01"))
}

#[tokio::test]
async fn the_starttls_port_refuses_auth_and_mail_before_starttls() {
    let f = Fixture::new().await;
    let mut raw = plain(f.emulator.smtp_starttls_addr()).await;
    let ehlo = raw.send("EHLO client.test").await;
    assert!(ehlo.contains("250-STARTTLS"), "{ehlo}");
    assert!(!ehlo.contains("AUTH"), "{ehlo}");
    assert!(
        ehlo.contains("8BITMIME") && ehlo.contains("SIZE "),
        "{ehlo}"
    );
    let auth = raw
        .send(&format!("AUTH XOAUTH2 {}", xoauth2(&f.token)))
        .await;
    assert_eq!(auth, "530 5.7.0 Must issue a STARTTLS command first");
    let mail = raw.send(&format!("MAIL FROM:<{ACCOUNT}>")).await;
    assert!(mail.starts_with("530 5.7.0"), "{mail}");
    assert_eq!(f.emulator.smtp_auth_failures(), 0, "not an auth attempt");

    assert!(raw.send("STARTTLS").await.starts_with("220 "));
    let tcp = raw.io.into_inner();
    let mut tls = tls_over(&f, tcp).await;
    let ehlo = tls.send("EHLO client.test").await;
    assert!(ehlo.contains("AUTH PLAIN LOGIN XOAUTH2"), "{ehlo}");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    let mail = tls.send(&format!("MAIL FROM:<{ACCOUNT}>")).await;
    assert_eq!(mail, "530 5.7.0 Authentication Required");
    let auth = tls
        .send(&format!("AUTH XOAUTH2 {}", xoauth2(&f.token)))
        .await;
    assert_eq!(auth, "235 2.7.0 Accepted");
    assert!(tls.send("STARTTLS").await.starts_with("503 "));
    assert!(tls.send("QUIT").await.starts_with("221 "));
}

#[tokio::test]
async fn a_refused_xoauth2_gets_the_challenge_then_535_on_the_empty_line() {
    let f = Fixture::new().await;
    let tcp = TcpStream::connect(f.emulator.smtp_tls_addr())
        .await
        .unwrap();
    let mut tls = tls_over(&f, tcp).await;
    assert!(tls.read().await.starts_with("220 "));
    tls.send("EHLO client.test").await;
    let challenge = tls
        .send(&format!("AUTH XOAUTH2 {}", xoauth2("ya29.wrong")))
        .await;
    let b64 = challenge.strip_prefix("334 ").unwrap();
    let json: serde_json::Value = serde_json::from_slice(&STANDARD.decode(b64).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"})
    );
    assert_eq!(
        tls.send("").await,
        "535 5.7.8 Username and Password not accepted"
    );
    assert_eq!(f.emulator.smtp_auth_failures(), 1);

    // Another user's address with a live token is refused as well; then the right one works
    // on the same connection.
    let other = STANDARD.encode(format!(
        "user=someone@example.org\x01auth=Bearer {}\x01\x01",
        f.token
    ));
    assert!(tls
        .send(&format!("AUTH XOAUTH2 {other}"))
        .await
        .starts_with("334 "));
    assert!(tls.send("").await.starts_with("535 "));
    assert_eq!(f.emulator.smtp_auth_failures(), 2);
    // Without an initial response: an empty 334 first.
    assert_eq!(tls.send("AUTH XOAUTH2").await, "334");
    assert_eq!(tls.send(&xoauth2(&f.token)).await, "235 2.7.0 Accepted");
}

#[tokio::test]
async fn data_is_dot_unstuffed_reset_works_and_the_size_cap_holds() {
    let f = Fixture::new().await;
    let tcp = TcpStream::connect(f.emulator.smtp_tls_addr())
        .await
        .unwrap();
    let mut tls = tls_over(&f, tcp).await;
    tls.read().await;
    tls.send("EHLO client.test").await;
    tls.send(&format!("AUTH XOAUTH2 {}", xoauth2(&f.token)))
        .await;
    assert!(tls
        .send("RCPT TO:<bob@example.org>")
        .await
        .starts_with("503 "));
    assert!(tls.send("DATA").await.starts_with("503 "));
    assert!(tls
        .send(&format!("MAIL FROM:<{ACCOUNT}>"))
        .await
        .starts_with("250 "));
    assert!(tls.send("RSET").await.starts_with("250 "));
    assert!(
        tls.send("RCPT TO:<bob@example.org>")
            .await
            .starts_with("503 "),
        "RSET forgot MAIL"
    );
    assert_eq!(tls.send("NOOP").await, "250 2.0.0 OK");

    tls.send(&format!("MAIL FROM:<{ACCOUNT}> BODY=8BITMIME"))
        .await;
    tls.send("RCPT TO:<bob@example.org>").await;
    tls.send("RCPT TO:<carol@example.org>").await;
    assert!(tls.send("DATA").await.starts_with("354 "));
    for line in [
        &format!("From: {ACCOUNT}"),
        "To: bob@example.org",
        "Subject: Dots",
        "Message-ID: <dots@helpr.test>",
        "",
        "..leading dot",
        "...two",
        ".",
    ] {
        tls.write(line).await;
    }
    let ok = tls.read().await;
    assert!(ok.starts_with("250 2.0.0 OK "), "{ok}");
    let sent = f.emulator.sent_messages();
    assert_eq!(sent[0].rcpt_to, ["bob@example.org", "carol@example.org"]);
    let raw = f.emulator.message(&sent[0].id).unwrap().raw;
    let text = String::from_utf8(raw).unwrap();
    assert!(text.ends_with("\r\n.leading dot\r\n..two\r\n"), "{text:?}");

    f.emulator.set_smtp_max_size(100);
    assert!(tls
        .send(&format!("MAIL FROM:<{ACCOUNT}> SIZE=101"))
        .await
        .starts_with("552 "));
    tls.send(&format!("MAIL FROM:<{ACCOUNT}>")).await;
    tls.send("RCPT TO:<bob@example.org>").await;
    tls.send("DATA").await;
    tls.write("Subject: big").await;
    tls.write("").await;
    tls.write(&"x".repeat(200)).await;
    tls.write(".").await;
    assert!(tls.read().await.starts_with("552 "));
    assert_eq!(f.emulator.sent_messages().len(), 1, "nothing stored");
    assert!(tls.send("QUIT").await.starts_with("221 "));
    assert!(tls.closed().await);
}

#[tokio::test]
async fn a_client_that_hangs_up_after_the_challenge_does_not_hurt_the_listener() {
    let f = Fixture::new().await;
    for _ in 0..3 {
        let tcp = TcpStream::connect(f.emulator.smtp_tls_addr())
            .await
            .unwrap();
        let mut tls = tls_over(&f, tcp).await;
        tls.read().await;
        tls.send("EHLO client.test").await;
        assert!(tls
            .send(&format!("AUTH XOAUTH2 {}", xoauth2("ya29.wrong")))
            .await
            .starts_with("334 "));
        drop(tls);
    }
    assert_eq!(f.emulator.smtp_auth_failures(), 3);
    transport(&f, Port::ImplicitTls, &f.token)
        .send(mail("Still here", "ok@helpr.test", None))
        .await
        .unwrap();
    assert_eq!(f.emulator.sent_messages().len(), 1);

    // Mail commands before AUTH are refused on the TLS port too.
    let mut raw = plain(f.emulator.smtp_starttls_addr()).await;
    raw.send("EHLO x").await;
    assert!(raw.send("STARTTLS").await.starts_with("220 "));
    let mut tls = tls_over(&f, raw.io.into_inner()).await;
    tls.send("EHLO x").await;
    assert_eq!(tls.send("DATA").await, "530 5.7.0 Authentication Required");
}
