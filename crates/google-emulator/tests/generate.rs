//! The synthetic mail generator: deterministic per seed, every message parses with
//! mail-parser and has a Message-ID, and the mix a demo needs is there — threads whose
//! replies name an earlier message, HTML, attachments, ISO-8859-1 and Shift_JIS bodies that
//! decode, mail from the account — and it seeds into a mailbox with SENT and threads.

mod common;

use common::Fixture;
use google_emulator::generate::generate;
use mail_parser::MessageParser;
use std::collections::HashSet;

const ACCOUNT: &str = common::ACCOUNT;

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_differs() {
    assert_eq!(generate(7, 40, ACCOUNT), generate(7, 40, ACCOUNT));
    assert_ne!(generate(7, 40, ACCOUNT), generate(8, 40, ACCOUNT));
    assert_eq!(generate(7, 40, ACCOUNT).len(), 40);
    assert!(generate(7, 0, ACCOUNT).is_empty());
}

#[test]
fn every_message_parses_and_the_mix_is_realistic() {
    let mail = generate(42, 120, ACCOUNT);
    let parser = MessageParser::default();
    let mut ids = HashSet::new();
    let (mut replies, mut html, mut attachments, mut from_account) = (0, 0, 0, 0);
    let (mut latin1, mut sjis) = (false, false);
    for raw in &mail {
        let m = parser.parse(raw).expect("parses");
        let id = m.message_id().expect("a Message-ID").to_owned();
        assert!(ids.insert(id), "Message-IDs are unique");
        assert!(m.date().is_some() && m.subject().is_some() && m.from().is_some());
        if let Some(parent) = m.in_reply_to().as_text() {
            assert!(ids.contains(parent), "a reply names an earlier message");
            assert!(m.subject().unwrap().starts_with("Re: "));
            replies += 1;
        }
        if m.html_body_count() > 0 && m.html_part(0).is_some_and(|p| p.is_text_html()) {
            html += 1;
        }
        attachments += m.attachment_count();
        if m.from().unwrap().first().unwrap().address() == Some(ACCOUNT) {
            from_account += 1;
        }
        let text = m.body_text(0).unwrap_or_default().into_owned();
        let content_type = String::from_utf8_lossy(raw).to_ascii_lowercase();
        if content_type.contains("charset=iso-8859-1") {
            assert!(text.contains(['ü', 'é', '€', 'è']), "{text}");
            latin1 = true;
        }
        if content_type.contains("charset=shift_jis") {
            assert!(text.contains("お世話になっております"), "{text}");
            sjis = true;
        }
    }
    assert!(replies >= 10, "{replies} replies");
    assert!(html >= 5, "{html} HTML messages");
    assert!(attachments >= 5, "{attachments} attachments");
    assert!(from_account >= 5, "{from_account} from the account");
    assert!(latin1 && sjis);
}

#[tokio::test]
async fn generated_mail_seeds_with_threads_and_sent() {
    let f = Fixture::new().await;
    let ids = f.emulator.seed_messages(generate(3, 60, ACCOUNT));
    let messages: Vec<_> = ids
        .iter()
        .map(|id| f.emulator.message(id).unwrap())
        .collect();
    assert!(messages.iter().any(|m| m.label_ids == ["SENT"]));
    assert!(messages
        .iter()
        .any(|m| m.label_ids.contains(&"INBOX".to_owned())));
    let threads: HashSet<&str> = messages.iter().map(|m| m.thread_id.as_str()).collect();
    assert!(
        threads.len() < 50,
        "{} threads for 60 messages",
        threads.len()
    );
    let (status, profile) = f.get("profile", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(profile["messagesTotal"], 60);
    assert_eq!(profile["threadsTotal"], threads.len());
}
