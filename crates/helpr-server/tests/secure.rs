//! Secure email on the server, end to end over real sockets and TLS (the recipient's browser is
//! played by an HTTP client here; `helpr-tests/tests/secure_browser.rs` runs the real page in
//! Chromium): the google-emulator in process carries the code mails over SMTP with the inbox's
//! grant, the desktop's side is played by helpr-secure sealing entries as the desktop does.
//!
//! A reader proves their address with a mailed code and reads, downloads and replies; an
//! address that may not read gets the same answers and no mail; wrong codes lock a reader out
//! until the sender unlocks; codes are used once and expire; the opens allowed, expiry and
//! revocation (all, one reader, before and after a read) end access and delete the server's
//! half of the key; who may create and see what is the policy's; the key split holds on the
//! server's real data; and no canary of a message is in any file of the server's.

#[path = "support/canary.rs"]
mod canary;
#[path = "support/gmail.rs"]
mod gmail_rig;
mod support;

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use gmail_rig::{GmailRig, Person};
use helpr_proto::secure::{Author, RecipientState, SecureList, SecureView};
use helpr_secure::{
    entry_id, new_message_id, Attachment, LinkKey, MessageKey, SealedPackage, ServerKey,
};
use serde_json::{json, Value};

const INBOX: &str = "support@acme-shop.test";

/// A secure message as its desktop keeps it: the id and both halves of the key.
struct Sent {
    id: String,
    link: LinkKey,
    key: MessageKey,
}

impl Sent {
    fn new() -> (Sent, ServerKey) {
        let (link, server) = (LinkKey::generate(), ServerKey::generate());
        let key = MessageKey::derive(&link, &server);
        (
            Sent {
                id: new_message_id(),
                link,
                key,
            },
            server,
        )
    }

    /// Entry `n`, sealed as the desktop (or the page) seals it, as the wire carries it.
    fn entry(&self, n: u32, subject: &str, body: &str, files: &[Attachment]) -> Value {
        let sealed = SealedPackage::seal(&self.key, &entry_id(&self.id, n), subject, body, files);
        json!({
            "n": n,
            "manifest": STANDARD.encode(&sealed.manifest),
            "attachments": sealed.attachments.iter().map(|a| STANDARD.encode(a)).collect::<Vec<_>>(),
        })
    }

    /// Opens entry `n` from the wire's base64: `(subject, body, attachments)`.
    fn open(&self, n: u32, manifest: &str, parts: &[Vec<u8>]) -> (String, String, Vec<Vec<u8>>) {
        let package = SealedPackage {
            manifest: STANDARD.decode(manifest).unwrap(),
            attachments: parts.to_vec(),
        };
        let id = entry_id(&self.id, n);
        let manifest = package.open_manifest(&self.key, &id).unwrap();
        let files = (0..parts.len())
            .map(|k| package.open_attachment(&self.key, &id, k).unwrap())
            .collect();
        (manifest.subject, manifest.body, files)
    }
}

fn pdf(name: &str, bytes: Vec<u8>) -> Attachment {
    Attachment {
        name: name.to_owned(),
        content_type: "application/pdf".to_owned(),
        bytes,
    }
}

/// Makes a secure message from `who`: status and body.
async fn create(
    g: &GmailRig,
    who: &Person,
    sent: &Sent,
    server: &ServerKey,
    recipients: &[&str],
    extra: Value,
) -> (u16, Value) {
    let mut body = sent.entry(
        0,
        "Your contract",
        "Here is the signed contract.",
        &[pdf("contract.pdf", b"%PDF-1.7 contract".to_vec())],
    );
    let fields = body.as_object_mut().unwrap();
    fields.remove("n");
    fields.insert("id".into(), json!(sent.id));
    fields.insert("recipients".into(), json!(recipients));
    fields.insert(
        "key_server".into(),
        json!(URL_SAFE_NO_PAD.encode(server.as_bytes())),
    );
    for (k, v) in extra.as_object().unwrap() {
        fields.insert(k.clone(), v.clone());
    }
    g.post(who, &format!("/api/v1/inboxes/{}/secure", g.inbox.0), body)
        .await
}

/// A message from the agent to `recipients`, made.
async fn sent_to(g: &GmailRig, recipients: &[&str], extra: Value) -> Sent {
    let (sent, server) = Sent::new();
    let (status, body) = create(g, g.person("agent"), &sent, &server, recipients, extra).await;
    assert_eq!(status, 201, "{body}");
    sent
}

/// The recipient's browser, as far as the server can tell.
struct Reader<'a> {
    g: &'a GmailRig,
    http: reqwest::Client,
    id: String,
    address: String,
}

impl<'a> Reader<'a> {
    fn new(g: &'a GmailRig, sent: &Sent, address: &str) -> Reader<'a> {
        Reader {
            g,
            http: helpr_team::pin::client(&g.rig.server.fingerprint),
            id: sent.id.clone(),
            address: address.to_owned(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Vec<u8>) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    async fn post(&self, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!(
                "{}/api/v1/secure/{}/{path}",
                self.g.base(),
                self.id
            ))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let (status, bytes) = self.send(request).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Vec<u8>) {
        let request = self
            .http
            .get(format!(
                "{}/api/v1/secure/{}/{path}",
                self.g.base(),
                self.id
            ))
            .bearer_auth(token);
        self.send(request).await
    }

    async fn ask_code(&self) -> (u16, Value) {
        self.post("code", json!({"address": self.address}), None)
            .await
    }

    async fn try_code(&self, code: &str) -> (u16, Value) {
        self.post(
            "verify",
            json!({"address": self.address, "code": code}),
            None,
        )
        .await
    }

    /// Asks for a code and reads it from the mail the inbox sent.
    async fn code(&self) -> String {
        let before = self.g.emu.sent_messages().len();
        let (status, body) = self.ask_code().await;
        assert_eq!(status, 202, "{body}");
        let text = mail_after(self.g, before).await;
        let to = format!("to: {}", self.address.to_lowercase());
        assert!(text.to_lowercase().contains(&to), "{text}");
        six_digits(&text).unwrap_or_else(|| panic!("no code in {text}"))
    }

    /// Proves the address: the reader's token and the server's half of the key.
    async fn open(&self) -> (String, ServerKey) {
        let code = self.code().await;
        let (status, body) = self.try_code(&code).await;
        assert_eq!(status, 200, "{body}");
        let key: [u8; 32] = URL_SAFE_NO_PAD
            .decode(body["key_server"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        (
            body["token"].as_str().unwrap().to_owned(),
            ServerKey::from_bytes(key),
        )
    }

    async fn thread(&self, token: &str) -> (u16, Value) {
        let (status, bytes) = self.get("thread", token).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

/// The next mail the inbox sent after the first `before`, as text (waiting for the background
/// send: a hang guard, not a timing assertion).
async fn mail_after(g: &GmailRig, before: usize) -> String {
    let sent = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let all = g.emu.sent_messages();
            if all.len() > before {
                return all[before].clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the inbox sends the mail");
    assert_eq!(sent.mail_from, INBOX);
    String::from_utf8(g.emu.message(&sent.id).unwrap().raw).unwrap()
}

/// The code: the mail's line of exactly six digits. (Not the first run of six digits
/// anywhere: a header, such as the random address's, may hold one.)
fn six_digits(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
}

fn other_code(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

async fn status_of(g: &GmailRig, who: &Person, sent: &Sent) -> SecureView {
    let list: SecureList = serde_json::from_slice(
        &g.get(who, &format!("/api/v1/inboxes/{}/secure", g.inbox.0))
            .await
            .1,
    )
    .unwrap();
    list.messages
        .into_iter()
        .find(|m| m.id == sent.id)
        .expect("the sender sees the message")
}

async fn connected() -> GmailRig {
    GmailRig::connected(INBOX, vec![]).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_proves_their_address_then_reads_downloads_and_replies() {
    let g = connected().await;
    let sent = sent_to(&g, &["Reader@Customer.test"], json!({})).await;
    let reader = Reader::new(&g, &sent, "reader@customer.test");

    let (token, server) = reader.open().await;
    let (status, thread) = reader.thread(&token).await;
    assert_eq!(status, 200, "{thread}");
    let entry = &thread["entries"][0];
    // The link's half and the released half make the key the desktop sealed with.
    let key = MessageKey::derive(&sent.link, &server);
    let manifest = SealedPackage {
        manifest: STANDARD
            .decode(entry["manifest"].as_str().unwrap())
            .unwrap(),
        attachments: vec![vec![]],
    };
    let opened = manifest
        .open_manifest(&key, &entry_id(&sent.id, 0))
        .unwrap();
    assert_eq!(opened.attachments[0].name, "contract.pdf");
    assert_eq!(entry["from"], "sender");
    let (status, part) = reader.get("entries/0/attachments/0", &token).await;
    assert_eq!(status, 200);
    assert_eq!(entry["attachments"][0], part.len());
    let (subject, body, files) = sent.open(0, entry["manifest"].as_str().unwrap(), &[part]);
    assert_eq!(subject, "Your contract");
    assert_eq!(body, "Here is the signed contract.");
    assert_eq!(files, [b"%PDF-1.7 contract".to_vec()]);

    // The reply, sealed under the thread's key as entry 1.
    let reply = sent.entry(
        1,
        "Re: Your contract",
        "Signed and attached.",
        &[pdf("signed.pdf", vec![7; 5000])],
    );
    let (status, body) = reader.post("reply", reply.clone(), Some(&token)).await;
    assert_eq!((status, &body["n"]), (201, &json!(1)), "{body}");
    // Sealed for a place already taken: refused, nothing overwritten.
    let (status, body) = reader.post("reply", reply, Some(&token)).await;
    assert_eq!(status, 409, "{body}");

    // The sender sees the read and the reply, and fetches the reply for the vault.
    let agent = g.person("agent");
    let view = status_of(&g, agent, &sent).await;
    assert_eq!(view.recipients.len(), 1);
    assert_eq!(view.recipients[0].address, "Reader@Customer.test");
    assert_eq!(view.recipients[0].state, RecipientState::Read);
    assert_eq!(view.recipients[0].reads.len(), 1);
    assert_eq!(view.entries.len(), 2);
    assert_eq!(view.entries[1].from, Author::Recipient);
    let (status, entry) = g
        .get(
            agent,
            &format!("/api/v1/inboxes/{}/secure/{}/entries/1", g.inbox.0, sent.id),
        )
        .await;
    assert_eq!(status, 200);
    let entry: Value = serde_json::from_slice(&entry).unwrap();
    let parts: Vec<Vec<u8>> = entry["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| STANDARD.decode(a.as_str().unwrap()).unwrap())
        .collect();
    let (subject, body, files) = sent.open(1, entry["manifest"].as_str().unwrap(), &parts);
    assert_eq!(
        (subject.as_str(), body.as_str()),
        ("Re: Your contract", "Signed and attached.")
    );
    assert_eq!(files, [vec![7; 5000]]);

    // The agent answers into the thread; the reader sees it after their own.
    let answer = sent.entry(2, "Re: Your contract", "Thank you, received.", &[]);
    let (status, body) = g
        .post(
            agent,
            &format!("/api/v1/inboxes/{}/secure/{}/entries", g.inbox.0, sent.id),
            answer,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, thread) = reader.thread(&token).await;
    let from: Vec<&str> = thread["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["from"].as_str().unwrap())
        .collect();
    assert_eq!(from, ["sender", "you", "sender"]);

    // The read is in the organization's audit trail, and the trail is intact.
    let owner = &g.owner;
    let (_, audit) = g.get(owner, "/api/v1/audit").await;
    let audit = String::from_utf8(audit).unwrap();
    assert!(
        audit.contains("secure.read") && audit.contains("secure.create"),
        "{audit}"
    );
    let (_, verdict) = g.get(owner, "/api/v1/audit/verify").await;
    let verdict: Value = serde_json::from_slice(&verdict).unwrap();
    assert_eq!(verdict["intact"], true, "{verdict}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_that_may_not_read_gets_the_same_answers_and_no_mail() {
    let g = connected().await;
    let sent = sent_to(&g, &["reader@customer.test"], json!({})).await;
    let stranger = Reader::new(&g, &sent, "stranger@elsewhere.test");
    let reader = Reader::new(&g, &sent, "reader@customer.test");

    let before = g.emu.sent_messages().len();
    let (status, body) = stranger.ask_code().await;
    assert_eq!((status, body.clone()), (202, json!({"sent": true})));
    // The reader's code is the only mail sent since.
    let code = reader.code().await;
    assert_eq!(g.emu.sent_messages().len(), before + 1);
    assert_eq!(
        g.emu.sent_messages()[before].rcpt_to,
        ["reader@customer.test"]
    );

    // The reader's code in the stranger's hands, and a wrong code in the reader's: one answer.
    let (status_stranger, refused_stranger) = stranger.try_code(&code).await;
    let (status_wrong, refused_wrong) = reader.try_code(&other_code(&code)).await;
    assert_eq!((status_stranger, status_wrong), (403, 403));
    assert_eq!(refused_stranger, refused_wrong);
    assert_eq!(refused_wrong["code"], "wrong_code");

    // A message that does not exist, and a malformed id: not found, for anyone.
    let nobody = Sent::new().0;
    let (status, body) = Reader::new(&g, &nobody, "reader@customer.test")
        .ask_code()
        .await;
    assert_eq!((status, &body["code"]), (404, &json!("not_found")));
    let mut bad = Reader::new(&g, &nobody, "reader@customer.test");
    bad.id = "not-an-id".into();
    assert_eq!(bad.ask_code().await.0, 404);
    // Not an address at all: said so.
    assert_eq!(Reader::new(&g, &sent, "no address").ask_code().await.0, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_lock_the_reader_out_until_the_sender_unlocks() {
    let g = connected().await;
    let sent = sent_to(&g, &["reader@customer.test"], json!({})).await;
    let reader = Reader::new(&g, &sent, "reader@customer.test");
    let code = reader.code().await;
    for _ in 0..5 {
        assert_eq!(reader.try_code(&other_code(&code)).await.0, 403);
    }
    // The right code no longer opens: the code is gone and the reader locked.
    let (status, body) = reader.try_code(&code).await;
    assert_eq!((status, &body["code"]), (403, &json!("wrong_code")));
    let agent = g.person("agent");
    let view = status_of(&g, agent, &sent).await;
    assert_eq!(view.recipients[0].state, RecipientState::Locked);
    assert!(view.recipients[0].locked_at.is_some());
    assert!(view.recipients[0].reads.is_empty());

    // Asking again mails word of the lockout, not a code.
    let before = g.emu.sent_messages().len();
    assert_eq!(reader.ask_code().await.0, 202);
    let text = mail_after(&g, before).await;
    assert!(
        text.contains("locked") && six_digits(&text).is_none(),
        "{text}"
    );

    // The sender unlocks; a new code opens.
    let (status, body) = g
        .post(
            agent,
            &format!("/api/v1/inboxes/{}/secure/{}/unlock", g.inbox.0, sent.id),
            json!({"recipient": 0}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipients"][0]["state"], "waiting");
    reader.open().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_used_once_and_expires_after_ten_minutes() {
    let g = connected().await;
    let sent = sent_to(&g, &["reader@customer.test"], json!({})).await;
    let reader = Reader::new(&g, &sent, "reader@customer.test");
    let code = reader.code().await;
    assert_eq!(reader.try_code(&code).await.0, 200);
    // Replayed.
    assert_eq!(reader.try_code(&code).await.0, 403);
    // A new code, ten minutes and a second later.
    let code = reader.code().await;
    g.rig.hub().clock().advance(601);
    assert_eq!(reader.try_code(&code).await.0, 403);
    // A newer code replaces the one before it.
    let first = reader.code().await;
    let second = reader.code().await;
    if first != second {
        assert_eq!(reader.try_code(&first).await.0, 403);
    }
    assert_eq!(reader.try_code(&second).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_requests_are_limited_per_address() {
    let g = connected().await;
    let sent = sent_to(&g, &["reader@customer.test"], json!({})).await;
    let reader = Reader::new(&g, &sent, "reader@customer.test");
    for _ in 0..5 {
        assert_eq!(reader.ask_code().await.0, 202);
    }
    let (status, body) = reader.ask_code().await;
    assert_eq!((status, &body["code"]), (429, &json!("rate_limited")));
    // The limit is the address's: another recipient of the same message still gets one.
    let stranger = Reader::new(&g, &sent, "someone@else.test");
    assert_eq!(stranger.ask_code().await.0, 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_opens_allowed_then_expiry_end_access_and_delete_the_key() {
    let g = connected().await;
    let sent = sent_to(&g, &["reader@customer.test"], json!({"max_opens": 1})).await;
    let reader = Reader::new(&g, &sent, "reader@customer.test");
    let (token, _) = reader.open().await;
    let code = reader.code().await;
    let (status, body) = reader.try_code(&code).await;
    assert_eq!((status, &body["code"]), (410, &json!("gone")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("as many times"));

    // 28 days on (the default), the message is expired for everyone, the key gone.
    g.rig.hub().clock().advance(28 * 86_400);
    let (status, body) = reader.thread(&token).await;
    assert_eq!((status, &body["code"]), (410, &json!("gone")));
    assert!(body["message"].as_str().unwrap().contains("expired"));
    assert_eq!(reader.ask_code().await.0, 410);
    let row = stored(&g, &sent).await;
    assert!(
        row.key_server.is_none(),
        "the sweep deleted the server's half"
    );
    let view = status_of(&g, g.person("agent"), &sent).await;
    assert!(view.expired && !view.revoked);
}

async fn stored(g: &GmailRig, sent: &Sent) -> helpr_server::store::secure::MessageRow {
    // The sweep runs when the clock moves: wait for it (a hang guard).
    let id = sent.id.clone();
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let id = id.clone();
            let row = g
                .rig
                .hub()
                .db()
                .run(move |tx| helpr_server::store::secure::message_by_id(tx, &id))
                .await
                .unwrap()
                .unwrap();
            if row.key_server.is_none() || row.expires_at > g.rig.hub().clock().now() {
                return row;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the sweep runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_ends_access_before_and_after_a_read() {
    let g = &connected().await;
    let agent = g.person("agent");
    let revoke = |sent: &Sent, body: Value| {
        let path = format!("/api/v1/inboxes/{}/secure/{}/revoke", g.inbox.0, sent.id);
        async move { g.post(agent, &path, body).await }
    };

    // Before any read: the link is useless from then on.
    let before = sent_to(g, &["reader@customer.test"], json!({})).await;
    let (status, view) = revoke(&before, json!({})).await;
    assert_eq!((status, &view["revoked"]), (200, &json!(true)), "{view}");
    let reader = Reader::new(g, &before, "reader@customer.test");
    let (status, body) = reader.ask_code().await;
    assert_eq!(status, 410);
    assert!(body["message"].as_str().unwrap().contains("revoked"));
    let row = stored(g, &before).await;
    assert!(row.key_server.is_none());
    let id = row.row_id;
    let parts = g
        .rig
        .hub()
        .db()
        .run(move |tx| helpr_server::store::secure::entries(tx, id))
        .await
        .unwrap();
    assert!(parts.is_empty(), "the parts are deleted");

    // After a read: the reader's session ends on its next call.
    let after = sent_to(g, &["one@customer.test", "two@customer.test"], json!({})).await;
    let one = Reader::new(g, &after, "one@customer.test");
    let two = Reader::new(g, &after, "two@customer.test");
    let (token_one, _) = one.open().await;
    let (token_two, _) = two.open().await;
    // One reader revoked: only theirs ends.
    let (status, view) = revoke(&after, json!({"recipient": 0})).await;
    assert_eq!(status, 200);
    assert_eq!(view["recipients"][0]["state"], "revoked");
    assert_eq!(view["recipients"][1]["state"], "read");
    let (status, body) = one.thread(&token_one).await;
    assert_eq!((status, &body["code"]), (410, &json!("gone")));
    assert_eq!(two.thread(&token_two).await.0, 200);
    // A revoked reader's new code is refused like any wrong one.
    let before_mail = g.emu.sent_messages().len();
    assert_eq!(one.ask_code().await.0, 202);
    assert_eq!(two.ask_code().await.0, 202);
    let text = mail_after(g, before_mail).await;
    assert!(
        text.contains("To: two@customer.test"),
        "only the live reader is mailed"
    );
    // Then all.
    assert_eq!(revoke(&after, json!({})).await.0, 200);
    assert_eq!(two.thread(&token_two).await.0, 410);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_decides_who_makes_and_sees_secure_messages() {
    let g = connected().await;
    for (who, expected) in [
        ("viewer", 403),
        ("outsider", 403),
        ("agent", 201),
        ("manager", 201),
    ] {
        let (sent, server) = Sent::new();
        let (status, body) = create(
            &g,
            g.person(who),
            &sent,
            &server,
            &["r@customer.test"],
            json!({}),
        )
        .await;
        assert_eq!(status, expected, "{who}: {body}");
    }
    // Not bound to a conversation yet: only its creator sees it.
    let sent = sent_to(&g, &["r@customer.test"], json!({})).await;
    let list = |who: &'static str| {
        let g = &g;
        async move {
            let (status, body) = g
                .get(
                    g.person(who),
                    &format!("/api/v1/inboxes/{}/secure", g.inbox.0),
                )
                .await;
            (status, serde_json::from_slice::<SecureList>(&body).ok())
        }
    };
    let ids =
        |l: Option<SecureList>| l.map(|l| l.messages.into_iter().map(|m| m.id).collect::<Vec<_>>());
    assert!(ids(list("agent").await.1).unwrap().contains(&sent.id));
    assert!(!ids(list("manager").await.1).unwrap().contains(&sent.id));
    assert_eq!(list("outsider").await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_refusal_and_changes_nothing() {
    let g = connected().await;
    let agent = g.person("agent");
    let cases = [
        (json!({"id": "short"}), "`id`"),
        (json!({"recipients": []}), "recipients"),
        (json!({"recipients": ["not an address"]}), "address"),
        (json!({"key_server": "AAAA"}), "key_server"),
        (json!({"manifest": "AAAA"}), "too short"),
        (json!({"manifest": "%%%"}), "base64"),
        (json!({"expires_at": 1}), "expires_at"),
        (json!({"max_opens": 0}), "max_opens"),
    ];
    for (extra, says) in cases {
        let (sent, server) = Sent::new();
        let (status, body) = create(
            &g,
            agent,
            &sent,
            &server,
            &["r@customer.test"],
            extra.clone(),
        )
        .await;
        assert_eq!(status, 400, "{extra}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{extra}: {body}"
        );
    }
    // The same id twice: a conflict, the first kept.
    let (sent, server) = Sent::new();
    assert_eq!(
        create(&g, agent, &sent, &server, &["r@customer.test"], json!({}))
            .await
            .0,
        201
    );
    assert_eq!(
        create(&g, agent, &sent, &server, &["x@customer.test"], json!({}))
            .await
            .0,
        409
    );
    let view = status_of(&g, agent, &sent).await;
    assert_eq!(view.recipients[0].address, "r@customer.test");
    // A reader's call without a token, or with a made-up one.
    let reader = Reader::new(&g, &sent, "r@customer.test");
    assert_eq!(reader.thread("made-up").await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_s_data_alone_does_not_open_a_message_and_holds_no_canary() {
    let tag = format!("{:016x}", rand::random::<u64>());
    let g = connected().await;
    let subject = format!("Canary secure subject {tag}");
    let body = format!("Canary secure body {tag}");
    let name = format!("canary-{tag}.pdf");
    let bytes = format!("canary attachment bytes {tag}").into_bytes();
    let address = format!("canary-{tag}@customer.test");
    let reply = format!("Canary reply {tag}");

    let (sent, server) = Sent::new();
    let mut request = sent.entry(0, &subject, &body, &[pdf(&name, bytes.clone())]);
    let fields = request.as_object_mut().unwrap();
    fields.remove("n");
    fields.insert("id".into(), json!(sent.id));
    fields.insert("recipients".into(), json!([address]));
    fields.insert(
        "key_server".into(),
        json!(URL_SAFE_NO_PAD.encode(server.as_bytes())),
    );
    let (status, answer) = g
        .post(
            g.person("agent"),
            &format!("/api/v1/inboxes/{}/secure", g.inbox.0),
            request,
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let reader = Reader::new(&g, &sent, &address);
    let (token, _) = reader.open().await;
    let (status, _) = reader
        .post("reply", sent.entry(1, "Re", &reply, &[]), Some(&token))
        .await;
    assert_eq!(status, 201);

    // Everything the server keeps, read through its own keys: the sealed half opened, the
    // parts. Without the link's half nothing opens: not the server's half as the key, not
    // the server's half with any guess at the other.
    let row = stored(&g, &sent).await;
    let server_half = g
        .rig
        .server
        .hub
        .keys()
        .open(
            g.rig.org.0,
            helpr_crypto::RecordRef::new("secure_message", row.row_id, "key_server"),
            row.key_server.as_deref().unwrap(),
        )
        .unwrap();
    let server_half = ServerKey::from_bytes(server_half.as_slice().try_into().unwrap());
    let row_id = row.row_id;
    let entries = g
        .rig
        .hub()
        .db()
        .run(move |tx| helpr_server::store::secure::entries(tx, row_id))
        .await
        .unwrap();
    let manifest = SealedPackage {
        manifest: entries[0].0.manifest.clone(),
        attachments: vec![vec![]],
    };
    let id0 = entry_id(&sent.id, 0);
    let guesses = [
        MessageKey::derive(&LinkKey::from_bytes([0; 32]), &server_half),
        MessageKey::derive(&LinkKey::from_bytes(*server_half.as_bytes()), &server_half),
        MessageKey::derive(&LinkKey::generate(), &server_half),
        // The link alone, the other way round.
        MessageKey::derive(&sent.link, &ServerKey::from_bytes([0; 32])),
        MessageKey::derive(&sent.link, &ServerKey::generate()),
    ];
    for guess in &guesses {
        assert!(manifest.open_manifest(guess, &id0).is_err());
    }
    // Both halves do.
    let both = MessageKey::derive(&sent.link, &server_half);
    assert_eq!(
        manifest.open_manifest(&both, &id0).unwrap().subject,
        subject
    );

    // No canary in any file of the server's, in any form.
    let fragment = sent.link.to_fragment();
    let canaries: [&[u8]; 7] = [
        subject.as_bytes(),
        body.as_bytes(),
        name.as_bytes(),
        &bytes,
        address.as_bytes(),
        reply.as_bytes(),
        fragment.as_bytes(),
    ];
    let (hits, scanned) = canary::scan(g.rig.data.path(), &canaries);
    assert!(scanned > 0);
    assert_eq!(hits, Vec::<String>::new(), "plaintext at rest");
}
