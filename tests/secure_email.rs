//! Secure email from the desktop's side, with the real `helpr` binary and vault: an agent sends
//! a secure message with an attachment from the shared inbox (`helpr send --secure`); the
//! notification goes out through the team server's send path and holds the link but none of
//! the message; a reader (here an HTTP client doing what the page does; `secure_browser.rs`
//! drives the page itself in Chromium) proves their address, opens the thread with the link's
//! half and the released half, and replies with an attachment; the agent's next `team sync`
//! stores the reply as a message of the same conversation, searchable, its attachment
//! byte-exact; the agent answers into the protected thread (`--secure --reply-to`); the
//! status shows the read; revoking ends it. The server's data and the vault hold no canary.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use helpr_secure::{entry_id, Attachment, LinkKey, MessageKey, SealedPackage, ServerKey};
use helpr_tests::secure::{agent, link_in, mails_after, send_secure, six_digits, READER};
use helpr_tests::team::BrokeredInbox;
use helpr_tests::{scan, Scratch};
use serde_json::{json, Value};

const SUBJECT: &str = "Contract pangolin4411";
const BODY: &str = "The signed contract is attached. quokka8802";
const FILE: &str = "contract-narwhal6620.pdf";
const REPLY: &str = "Thank you, countersigned. axolotl3157";
const REPLY_FILE: &str = "countersigned-tapir9084.pdf";

/// What the page does, over HTTP (trusting the server's certificate by its fingerprint): a
/// code, the key released, the thread.
struct Reader<'a> {
    brokered: &'a BrokeredInbox,
    http: reqwest::Client,
    api: String,
    id: String,
    key: MessageKey,
    token: String,
}

/// A request's status and body.
fn fetch(brokered: &BrokeredInbox, request: reqwest::RequestBuilder) -> (u16, Vec<u8>) {
    brokered.team.runtime.block_on(async {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    })
}

impl<'a> Reader<'a> {
    fn open(brokered: &'a BrokeredInbox, page: &str, id: &str, fragment: &str) -> Reader<'a> {
        let http = helpr_team::pin::client(brokered.team.fingerprint());
        let base = page.split("/s/").next().unwrap().to_owned();
        let api = format!("{base}/api/v1/secure/{id}");
        let before = brokered.emu.sent_messages().len();
        let asked = http
            .post(format!("{api}/code"))
            .json(&json!({"address": READER}));
        assert_eq!(fetch(brokered, asked).0, 202);
        let code = six_digits(&mails_after(&brokered.emu, before, 1)[0]);
        let verify = http
            .post(format!("{api}/verify"))
            .json(&json!({"address": READER, "code": code}));
        let (status, body) = fetch(brokered, verify);
        assert_eq!(status, 200);
        let released: Value = serde_json::from_slice(&body).unwrap();
        let server: [u8; 32] = URL_SAFE_NO_PAD
            .decode(released["key_server"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let key = MessageKey::derive(
            &LinkKey::from_fragment(fragment).unwrap(),
            &ServerKey::from_bytes(server),
        );
        Reader {
            brokered,
            http,
            api,
            id: id.to_owned(),
            key,
            token: released["token"].as_str().unwrap().to_owned(),
        }
    }

    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let request = self
            .http
            .get(format!("{}/{path}", self.api))
            .bearer_auth(&self.token);
        fetch(self.brokered, request)
    }

    fn thread(&self) -> Value {
        serde_json::from_slice(&self.get("thread").1).unwrap()
    }

    /// Entry `n`'s subject, body and attachments, opened.
    fn read(&self, n: u32) -> (String, String, Vec<(String, Vec<u8>)>) {
        let thread = self.thread();
        let entry = &thread["entries"][n as usize];
        let parts: Vec<Vec<u8>> = (0..entry["attachments"].as_array().unwrap().len())
            .map(|k| self.get(&format!("entries/{n}/attachments/{k}")).1)
            .collect();
        let package = SealedPackage {
            manifest: STANDARD
                .decode(entry["manifest"].as_str().unwrap())
                .unwrap(),
            attachments: parts,
        };
        let place = entry_id(&self.id, n);
        let manifest = package.open_manifest(&self.key, &place).unwrap();
        let files = manifest
            .attachments
            .iter()
            .enumerate()
            .map(|(k, a)| {
                (
                    a.name.clone(),
                    package.open_attachment(&self.key, &place, k).unwrap(),
                )
            })
            .collect();
        (manifest.subject, manifest.body, files)
    }

    fn reply(&self, body: &str, file: (&str, &[u8])) -> u16 {
        let n = self.thread()["entries"].as_array().unwrap().len() as u32;
        let sealed = SealedPackage::seal(
            &self.key,
            &entry_id(&self.id, n),
            "Re: secure",
            body,
            &[Attachment {
                name: file.0.into(),
                content_type: "application/pdf".into(),
                bytes: file.1.to_vec(),
            }],
        );
        let request = self
            .http
            .post(format!("{}/reply", self.api))
            .bearer_auth(&self.token)
            .json(&json!({
                "n": n,
                "manifest": STANDARD.encode(&sealed.manifest),
                "attachments": sealed.attachments.iter().map(|a| STANDARD.encode(a)).collect::<Vec<_>>(),
            }));
        fetch(self.brokered, request).0
    }
}

fn hits(vault: &Scratch, query: &str) -> Vec<Value> {
    vault.json(&["search", query])["hits"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_secure_message_goes_out_sealed_and_its_reply_lands_in_the_conversation() {
    let brokered = BrokeredInbox::start("support@acme.test", vec![]);
    let ada = agent(&brokered);
    let attachment = ada.tmp().join(FILE);
    let pdf = format!("%PDF-1.7 signed pages {FILE}").into_bytes();
    std::fs::write(&attachment, &pdf).unwrap();

    let before = brokered.emu.sent_messages().len();
    let sent = send_secure(&ada, SUBJECT, BODY, Some(&attachment));
    assert_eq!(sent["entry"], 0, "{sent}");
    // The notification: the link, with its half of the key after `#`, and nothing else.
    let notification = &mails_after(&brokered.emu, before, 1)[0];
    for secret in [SUBJECT, BODY, FILE] {
        assert!(
            !notification.contains(secret),
            "{secret} in the notification"
        );
    }
    let (page, id, fragment) = link_in(notification);
    assert_eq!(id, sent["id"].as_str().unwrap());
    assert_eq!(fragment.len(), 43);
    // The agent's own copy is a message of the conversation, searchable at once.
    let own = hits(&ada, "pangolin4411");
    assert_eq!(own.len(), 1);
    let thread = own[0]["thread_id"].clone();

    let reader = Reader::open(&brokered, &page, &id, &fragment);
    let (subject, body, files) = reader.read(0);
    assert_eq!((subject.as_str(), body.as_str()), (SUBJECT, BODY));
    assert_eq!(files, [(FILE.to_owned(), pdf)]);
    let countersigned = vec![0x25u8; 70_000];
    assert_eq!(reader.reply(REPLY, (REPLY_FILE, &countersigned)), 201);

    // The agent's next sync stores the reply in the conversation, from the reader, unread.
    ada.ok(&["team", "sync"]);
    let replies = hits(&ada, "axolotl3157");
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["thread_id"], thread);
    let shown = ada.json(&["show", &replies[0]["id"].to_string()]);
    assert!(shown["from"].to_string().contains(READER), "{shown}");
    assert!(shown["text"].as_str().unwrap().contains(REPLY), "{shown}");
    assert_eq!(shown["attachments"][0]["name"], REPLY_FILE, "{shown}");
    let attachment = shown["attachments"][0]["id"].as_i64().unwrap();
    let stored = brokered.team.runtime.block_on(async {
        let helpr = helpr_core::Helpr::open(&ada.data()).await.unwrap();
        helpr.read_attachment(attachment).await.unwrap()
    });
    assert_eq!(
        stored, countersigned,
        "the reply's attachment, byte for byte"
    );
    // A second sync stores nothing twice.
    ada.ok(&["team", "sync"]);
    assert_eq!(hits(&ada, "axolotl3157").len(), 1);

    // The read is in the vault's audit trail too, with its time; the trail is intact.
    let trail = ada.json(&["audit", "--action", "secure."]);
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"secure.send") && actions.contains(&"secure.read"),
        "{trail}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "secure.read").count(),
        1,
        "one read, once"
    );
    ada.ok(&["audit", "verify"]);

    // The status: read once, two entries.
    let status = ada.json(&["secure", "status"]);
    let view = &status[0]["status"];
    assert_eq!(view["recipients"][0]["state"], "read", "{status}");
    assert_eq!(view["entries"].as_array().unwrap().len(), 2);

    // The agent answers into the protected thread; the reader gets word and reads it.
    let before = brokered.emu.sent_messages().len();
    let answer = ada.json(&[
        "send",
        "--secure",
        "--from",
        "support@acme.test",
        "--to",
        READER,
        "--reply-to",
        &replies[0]["id"].to_string(),
        "--body",
        "Received, thank you. dugong5521",
    ]);
    assert_eq!(
        (answer["id"].as_str(), &answer["entry"]),
        (Some(id.as_str()), &json!(2)),
        "{answer}"
    );
    let word = &mails_after(&brokered.emu, before, 1)[0];
    assert!(!word.contains("dugong5521"), "{word}");
    assert_eq!(link_in(word).2, fragment);
    assert_eq!(reader.read(2).1, "Received, thank you. dugong5521");

    // Revoked: the reader's session ends; the status says so.
    let revoked = ada.json(&["secure", "revoke", &id]);
    assert_eq!(revoked["revoked"], true, "{revoked}");
    assert_eq!(reader.get("thread").0, 410);

    // Nothing of it in the clear on the server or in the vault.
    for canary in [
        SUBJECT,
        BODY,
        FILE,
        REPLY,
        REPLY_FILE,
        "dugong5521",
        &fragment,
    ] {
        assert_eq!(
            scan(&[brokered.team.data.path()], canary),
            vec![],
            "{canary} on the server"
        );
        assert_eq!(
            scan(&[&ada.data()], canary),
            vec![],
            "{canary} in the vault"
        );
    }
}
