//! Hard delete on a real vault: every row the message owns goes, its thread shrinks or goes, the
//! id is queued for the index; a message that is missing or outside the scope is `NotFound` and
//! nothing changes.

use crate::attachments::CHUNK_SIZE;
use crate::test_support::{sql, TestVault};
use crate::{NewAttachment, NewMessage, Scope, VaultError};

fn attachment(len: usize) -> NewAttachment {
    NewAttachment {
        name: "f.bin".into(),
        content_type: "application/octet-stream".into(),
        data: vec![7; len],
        ..Default::default()
    }
}

fn attachment_ids(t: &TestVault, message: i64) -> Vec<i64> {
    t.vault
        .get_message(&t.scope, message)
        .unwrap()
        .attachments
        .iter()
        .map(|a| a.id)
        .collect()
}

fn chunks_of(t: &TestVault, attachments: &[i64]) -> i64 {
    attachments
        .iter()
        .map(|a| t.count(&format!("attachment_chunks WHERE attachment_id = {a}")))
        .sum()
}

fn thread_row(t: &TestVault, thread: i64) -> Option<(i64, i64)> {
    use rusqlite::OptionalExtension;
    t.vault
        .read(|c| {
            Ok(c.query_row(
                "SELECT message_count, last_date FROM threads WHERE id = ?1",
                [thread],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
        .unwrap()
}

fn is_not_found(r: crate::error::Result<()>) -> bool {
    matches!(r, Err(VaultError::NotFound(_)))
}

#[test]
fn delete_removes_what_the_message_owns_and_shrinks_then_drops_its_thread() {
    let t = TestVault::new();
    let first = NewMessage {
        message_id: Some("a@x".into()),
        labels: vec!["keep".into(), "shared".into()],
        attachments: vec![attachment(10)],
        date: 10,
        ..t.message(0)
    };
    let reply = NewMessage {
        message_id: Some("b@x".into()),
        references: vec!["a@x".into(), "older@x".into()],
        labels: vec!["shared".into()],
        attachments: vec![attachment(CHUNK_SIZE + 1), attachment(0)],
        date: 20,
        ..t.message(1)
    };
    let ids = t.insert(&[first, reply, t.message(2)]);
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let thread = t.vault.get_message(&t.scope, a).unwrap().summary.thread_id;
    assert_eq!(
        t.vault.get_message(&t.scope, b).unwrap().summary.thread_id,
        thread
    );
    assert_eq!(thread_row(&t, thread), Some((2, 20)));
    let (a_atts, b_atts) = (attachment_ids(&t, a), attachment_ids(&t, b));
    assert_eq!(chunks_of(&t, &b_atts), 3);
    assert_eq!(t.count(&format!("message_refs WHERE message_id = {b}")), 2);
    t.vault.index_done(&ids).unwrap();

    t.vault.delete_message(&t.scope, b).unwrap();
    assert!(matches!(
        t.vault.get_message(&t.scope, b),
        Err(VaultError::NotFound(_))
    ));
    assert_eq!(t.count(&format!("messages WHERE id = {b}")), 0);
    assert_eq!(t.count(&format!("attachments WHERE message_id = {b}")), 0);
    assert_eq!(chunks_of(&t, &b_atts), 0);
    assert_eq!(t.count(&format!("message_refs WHERE message_id = {b}")), 0);
    assert_eq!(
        t.count(&format!("message_labels WHERE message_id = {b}")),
        0
    );
    assert_eq!(thread_row(&t, thread), Some((1, 10)));
    assert_eq!(t.queued(), [b]);
    // What the other messages own is untouched; labels belong to the inbox and stay.
    let kept = t.vault.get_message(&t.scope, a).unwrap();
    assert_eq!(kept.labels, ["keep", "shared"]);
    assert_eq!(chunks_of(&t, &a_atts), 1);
    assert_eq!(t.count("labels"), 2);

    t.vault.delete_message(&t.scope, a).unwrap();
    assert_eq!(thread_row(&t, thread), None);
    assert_eq!(t.count("attachments"), 0);
    assert_eq!(t.count("attachment_chunks"), 0);
    assert_eq!(t.count("message_labels"), 0);
    assert_eq!(t.queued(), [a, b]);
    assert_eq!(t.vault.live_message_ids().unwrap(), [c]);
    assert_eq!(
        t.vault.doctor().unwrap().integrity_errors,
        Vec::<String>::new()
    );
    let fk: i64 = t
        .vault
        .read(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(fk, 0, "no dangling references");
}

#[test]
fn delete_outside_the_scope_or_of_a_missing_message_is_not_found() {
    let t = TestVault::new();
    let ids = t.insert(&[t.message(0), t.message(1)]);
    sql(&t.vault, |tx| {
        tx.execute("UPDATE messages SET deleted_at = 1 WHERE id = ?1", [ids[1]])
    });
    t.vault.index_done(&ids).unwrap();
    let other_inbox = Scope {
        tenant: t.scope.tenant,
        inboxes: vec![t.other_inbox()],
    };
    let other_tenant = Scope {
        tenant: t.other_tenant().tenant,
        inboxes: t.scope.inboxes.clone(),
    };
    let nothing = Scope {
        tenant: t.scope.tenant,
        inboxes: vec![],
    };

    assert!(is_not_found(t.vault.delete_message(&t.scope, 424_242)));
    assert!(
        is_not_found(t.vault.delete_message(&t.scope, ids[1])),
        "soft-deleted"
    );
    for scope in [&other_inbox, &other_tenant, &nothing] {
        assert!(
            is_not_found(t.vault.delete_message(scope, ids[0])),
            "{scope:?}"
        );
    }
    assert_eq!(t.count("messages"), 2);
    assert!(t.queued().is_empty());

    t.vault.delete_message(&t.scope, ids[0]).unwrap();
    assert!(
        is_not_found(t.vault.delete_message(&t.scope, ids[0])),
        "twice"
    );
    assert_eq!(t.queued(), [ids[0]]);
}
