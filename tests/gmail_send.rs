//! `helpr send` end to end: the real binary submits over the google-emulator's SMTP listeners
//! (XOAUTH2 over implicit TLS and STARTTLS, the emulator's CA trusted through
//! `tls.extra_ca_pem`). The envelope and bytes the emulator received are checked; the local
//! sent copy is searchable before any sync, and after sync the vault still holds one copy,
//! now with Gmail's id; a reply joins its parent's thread in Gmail and in the vault;
//! attachments round-trip; one refused token is refreshed and retried, two fail cleanly;
//! bad input is refused before anything is sent, and a failed send leaves the data dir as it
//! was.

use google_emulator::OAuthConfig;
use helpr_tests::gmail::{GmailRig, Smtp};
use helpr_tests::{assert_nothing_written, ids_of, message, snapshot};
use serde_json::Value;

fn rig(smtp: Smtp) -> GmailRig {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.use_emulator_config(smtp);
    rig.connect_ok();
    rig
}

/// The one message the emulator accepted over SMTP, parsed by helpr's pipeline.
fn only_sent(rig: &GmailRig) -> (google_emulator::smtp::SentMessage, helpr_mail::ParsedMail) {
    let sent = rig.emu.sent_messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let raw = rig.emu.message(&sent[0].id).unwrap().raw;
    (sent[0].clone(), helpr_mail::parse(&raw).unwrap())
}

fn list_entry(rig: &GmailRig, id: i64) -> Value {
    rig.scratch
        .json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("message {id} is not listed"))
}

#[test]
fn a_sent_message_is_searchable_at_once_and_sync_keeps_one_copy() {
    let rig = rig(Smtp::ImplicitTls);
    let mut ids = rig.seed(5, 21);
    rig.sync_ok();

    let sent = rig.send_ok(&[
        "--to",
        "Bob Example <bob@example.org>",
        "--to",
        "carol@example.org",
        "--cc",
        "dave@example.org",
        "--subject",
        "Quokka plan",
        "--body",
        "Let us meet about the zebrafinch budget.",
    ]);
    let id = sent["id"].as_i64().unwrap();
    let message_id = sent["message_id"].as_str().unwrap().to_owned();
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@helpr>"),
        "{message_id}"
    );

    // What Gmail received: the envelope (To and Cc), the headers, the body.
    let (got, mail) = only_sent(&rig);
    assert_eq!(got.mail_from, rig.address());
    assert_eq!(
        got.rcpt_to,
        ["bob@example.org", "carol@example.org", "dave@example.org"]
    );
    assert_eq!(rig.emu.message(&got.id).unwrap().label_ids, ["SENT"]);
    assert_eq!(mail.subject, "Quokka plan");
    assert_eq!(
        format!("<{}>", mail.headers.message_id.as_deref().unwrap()),
        message_id
    );
    assert_eq!(mail.headers.from[0].address, rig.address());
    assert_eq!(mail.headers.to.len(), 2);
    assert_eq!(mail.headers.cc[0].address, "dave@example.org");
    assert!(mail.text.contains("zebrafinch budget"), "{}", mail.text);
    assert!(mail.date.is_some(), "a Date header");
    assert_eq!(rig.emu.smtp_auth_failures(), 0);

    // Searchable before any sync, stored as read and SENT.
    assert_eq!(rig.scratch.search_ids("zebrafinch"), [id]);
    assert_eq!(rig.scratch.search_ids("label:SENT subject:quokka"), [id]);
    let shown = rig.scratch.json(&["show", &id.to_string()]);
    assert_eq!(shown["labels"], serde_json::json!(["SENT"]));
    assert_eq!(list_entry(&rig, id)["unread"], false);
    assert_eq!(rig.vault_lookup(&got.id), (6, None));

    // Gmail's SENT copy arrives by sync: matched by Message-ID, not stored twice.
    let out = rig.sync_ok();
    assert_eq!(out[0]["summary"]["added"], 0, "{out}");
    assert_eq!(rig.vault_lookup(&got.id), (6, Some(id)));
    ids.push(got.id.clone());
    assert_eq!(rig.vault(), rig.mailbox(&ids));
    assert_eq!(rig.scratch.search_ids("zebrafinch"), [id]);
    rig.scratch.assert_doctor_healthy();
}

#[test]
fn a_reply_joins_its_parents_thread_in_gmail_and_in_the_vault() {
    let rig = rig(Smtp::ImplicitTls);
    let parent_gid = rig.emu.add_message(
        message(
            "budget",
            "Budget 2027",
            "What do we spend on wombats?",
            None,
        ),
        &["INBOX", "UNREAD"],
    );
    rig.sync_ok();
    let parent = ids_of(&rig.scratch.search("subject:budget", &[])["hits"])[0];
    let parent_thread = list_entry(&rig, parent)["thread_id"].clone();

    // No --subject: derived from the parent.
    let reply = rig.send_ok(&[
        "--to",
        "sender-budget@example.com",
        "--reply-to",
        &parent.to_string(),
        "--body",
        "Less on wombats, more on quolls.",
    ]);
    let (got, mail) = only_sent(&rig);
    assert_eq!(mail.subject, "Re: Budget 2027");
    assert_eq!(mail.headers.in_reply_to, ["budget@example.com"]);
    assert_eq!(mail.headers.references, ["budget@example.com"]);
    let gmail_thread = rig.emu.message(&parent_gid).unwrap().thread_id;
    assert_eq!(got.thread_id, gmail_thread, "Gmail threads the reply");

    let reply_id = reply["id"].as_i64().unwrap();
    assert_eq!(reply["thread_id"], parent_thread);
    assert_eq!(list_entry(&rig, reply_id)["thread_id"], parent_thread);

    // A reply to the reply: References carry the whole chain; one thread everywhere.
    let second = rig.send_ok(&[
        "--to",
        "sender-budget@example.com",
        "--reply-to",
        &reply_id.to_string(),
        "--body",
        "And a bilby.",
    ]);
    let all = rig.emu.sent_messages();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].thread_id, gmail_thread);
    let raw = rig.emu.message(&all[1].id).unwrap().raw;
    let second_mail = helpr_mail::parse(&raw).unwrap();
    assert_eq!(second_mail.subject, "Re: Budget 2027", "one Re:");
    let first_mid = mail.headers.message_id.clone().unwrap();
    assert_eq!(
        second_mail.headers.references,
        ["budget@example.com".to_owned(), first_mid.clone()]
    );
    assert_eq!(second_mail.headers.in_reply_to, [first_mid]);
    assert_eq!(second["thread_id"], parent_thread);

    // After sync: still three messages, one thread, each with its Gmail id.
    rig.sync_ok();
    let ids = vec![parent_gid, all[0].id.clone(), all[1].id.clone()];
    assert_eq!(rig.vault(), rig.mailbox(&ids));
    let list = rig.scratch.json(&["list"]);
    let threads: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["thread_id"])
        .collect();
    assert_eq!(threads, [&parent_thread; 3]);
}

#[test]
fn attachments_round_trip() {
    let rig = rig(Smtp::ImplicitTls);
    let notes = rig.scratch.tmp().join("notes.txt");
    std::fs::write(&notes, "platypus minutes\n").unwrap();
    let blob = rig.scratch.tmp().join("figures.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    std::fs::write(&blob, &bytes).unwrap();

    let sent = rig.send_ok(&[
        "--to",
        "bob@example.org",
        "--subject",
        "Minutes attached",
        "--body",
        "See the files.",
        "--attach",
        notes.to_str().unwrap(),
        "--attach",
        blob.to_str().unwrap(),
    ]);
    let (_, mail) = only_sent(&rig);
    let names: Vec<(&str, &str)> = mail
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.content_type.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("notes.txt", "text/plain"),
            ("figures.bin", "application/octet-stream")
        ]
    );
    assert_eq!(mail.attachments[0].data, b"platypus minutes\n");
    assert_eq!(mail.attachments[1].data, bytes);

    let id = sent["id"].as_i64().unwrap();
    let shown = rig.scratch.json(&["show", &id.to_string()]);
    let stored: Vec<(String, u64)> = shown["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stored,
        [
            ("notes.txt".to_owned(), 17),
            ("figures.bin".to_owned(), 70_000)
        ]
    );
    assert_eq!(rig.scratch.search_ids("filename:figures"), [id]);
    assert_eq!(rig.scratch.search_ids("has:attachment"), [id]);
}

#[test]
fn starttls_configuration_sends() {
    let rig = rig(Smtp::StartTls);
    let sent = rig.send_ok(&[
        "--to",
        "bob@example.org",
        "--subject",
        "Over STARTTLS",
        "--body",
        "Plain text first, then TLS.",
    ]);
    let (got, mail) = only_sent(&rig);
    assert_eq!(mail.subject, "Over STARTTLS");
    assert_eq!(got.rcpt_to, ["bob@example.org"]);
    assert_eq!(
        rig.scratch.search_ids("subject:starttls"),
        [sent["id"].as_i64().unwrap()]
    );
}

#[test]
fn a_refused_token_is_refreshed_and_the_send_retried_once() {
    let rig = rig(Smtp::ImplicitTls);
    rig.emu.fail_next_smtp_auth(1);
    rig.send_ok(&[
        "--to",
        "bob@example.org",
        "--subject",
        "Second time lucky",
        "--body",
        "After a refresh.",
    ]);
    assert_eq!(rig.emu.smtp_auth_failures(), 1);
    let (_, mail) = only_sent(&rig);
    assert_eq!(mail.subject, "Second time lucky");
}

#[test]
fn two_refusals_fail_clearly_and_store_nothing() {
    let rig = rig(Smtp::ImplicitTls);
    rig.emu.fail_next_smtp_auth(2);
    let before = snapshot(&rig.scratch.data());
    let out = rig.send(&[
        "--to",
        "bob@example.org",
        "--subject",
        "Never sent",
        "--body",
        "wallaby",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"]["code"], "smtp_auth", "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("refused the access token"), "{message}");
    assert!(message.contains("not sent"), "{message}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ya29") && !stderr.contains('@'),
        "{stderr}"
    );
    assert_eq!(rig.emu.smtp_auth_failures(), 2);
    assert!(rig.emu.sent_messages().is_empty());
    assert_nothing_written(&before, &snapshot(&rig.scratch.data()));
    assert!(rig.scratch.search_ids("wallaby").is_empty());
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let rig = rig(Smtp::ImplicitTls);
    let missing = rig.scratch.tmp().join("no-such-file.pdf");
    let missing = missing.to_str().unwrap();
    let before = snapshot(&rig.scratch.data());
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &["--subject", "S", "--body", "b"],
            "invalid_input",
            "at least one recipient",
        ),
        (
            &["--to", "not-an-address", "--subject", "S", "--body", "b"],
            "invalid_input",
            "--to address #1 is not a valid email address",
        ),
        (
            &["--to", "a@x.org", "--cc", "b@@x", "--subject", "S"],
            "invalid_input",
            "--cc address #1",
        ),
        (
            &["--to", "a@x.org", "--body", "b"],
            "invalid_input",
            "--subject",
        ),
        (
            &["--to", "a@x.org", "--subject", "S", "--attach", missing],
            "invalid_input",
            "no-such-file.pdf",
        ),
        (
            &["--to", "a@x.org", "--reply-to", "999999", "--body", "b"],
            "not_found",
            "999999",
        ),
    ];
    for (args, code, text) in cases {
        let mut all = vec!["send"];
        all.extend_from_slice(args);
        let (exit, err) = rig.scratch.json_err(&all);
        assert_eq!(exit, 1, "{args:?}");
        assert_eq!(err["code"], code, "{args:?}: {err}");
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(text), "{args:?}: {message}");
        assert!(!message.contains("not-an-address"), "{message}");
    }
    let (_, err) = rig.scratch.json_err(&[
        "send",
        "--from",
        "someone-else@example.com",
        "--to",
        "a@x.org",
        "--subject",
        "S",
        "--body",
        "b",
    ]);
    assert_eq!(err["code"], "not_found", "{err}");
    assert!(rig.emu.sent_messages().is_empty());
    assert_eq!(rig.emu.smtp_auth_failures(), 0);
    assert_nothing_written(&before, &snapshot(&rig.scratch.data()));
}

#[test]
fn the_body_can_come_from_stdin_or_a_file() {
    let rig = rig(Smtp::ImplicitTls);
    let out = rig.scratch.run_with_stdin(
        &["send", "--to", "bob@example.org", "--subject", "Piped"],
        b"numbat from stdin\n",
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("sent: message "), "{text}");

    let file = rig.scratch.tmp().join("body.txt");
    std::fs::write(&file, "echidna from a file\n").unwrap();
    rig.send_ok(&[
        "--to",
        "bob@example.org",
        "--subject",
        "From a file",
        "--body-file",
        file.to_str().unwrap(),
    ]);
    let sent = rig.emu.sent_messages();
    assert_eq!(sent.len(), 2);
    let bodies: Vec<String> = sent
        .iter()
        .map(|s| {
            helpr_mail::parse(&rig.emu.message(&s.id).unwrap().raw)
                .unwrap()
                .text
        })
        .collect();
    assert!(bodies[0].contains("numbat from stdin"), "{bodies:?}");
    assert!(bodies[1].contains("echidna from a file"), "{bodies:?}");
}
