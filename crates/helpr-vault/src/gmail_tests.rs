//! Gmail accounts and sync batches on a real vault: sealed configuration and refresh token,
//! atomic rotation, reconnect and disconnect states; a batch's messages, label changes,
//! deletions and checkpoint land together, re-applying changes nothing, and a locally sent
//! copy takes its Gmail id instead of being stored twice. Gmail's Trash and helpr's trash
//! follow each other: the outbox owes Gmail helpr's deletes and restores, and sync brings
//! Gmail's.

use crate::gmail_sync::TRASH;
use crate::test_support::TestVault;
use crate::{
    AccountState, Act, GmailBatch, GmailLabelChange, NewMessage, OutboxAction, OutboxEntry,
    OutboxState, Scope, Target, VaultError,
};

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

    // Labels change in order; UNREAD is the flag; a delete at Gmail moves the message to the
    // trash (restorable, like a delete in helpr).
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
        at: AT,
        ..Default::default()
    };
    let done = t.vault.apply_gmail_batch(tenant, inbox, &changes).unwrap();
    assert_eq!((done.updated, done.deleted), (1, 1));
    let m = t.vault.get_message(&scope(tenant, inbox), a1).unwrap();
    assert!(!m.summary.unread);
    assert_eq!(m.labels, ["Receipts"]);
    assert_eq!(t.vault.count_messages(&scope(tenant, inbox)).unwrap(), 1);
    let trash = t.vault.trash(&scope(tenant, inbox)).unwrap();
    assert_eq!(trash.len(), 1);
    assert_eq!(trash[0].summary.subject, "subject a2");
    assert_eq!(trash[0].deleted_at, AT);
    assert_eq!(t.vault.sync_status(inbox).unwrap().history_id, Some(140));
}

const AT: i64 = 1_800_000_000;

fn trash_change(gmail_id: &str, into: bool) -> GmailBatch {
    let trash = vec![TRASH.to_owned()];
    let (add, remove) = if into {
        (trash, vec![])
    } else {
        (vec![], trash)
    };
    GmailBatch {
        labels: vec![GmailLabelChange {
            gmail_id: gmail_id.into(),
            add,
            remove,
            replace: false,
        }],
        at: AT,
        ..Default::default()
    }
}

/// The last audit entry's actor, action and detail.
fn last_audit(t: &TestVault) -> (String, String, String) {
    let e = t
        .vault
        .audit_entries(t.scope.tenant, &Default::default())
        .unwrap();
    let e = e.last().unwrap();
    (e.actor.clone(), e.action.clone(), e.detail.clone())
}

#[test]
fn a_message_trashed_at_gmail_is_soft_deleted_and_untrashing_restores_it() {
    let t = TestVault::new();
    let (tenant, inbox) = connect(&t);
    let batch = GmailBatch {
        added: vec![
            synced(inbox, "g1", "<g1@x>", &["INBOX"]),
            synced(inbox, "g2", "<g2@x>", &["INBOX", TRASH]),
        ],
        at: AT,
        ..Default::default()
    };
    t.vault.apply_gmail_batch(tenant, inbox, &batch).unwrap();
    let s = scope(tenant, inbox);
    // A message that arrives already in Gmail's Trash is stored in helpr's.
    let g2 = t.vault.message_by_gmail_id(inbox, "g2").unwrap().unwrap();
    assert_eq!(t.vault.trash(&s).unwrap()[0].summary.id, g2);
    assert_eq!(t.vault.count_messages(&s).unwrap(), 1);

    t.vault
        .apply_gmail_batch(tenant, inbox, &trash_change("g1", true))
        .unwrap();
    assert_eq!(t.vault.count_messages(&s).unwrap(), 0);
    let g1 = t.vault.message_by_gmail_id(inbox, "g1").unwrap().unwrap();
    assert!(matches!(
        t.vault.get_message(&s, g1),
        Err(VaultError::NotFound(_))
    ));
    assert!(t.queued().contains(&g1), "queued for the index purge");
    assert_eq!(
        last_audit(&t),
        (
            "gmail".into(),
            "message.delete".into(),
            "trashed at Gmail".into()
        )
    );
    // Nothing is owed to Gmail for what Gmail did itself.
    assert_eq!(t.vault.gmail_outbox_state(inbox).unwrap().pending, 0);

    t.vault
        .apply_gmail_batch(tenant, inbox, &trash_change("g1", false))
        .unwrap();
    let m = t.vault.get_message(&s, g1).unwrap();
    assert_eq!(m.labels, ["INBOX"]);
    assert_eq!(
        last_audit(&t),
        (
            "gmail".into(),
            "message.restore".into(),
            "untrashed at Gmail".into()
        )
    );
    // A resync's whole label set holding TRASH is a trash too.
    let resync = GmailBatch {
        labels: vec![GmailLabelChange {
            gmail_id: "g1".into(),
            add: vec![TRASH.into()],
            remove: vec![],
            replace: true,
        }],
        at: AT,
        ..Default::default()
    };
    t.vault.apply_gmail_batch(tenant, inbox, &resync).unwrap();
    assert_eq!(t.vault.count_messages(&s).unwrap(), 0);
}

#[test]
fn a_delete_in_helpr_owes_gmail_a_trash_and_a_restore_replaces_it_with_an_untrash() {
    let t = TestVault::new();
    let (tenant, inbox) = connect(&t);
    let batch = GmailBatch {
        added: vec![
            synced(inbox, "o1", "<o1@x>", &["INBOX"]),
            synced(inbox, "o2", "<o2@x>", &["INBOX"]),
        ],
        ..Default::default()
    };
    t.vault.apply_gmail_batch(tenant, inbox, &batch).unwrap();
    let s = scope(tenant, inbox);
    let o1 = t.vault.message_by_gmail_id(inbox, "o1").unwrap().unwrap();
    let act = Act {
        actor: "local:test",
        now: AT,
    };
    t.vault.soft_delete(&s, Target::Message(o1), act).unwrap();
    let owed = t.vault.gmail_outbox(inbox, 0, 10).unwrap();
    assert_eq!(
        owed,
        [OutboxEntry {
            id: owed[0].id,
            gmail_id: "o1".into(),
            action: OutboxAction::Trash,
            attempts: 0,
            label_name: None,
        }]
    );
    // Gmail reporting an untrash from before helpr's trash was sent changes nothing: the
    // wish waiting in the outbox is newer.
    t.vault
        .apply_gmail_batch(tenant, inbox, &trash_change("o1", false))
        .unwrap();
    assert_eq!(t.vault.count_messages(&s).unwrap(), 1);

    // A failure is counted and kept.
    t.vault
        .gmail_outbox_failed(inbox, &owed[0], "gave_up")
        .unwrap();
    let state = t.vault.gmail_outbox_state(inbox).unwrap();
    assert_eq!(
        (state.pending, state.last_error.as_deref()),
        (1, Some("gave_up"))
    );

    // Restored before the trash reached Gmail: the one row now asks for an untrash, and the
    // trash that was on its way does not take it out.
    t.vault.restore(&s, Target::Message(o1), act).unwrap();
    let owed_now = t.vault.gmail_outbox(inbox, 0, 10).unwrap();
    assert_eq!(owed_now.len(), 1);
    assert_eq!(owed_now[0].action, OutboxAction::Untrash);
    assert_eq!(owed_now[0].attempts, 0);
    assert!(!t.vault.gmail_outbox_done(inbox, &owed[0]).unwrap());
    assert!(t.vault.gmail_outbox_done(inbox, &owed_now[0]).unwrap());
    assert_eq!(
        t.vault.gmail_outbox_state(inbox).unwrap(),
        OutboxState::default()
    );

    // A message that did not come from Gmail owes Gmail nothing.
    let local = t.insert(&[t.message(0)])[0];
    t.vault
        .soft_delete(&t.scope, Target::Message(local), act)
        .unwrap();
    assert_eq!(t.vault.gmail_outbox_state(inbox).unwrap().pending, 0);
    assert_eq!(t.count("gmail_outbox"), 0);
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

fn unread_of(t: &TestVault, s: &Scope, id: i64) -> bool {
    t.vault.get_message(s, id).unwrap().summary.unread
}

#[test]
fn marking_read_owes_gmail_the_change_beside_a_trash_and_sync_waits_for_it() {
    let t = TestVault::new();
    let (tenant, inbox) = connect(&t);
    let batch = GmailBatch {
        added: vec![
            synced(inbox, "r1", "<r1@x>", &["INBOX", "UNREAD"]),
            synced(inbox, "r2", "<r2@x>", &["INBOX", "UNREAD"]),
        ],
        ..Default::default()
    };
    t.vault.apply_gmail_batch(tenant, inbox, &batch).unwrap();
    let s = scope(tenant, inbox);
    let r1 = t.vault.message_by_gmail_id(inbox, "r1").unwrap().unwrap();
    let r2 = t.vault.message_by_gmail_id(inbox, "r2").unwrap().unwrap();
    let thread = t.vault.get_message(&s, r1).unwrap().summary.thread_id;
    t.queued();

    assert_eq!(
        t.vault
            .set_unread(&s, Target::Message(r1), false, AT)
            .unwrap(),
        [r1]
    );
    assert!(!unread_of(&t, &s, r1) && unread_of(&t, &s, r2));
    assert!(
        t.queued().contains(&r1),
        "is:unread follows: queued for the index"
    );
    // Marking again changes nothing and owes nothing more.
    assert!(t
        .vault
        .set_unread(&s, Target::Message(r1), false, AT)
        .unwrap()
        .is_empty());

    // A trash of the same message waits beside the read, not instead of it.
    let act = Act {
        actor: "local:test",
        now: AT,
    };
    t.vault.soft_delete(&s, Target::Message(r2), act).unwrap();
    let owed: Vec<(String, OutboxAction)> = t
        .vault
        .gmail_outbox(inbox, 0, 10)
        .unwrap()
        .into_iter()
        .map(|e| (e.gmail_id, e.action))
        .collect();
    assert_eq!(
        owed,
        [
            ("r1".to_owned(), OutboxAction::Read),
            ("r2".to_owned(), OutboxAction::Trash)
        ]
    );
    t.vault.restore(&s, Target::Message(r2), act).unwrap();

    // Gmail still reporting r1 unread (from before the read reached it) changes nothing.
    let stale = GmailBatch {
        labels: vec![GmailLabelChange {
            gmail_id: "r1".into(),
            add: vec!["UNREAD".into()],
            remove: vec![],
            replace: false,
        }],
        at: AT,
        ..Default::default()
    };
    t.vault.apply_gmail_batch(tenant, inbox, &stale).unwrap();
    assert!(
        !unread_of(&t, &s, r1),
        "helpr's read stands until Gmail has it"
    );

    // Once Gmail has it, Gmail's later changes apply again.
    let read = t
        .vault
        .gmail_outbox(inbox, 0, 10)
        .unwrap()
        .into_iter()
        .find(|e| e.action == OutboxAction::Read)
        .unwrap();
    assert!(t.vault.gmail_outbox_done(inbox, &read).unwrap());
    t.vault.apply_gmail_batch(tenant, inbox, &stale).unwrap();
    assert!(unread_of(&t, &s, r1));

    // A conversation at once; an unknown one is not found.
    let changed = t
        .vault
        .set_unread(&s, Target::Thread(thread), false, AT)
        .unwrap();
    assert_eq!(changed, [r1]);
    assert!(matches!(
        t.vault.set_unread(&s, Target::Thread(987_654), true, AT),
        Err(VaultError::NotFound(_))
    ));
}

fn labels_of(t: &TestVault, s: &Scope, id: i64) -> Vec<String> {
    t.vault.get_message(s, id).unwrap().labels
}

#[test]
fn a_label_set_in_helpr_is_owed_to_gmail_and_sync_leaves_it_until_delivered() {
    let t = TestVault::new();
    let (tenant, inbox) = connect(&t);
    let batch = GmailBatch {
        added: vec![
            synced(inbox, "l1", "<l1@x>", &["INBOX", "Clients"]),
            synced(inbox, "l2", "<l2@x>", &["INBOX"]),
        ],
        ..Default::default()
    };
    t.vault.apply_gmail_batch(tenant, inbox, &batch).unwrap();
    let s = scope(tenant, inbox);
    let l1 = t.vault.message_by_gmail_id(inbox, "l1").unwrap().unwrap();
    t.queued();

    let changed = t
        .vault
        .set_label(&s, Target::Message(l1), "Follow-up", true, AT)
        .unwrap();
    assert_eq!(changed, [l1]);
    assert_eq!(labels_of(&t, &s, l1), ["Clients", "Follow-up", "INBOX"]);
    assert!(t.queued().contains(&l1), "label: search follows");
    // Applying it again changes nothing; removing one the inbox never had neither.
    assert!(t
        .vault
        .set_label(&s, Target::Message(l1), "Follow-up", true, AT)
        .unwrap()
        .is_empty());
    assert!(t
        .vault
        .set_label(&s, Target::Message(l1), "Never", false, AT)
        .unwrap()
        .is_empty());
    t.vault
        .set_label(&s, Target::Message(l1), "Clients", false, AT)
        .unwrap();

    // Two wishes, each with its label's name, beside a read of the same message.
    t.vault
        .set_unread(&s, Target::Message(l1), true, AT)
        .unwrap();
    let owed: Vec<(String, &'static str, Option<String>)> = t
        .vault
        .gmail_outbox(inbox, 0, 10)
        .unwrap()
        .into_iter()
        .map(|e| {
            let kind = match e.action {
                OutboxAction::Label { .. } => "label",
                OutboxAction::Unlabel { .. } => "unlabel",
                _ => "other",
            };
            (e.gmail_id, kind, e.label_name)
        })
        .collect();
    assert_eq!(
        owed,
        [
            ("l1".to_owned(), "label", Some("Follow-up".to_owned())),
            ("l1".to_owned(), "unlabel", Some("Clients".to_owned())),
            ("l1".to_owned(), "other", None),
        ]
    );

    // Gmail reporting its older state (a full replace, and a change) moves neither label.
    let stale = GmailBatch {
        labels: vec![
            GmailLabelChange {
                gmail_id: "l1".into(),
                add: vec!["INBOX".into(), "Clients".into()],
                remove: vec![],
                replace: true,
            },
            GmailLabelChange {
                gmail_id: "l1".into(),
                add: vec![],
                remove: vec!["Follow-up".into(), "INBOX".into()],
                replace: false,
            },
        ],
        at: AT,
        ..Default::default()
    };
    t.vault.apply_gmail_batch(tenant, inbox, &stale).unwrap();
    assert_eq!(
        labels_of(&t, &s, l1),
        ["Follow-up"],
        "helpr's labels stand; Gmail's INBOX change applies"
    );

    // Delivered: Gmail's word counts again.
    for entry in t.vault.gmail_outbox(inbox, 0, 10).unwrap() {
        assert!(t.vault.gmail_outbox_done(inbox, &entry).unwrap());
    }
    t.vault.apply_gmail_batch(tenant, inbox, &stale).unwrap();
    assert_eq!(labels_of(&t, &s, l1), ["Clients"]);

    assert!(matches!(
        t.vault
            .set_label(&s, Target::Thread(987_654), "Follow-up", true, AT),
        Err(VaultError::NotFound(_))
    ));
}
