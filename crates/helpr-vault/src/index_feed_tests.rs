//! The search index's side of the vault on a real vault: the outbox filled by insert in the same
//! transaction and emptied by `index_done`; `index_sources*` decrypted, ascending, live only, not
//! scoped; `summaries` in the requested order, scoped.

use crate::test_support::{sql, TestVault};
use crate::{NewAttachment, NewMessage, Scope, VaultError};

fn soft_delete(t: &TestVault, id: i64) {
    sql(&t.vault, |tx| {
        tx.execute("UPDATE messages SET deleted_at = 1 WHERE id = ?1", [id])
    });
}

fn attachment(name: &str) -> NewAttachment {
    NewAttachment {
        name: name.into(),
        content_type: "text/plain".into(),
        data: b"bytes".to_vec(),
        ..Default::default()
    }
}

#[test]
fn insert_queues_each_new_id_in_its_own_transaction() {
    let t = TestVault::new();
    assert_eq!(t.vault.index_queue_len().unwrap(), 0);
    let ids = t.insert(&[t.message(0), t.message(1), t.message(2)]);
    assert_eq!(t.queued(), ids);
    assert_eq!(t.vault.index_queue_len().unwrap(), 3);

    // A batch that fails after its first message was written rolls the queue back with it.
    let bad = NewMessage {
        inbox_id: 999,
        ..t.message(4)
    };
    assert!(matches!(
        t.vault
            .insert_messages(t.scope.tenant, &[t.message(3), bad]),
        Err(VaultError::NotFound(_))
    ));
    assert_eq!(t.count("messages"), 3);
    assert_eq!(t.queued(), ids);

    // A duplicate changes nothing, so it queues nothing.
    t.vault.index_done(&ids).unwrap();
    let again = t
        .vault
        .insert_messages(t.scope.tenant, &[t.message(0)])
        .unwrap();
    assert_eq!(again, [crate::InsertOutcome::Duplicate { id: ids[0] }]);
    assert!(t.queued().is_empty());
}

#[test]
fn index_done_removes_exactly_its_ids_and_enqueue_is_idempotent() {
    let t = TestVault::new();
    let ids = t.insert(&[t.message(0), t.message(1), t.message(2)]);
    t.vault.index_done(&[ids[2], ids[0], 12345]).unwrap();
    assert_eq!(t.queued(), [ids[1]]);
    assert_eq!(t.vault.index_queue_len().unwrap(), 1);

    // Ids need not exist (a deleted message's id stays queued until its document is gone).
    t.vault.enqueue_index(&[9999, ids[0]]).unwrap();
    t.vault.enqueue_index(&[ids[0], ids[1]]).unwrap();
    assert_eq!(t.queued(), [ids[0], ids[1], 9999]);
    assert_eq!(t.vault.index_queue(2).unwrap(), [ids[0], ids[1]]);
    t.vault.index_done(&t.queued()).unwrap();
    assert_eq!(t.vault.index_queue_len().unwrap(), 0);
}

#[test]
fn index_sources_are_decrypted_ascending_and_live_only() {
    let t = TestVault::new();
    let full = NewMessage {
        headers: b"{\"from\":\"a@example.com\"}".to_vec(),
        labels: vec!["work".into(), "Inbox".into()],
        attachments: vec![attachment("b.pdf"), attachment("a.txt")],
        unread: true,
        date: 42,
        ..t.message(0)
    };
    let shared_label = NewMessage {
        labels: vec!["work".into()],
        ..t.message(1)
    };
    let ids = t.insert(&[full, shared_label, t.message(2), t.message(3)]);
    soft_delete(&t, ids[3]);
    let other = t.other_tenant();
    let theirs = t.insert_for(
        other.tenant,
        &[NewMessage {
            inbox_id: other.inboxes[0],
            labels: vec!["theirs".into()],
            ..t.message(9)
        }],
    )[0];

    let asked = [theirs, ids[3], 777_777, ids[1], ids[0], ids[1], ids[2]];
    let got = t.vault.index_sources(&asked).unwrap();
    let got_ids: Vec<i64> = got.iter().map(|s| s.id).collect();
    assert_eq!(got_ids, [ids[0], ids[1], ids[2], theirs]);

    let first = &got[0];
    let stored = t.vault.get_message(&t.scope, ids[0]).unwrap();
    assert_eq!(first.tenant_id, t.scope.tenant);
    assert_eq!(first.inbox_id, t.scope.inboxes[0]);
    assert_eq!(first.thread_id, stored.summary.thread_id);
    assert_eq!(first.date, 42);
    assert!(first.unread);
    assert!(first.has_attachments);
    assert_eq!(first.headers, b"{\"from\":\"a@example.com\"}");
    assert_eq!(first.subject, "subject 0");
    assert_eq!(first.body_text, "text 0");
    assert_eq!(first.attachment_names, ["b.pdf", "a.txt"]);
    assert_eq!(first.labels, ["Inbox", "work"]);
    assert_eq!(got[1].labels, ["work"]);
    assert!(got[2].labels.is_empty() && got[2].attachment_names.is_empty());
    assert!(!got[2].has_attachments);
    // Not scoped: another tenant's message comes with its tenant, opened with its key.
    assert_eq!(got[3].tenant_id, other.tenant);
    assert_eq!(got[3].subject, "subject 9");
    assert_eq!(got[3].labels, ["theirs"]);

    let debug = format!("{first:?}");
    assert!(debug.contains(&ids[0].to_string()), "{debug}");
    for content in ["subject", "text 0", "work", "b.pdf", "example.com"] {
        assert!(!debug.contains(content), "{debug}");
    }

    // More ids than one batch of 500, unsorted: same answer.
    let many: Vec<i64> = (1..=1300).rev().collect();
    let again: Vec<i64> = t
        .vault
        .index_sources(&many)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(again, got_ids);
    assert!(t.vault.index_sources(&[]).unwrap().is_empty());
}

#[test]
fn index_sources_after_resumes_in_id_order() {
    let t = TestVault::new();
    let batch: Vec<NewMessage> = (0..6).map(|i| t.message(i)).collect();
    let ids = t.insert(&batch);
    soft_delete(&t, ids[1]);
    let live = [ids[0], ids[2], ids[3], ids[4], ids[5]];
    assert_eq!(t.vault.live_message_ids().unwrap(), live);

    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = t.vault.index_sources_after(after, 2).unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = page.last().unwrap().id;
        seen.extend(page.iter().map(|s| (s.id, s.subject.clone())));
    }
    let want: Vec<(i64, String)> = [0, 2, 3, 4, 5]
        .iter()
        .map(|&i| (ids[i], format!("subject {i}")))
        .collect();
    assert_eq!(seen, want);
    assert!(t.vault.index_sources_after(0, 0).unwrap().is_empty());
}

#[test]
fn summaries_keep_the_requested_order_and_only_live_in_scope_ids() {
    let t = TestVault::new();
    let ids = t.insert(&[t.message(0), t.message(1), t.message(2), t.message(3)]);
    soft_delete(&t, ids[3]);
    let inbox2 = t.other_inbox();
    let elsewhere = t.insert(&[NewMessage {
        inbox_id: inbox2,
        ..t.message(4)
    }])[0];
    let other = t.other_tenant();
    let theirs = t.insert_for(
        other.tenant,
        &[NewMessage {
            inbox_id: other.inboxes[0],
            ..t.message(5)
        }],
    )[0];

    let asked = [
        ids[2], 424_242, ids[0], elsewhere, theirs, ids[3], ids[1], ids[0],
    ];
    let got = t.vault.summaries(&t.scope, &asked).unwrap();
    let order: Vec<(i64, &str)> = got.iter().map(|s| (s.id, s.subject.as_str())).collect();
    assert_eq!(
        order,
        [
            (ids[2], "subject 2"),
            (ids[0], "subject 0"),
            (ids[1], "subject 1")
        ]
    );
    assert_eq!(
        got[1],
        t.vault.get_message(&t.scope, ids[0]).unwrap().summary
    );

    let both_inboxes = Scope {
        tenant: t.scope.tenant,
        inboxes: vec![inbox2, t.scope.inboxes[0]],
    };
    let ids_of = |scope: &Scope| -> Vec<i64> {
        t.vault
            .summaries(scope, &asked)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(ids_of(&both_inboxes), [ids[2], ids[0], elsewhere, ids[1]]);
    assert_eq!(ids_of(&other), [theirs]);
    // Another tenant naming our inbox sees nothing.
    let wrong_tenant = Scope {
        tenant: other.tenant,
        inboxes: t.scope.inboxes.clone(),
    };
    assert!(ids_of(&wrong_tenant).is_empty());
    assert!(t.vault.summaries(&t.scope, &[]).unwrap().is_empty());
}
