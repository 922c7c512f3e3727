//! Gmail accounts and sync batches on a real vault: sealed configuration and refresh token,
//! atomic rotation, reconnect and disconnect states; a batch's messages, label changes,
//! deletions and checkpoint land together, re-applying changes nothing, and a locally sent
//! copy takes its Gmail id instead of being stored twice.

use crate::test_support::TestVault;
use crate::{AccountState, GmailBatch, GmailLabelChange, NewMessage, Scope, VaultError};

const TOKEN: &[u8] = b"1//refresh-canary-QWERTY";

fn connect(t: &TestVault) -> (i64, i64) {
    let tenant = t.scope.tenant;
    let inbox = t
        .vault
        .connect_gmail(tenant, "Agent@Example.com", b"config-canary", TOKEN)
        .unwrap();
    (tenant, inbox)
}

fn synced(inbox: i64, gmail_id: &str, mid: &str, labels: &[&str]) -> NewMessage {
    NewMessage {
        inbox_id: inbox,
        gmail_id: Some(gmail_id.into()),
        gmail_thread_id: Some(format!("t-{gmail_id}")),
        message_id: Some(mid.into()),
        subject: format!("subject {gmail_id}"),
        text: format!("text {gmail_id}"),
        headers: b"{}".to_vec(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
        date: 1,
        ..Default::default()
    }
}

fn scope(tenant: i64, inbox: i64) -> Scope {
    Scope {
        tenant,
        inboxes: vec![inbox],
    }
}

#[test]
fn an_account_is_sealed_and_its_token_rotates_in_place() {
    let t = TestVault::new();
    let (tenant, inbox) = connect(&t);
    let accounts = t.vault.gmail_accounts(tenant).unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].address, "Agent@Example.com");
    assert_eq!(&accounts[0].config[..], b"config-canary");
    assert_eq!(accounts[0].state, AccountState::Connected);
    assert_eq!(
        &t.vault.gmail_refresh_token(tenant, inbox).unwrap().unwrap()[..],
        TOKEN
    );
    // Neither the token nor the configuration is in the row as plaintext.
    let raw: Vec<u8> = t
        .vault
        .read(|c| {
            Ok(c.query_row(
                "SELECT CAST(refresh_token || config AS BLOB) FROM gmail_accounts",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(!raw.windows(TOKEN.len()).any(|w| w == TOKEN));

    t.vault
        .replace_gmail_refresh_token(tenant, inbox, b"1//rotated")
        .unwrap();
    assert_eq!(
        &t.vault.gmail_refresh_token(tenant, inbox).unwrap().unwrap()[..],
        b"1//rotated"
    );
    t.vault
        .set_gmail_state(tenant, inbox, AccountState::ReconnectNeeded)
        .unwrap();
    assert_eq!(
        t.vault.gmail_accounts(tenant).unwrap()[0].state,
        AccountState::ReconnectNeeded
    );
    // Connecting again reuses the inbox and clears the state.
    let again = t
        .vault
        .connect_gmail(tenant, "agent@example.com", b"c2", b"1//new")
        .unwrap();
    assert_eq!(again, inbox);
    assert_eq!(
        t.vault.gmail_accounts(tenant).unwrap()[0].state,
        AccountState::Connected
    );

    t.vault.disconnect_gmail(tenant, inbox).unwrap();
    assert!(t
        .vault
        .gmail_refresh_token(tenant, inbox)
        .unwrap()
        .is_none());
    assert_eq!(
        t.vault.gmail_accounts(tenant).unwrap()[0].state,
        AccountState::Disconnected
    );
    // The local inbox's address cannot become a Gmail account.
    assert!(matches!(
        t.vault.connect_gmail(tenant, "local", b"c", b"t"),
        Err(VaultError::Invalid(_))
    ));
}

#[test]
fn a_batch_and_its_checkpoint_commit_together_and_replay_is_a_no_op() {
    let t = TestVault::new();
    let (tenant, inbox) = connect(&t);
    t.vault.begin_full_sync(inbox, 100).unwrap();
    assert_eq!(
        t.vault.sync_status(inbox).unwrap().full_sync_from,
        Some(100)
    );
    let batch = GmailBatch {
        added: vec![
            synced(inbox, "a1", "<a1@x>", &["INBOX", "UNREAD"]),
            synced(inbox, "a2", "<a2@x>", &["INBOX"]),
        ],
        checkpoint: Some(100),
        ..Default::default()
    };
    let done = t.vault.apply_gmail_batch(tenant, inbox, &batch).unwrap();
    assert_eq!(done.added, 2);
    let again = t.vault.apply_gmail_batch(tenant, inbox, &batch).unwrap();
    assert_eq!(again.added, 0);
    assert_eq!(t.vault.count_messages(&scope(tenant, inbox)).unwrap(), 2);
    let status = t.vault.sync_status(inbox).unwrap();
    assert_eq!(status.history_id, Some(100));
    assert_eq!(status.full_sync_from, None);

    let a1 = t.vault.message_by_gmail_id(inbox, "a1").unwrap().unwrap();
    let m = t.vault.get_message(&scope(tenant, inbox), a1).unwrap();
    assert!(m.summary.unread);
    assert_eq!(m.labels, ["INBOX"]);

    // Labels change in order; UNREAD is the flag; a delete removes the row.
    let changes = GmailBatch {
        labels: vec![
            GmailLabelChange {
                gmail_id: "a1".into(),
                add: vec!["Receipts".into()],
                remove: vec!["UNREAD".into(), "INBOX".into()],
                replace: false,
            },
            GmailLabelChange {
                gmail_id: "unknown".into(),
                add: vec!["X".into()],
                remove: vec![],
                replace: false,
            },
        ],
        deleted: vec!["a2".into(), "never-seen".into()],
        checkpoint: Some(140),
        ..Default::default()
    };
    let done = t.vault.apply_gmail_batch(tenant, inbox, &changes).unwrap();
    assert_eq!((done.updated, done.deleted), (1, 1));
    let m = t.vault.get_message(&scope(tenant, inbox), a1).unwrap();
    assert!(!m.summary.unread);
    assert_eq!(m.labels, ["Receipts"]);
    assert_eq!(t.vault.gmail_ids(inbox).unwrap().len(), 1);
    assert_eq!(t.vault.sync_status(inbox).unwrap().history_id, Some(140));
}

#[test]
fn a_failed_batch_leaves_no_trace() {
    let t = TestVault::new();
    let (tenant, inbox) = connect(&t);
    let mut bad = synced(inbox, "b2", "<b2@x>", &[]);
    bad.gmail_id = None;
    let batch = GmailBatch {
        added: vec![synced(inbox, "b1", "<b1@x>", &[]), bad],
        checkpoint: Some(7),
        ..Default::default()
    };
    assert!(t.vault.apply_gmail_batch(tenant, inbox, &batch).is_err());
    assert!(t.vault.gmail_ids(inbox).unwrap().is_empty());
    assert_eq!(t.vault.sync_status(inbox).unwrap().history_id, None);
}

#[test]
fn the_sent_copy_is_matched_by_message_id() {
    let t = TestVault::new();
    let (tenant, inbox) = connect(&t);
    let local = NewMessage {
        inbox_id: inbox,
        dedupe_key: b"mid:<sent@helpr>".to_vec(),
        message_id: Some("<sent@helpr>".into()),
        subject: "hello".into(),
        headers: b"{}".to_vec(),
        labels: vec!["SENT".into()],
        ..Default::default()
    };
    t.vault.insert_messages(tenant, &[local]).unwrap();
    let batch = GmailBatch {
        added: vec![synced(inbox, "s1", "<sent@helpr>", &["SENT"])],
        ..Default::default()
    };
    let done = t.vault.apply_gmail_batch(tenant, inbox, &batch).unwrap();
    assert_eq!((done.added, done.updated), (0, 1));
    assert_eq!(t.vault.count_messages(&scope(tenant, inbox)).unwrap(), 1);
    assert!(t.vault.message_by_gmail_id(inbox, "s1").unwrap().is_some());
}
