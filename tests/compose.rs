//! Compose through helpr-core against the google-emulator: reply-all and forward templates
//! built from synced mail, a draft sealed in the vault that survives closing the vault (its
//! text found nowhere in the data dir), a reply that resumes its draft, sending a draft (Bcc in
//! the SMTP envelope only, the sent copy in the parent's thread, the draft gone), and a failed
//! send that keeps the draft.

use google_emulator::OAuthConfig;
use helpr_core::{ComposeMode, Draft, Helpr};
use helpr_tests::gmail::{GmailRig, Smtp};

const QUESTION: &str = "From: Ana Client <ana@client.example>\r\n\
To: user@example.com, Ben <ben@client.example>\r\n\
Cc: carol@client.example, USER@example.com\r\n\
Subject: Invoice question\r\n\
Message-ID: <q1@client.example>\r\n\
Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\
\r\n\
Where is invoice 42?\r\n";

fn rig() -> GmailRig {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.use_emulator_config(Smtp::ImplicitTls);
    rig.connect_ok();
    rig
}

async fn id_of(helpr: &Helpr, subject: &str) -> i64 {
    helpr
        .list_messages()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.subject == subject)
        .unwrap_or_else(|| panic!("no message {subject:?}"))
        .id
}

#[test]
fn a_reply_all_draft_survives_closing_the_vault_and_sends_into_the_thread() {
    let rig = rig();
    rig.emu
        .add_message(QUESTION.as_bytes().to_vec(), &["INBOX", "UNREAD"]);
    rig.sync_ok();
    let data = rig.scratch.data();
    let canary = "draftcanary-7Qx3";

    let (parent, draft_id) = rig.rt.block_on(async {
        let helpr = Helpr::open(&data).await.unwrap();
        let parent = id_of(&helpr, "Invoice question").await;
        let mut draft = helpr
            .compose(ComposeMode::ReplyAll, Some(parent))
            .await
            .unwrap();
        // The sender and every other recipient; never the inbox itself, in any case.
        assert_eq!(
            draft.to,
            [
                "Ana Client <ana@client.example>",
                "Ben <ben@client.example>"
            ]
        );
        assert_eq!(draft.cc, ["carol@client.example"]);
        assert_eq!(draft.from.as_deref(), Some("user@example.com"));
        assert_eq!(draft.subject, "Re: Invoice question");
        assert!(
            draft.body.contains("> Where is invoice 42?"),
            "{}",
            draft.body
        );
        assert!(draft.body.contains("Ana Client"), "{}", draft.body);

        let plain = helpr
            .compose(ComposeMode::Reply, Some(parent))
            .await
            .unwrap();
        assert_eq!(plain.to, ["Ana Client <ana@client.example>"]);
        assert!(plain.cc.is_empty());

        draft.body = format!("Here it is: {canary}.{}", draft.body);
        draft.bcc = vec!["audit@helpr.example".into()];
        let saved = helpr.save_draft(draft).await.unwrap();
        assert!(saved.id.is_some() && saved.updated_at.is_some());
        (parent, saved.id.unwrap())
    });

    // Sealed at rest: the draft's words are in no file of the data dir.
    let hits = helpr_tests::scan(&[&data], canary);
    assert!(hits.is_empty(), "draft text at rest: {hits:?}");

    rig.rt.block_on(async {
        let helpr = Helpr::open(&data).await.unwrap();
        // Replying again resumes the saved draft instead of starting another.
        let resumed = helpr
            .compose(ComposeMode::Reply, Some(parent))
            .await
            .unwrap();
        assert_eq!(resumed.id, Some(draft_id));
        assert!(resumed.body.starts_with(&format!("Here it is: {canary}.")));
        assert_eq!(resumed.bcc, ["audit@helpr.example"]);
        assert_eq!(helpr.drafts().await.unwrap().len(), 1);

        let sent = helpr.send_draft(resumed).await.unwrap();
        assert!(helpr.drafts().await.unwrap().is_empty(), "sent drafts go");
        let thread = helpr.thread(sent.thread_id).await.unwrap();
        let ids: Vec<i64> = thread.messages.iter().map(|m| m.id).collect();
        assert_eq!(
            ids,
            [parent, sent.id],
            "the reply joins its parent's thread"
        );
    });

    let sent = rig.emu.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].rcpt_to,
        [
            "ana@client.example",
            "ben@client.example",
            "carol@client.example",
            "audit@helpr.example"
        ]
    );
    let raw = rig.emu.message(&sent[0].id).unwrap().raw;
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains("audit@helpr.example"), "Bcc stays blind");
    let mail = helpr_mail::parse(&raw).unwrap();
    assert_eq!(mail.subject, "Re: Invoice question");
    assert_eq!(mail.headers.in_reply_to, ["q1@client.example"]);
    assert!(mail.text.contains(canary));
}

#[test]
fn a_forward_carries_the_attachments_and_a_failed_send_keeps_the_draft() {
    let rig = rig();
    let report: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let raw = helpr_tests::message(
        "fwd1",
        "Quarterly report",
        "The report is attached.",
        Some(("report.bin", &report)),
    );
    rig.emu.add_message(raw, &["INBOX"]);
    rig.sync_ok();
    let data = rig.scratch.data();

    rig.rt.block_on(async {
        let helpr = Helpr::open(&data).await.unwrap();
        let parent = id_of(&helpr, "Quarterly report").await;
        let mut draft = helpr
            .compose(ComposeMode::Forward, Some(parent))
            .await
            .unwrap();
        assert_eq!(draft.subject, "Fwd: Quarterly report");
        assert!(draft.to.is_empty() && draft.reply_to.is_none());
        assert!(draft.body.contains("Forwarded message"));
        assert!(draft.body.contains("The report is attached."));
        assert_eq!(draft.attachments.len(), 1);
        assert_eq!(draft.attachments[0].name, "report.bin");
        assert_eq!(draft.attachments[0].data, report);

        draft.to = vec!["dana@partner.example".into()];
        let saved = helpr.save_draft(draft).await.unwrap();

        rig.emu.fail_next_smtp_auth(2);
        let failed = helpr.send_draft(saved.clone()).await.unwrap_err();
        assert_ne!(failed.code(), "internal", "{failed}");
        let kept: Draft = helpr.draft(saved.id.unwrap()).await.unwrap();
        assert_eq!(kept, saved, "a failed send keeps the draft as saved");

        helpr.send_draft(kept).await.unwrap();
        assert!(helpr.drafts().await.unwrap().is_empty());
        let missing = helpr.discard_draft(saved.id.unwrap()).await.unwrap_err();
        assert_eq!(missing.code(), "not_found");
    });

    let sent = rig.emu.sent_messages();
    assert_eq!(sent.len(), 1, "only the second attempt went out");
    let mail = helpr_mail::parse(&rig.emu.message(&sent[0].id).unwrap().raw).unwrap();
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].data, report);
}

#[test]
fn a_reply_needs_its_message_and_a_new_draft_starts_empty() {
    let rig = rig();
    rig.rt.block_on(async {
        let helpr = Helpr::open(&rig.scratch.data()).await.unwrap();
        assert_eq!(
            helpr.compose(ComposeMode::New, None).await.unwrap(),
            Draft::default()
        );
        let e = helpr.compose(ComposeMode::Reply, None).await.unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        let e = helpr
            .compose(ComposeMode::Reply, Some(987_654))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "not_found");
        let e = helpr
            .save_draft(Draft {
                from: Some("nobody@else.example".into()),
                ..Draft::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), "not_found");
    });
}
