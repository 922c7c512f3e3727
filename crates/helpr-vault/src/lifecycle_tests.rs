//! The lifecycle and the audit trail on a real vault: soft delete hides a message or a whole
//! conversation from every read and queues it for the index, restore brings it back, the trash
//! says when each item may be purged, purge removes every row it owned (with the freed pages
//! given back), and the audit trail records each step, is redacted (not rewritten) by the
//! purge, and names an edited, removed, inserted or swapped entry.

use crate::test_support::{sql, TestVault};
use crate::{Act, AuditFilter, NewMessage, Target, VaultError};

const DAY: i64 = 86_400;

fn act(now: i64) -> Act<'static> {
    Act { actor: "test", now }
}

/// Three messages; the last two in one conversation (the third replies to the second).
fn three(t: &TestVault) -> Vec<i64> {
    let reply = NewMessage {
        references: vec!["m2@example.com".into()],
        ..t.message(3)
    };
    let second = NewMessage {
        message_id: Some("m2@example.com".into()),
        ..t.message(2)
    };
    t.insert(&[t.message(1), second, reply])
}

fn listed(t: &TestVault) -> Vec<i64> {
    let mut ids: Vec<i64> = t
        .vault
        .list_messages(&t.scope, 100, 0)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn soft_delete_hides_everywhere_and_restore_brings_back() {
    let t = TestVault::new();
    let ids = three(&t);
    let queued_before = t.queued().len();
    let deleted = t
        .vault
        .soft_delete(&t.scope, Target::Message(ids[0]), act(1000))
        .unwrap();
    assert_eq!(deleted, vec![ids[0]]);
    assert_eq!(listed(&t), ids[1..].to_vec());
    assert!(matches!(
        t.vault.get_message(&t.scope, ids[0]),
        Err(VaultError::NotFound(_))
    ));
    assert_eq!(t.vault.count_messages(&t.scope).unwrap(), 2);
    assert!(t.vault.summaries(&t.scope, &ids).unwrap().len() == 2);
    assert!(t.queued().contains(&ids[0]) && t.queued().len() >= queued_before);
    // Deleting again, or restoring what is live, is NotFound and changes nothing.
    assert!(matches!(
        t.vault
            .soft_delete(&t.scope, Target::Message(ids[0]), act(1001)),
        Err(VaultError::NotFound(_))
    ));
    assert!(matches!(
        t.vault
            .restore(&t.scope, Target::Message(ids[1]), act(1001)),
        Err(VaultError::NotFound(_))
    ));

    let trash = t.vault.trash(&t.scope).unwrap();
    assert_eq!(trash.len(), 1);
    assert_eq!(trash[0].summary.id, ids[0]);
    assert_eq!(trash[0].deleted_at, 1000);
    assert_eq!(trash[0].purge_after, 1000 + 60 * DAY);

    t.vault
        .restore(&t.scope, Target::Message(ids[0]), act(2000))
        .unwrap();
    assert_eq!(listed(&t), ids);
    assert!(t.vault.trash(&t.scope).unwrap().is_empty());
}

#[test]
fn a_conversation_is_deleted_and_restored_whole() {
    let t = TestVault::new();
    let ids = three(&t);
    let thread = t
        .vault
        .get_message(&t.scope, ids[1])
        .unwrap()
        .summary
        .thread_id;
    assert_eq!(
        t.vault
            .get_message(&t.scope, ids[2])
            .unwrap()
            .summary
            .thread_id,
        thread
    );
    let deleted = t
        .vault
        .soft_delete(&t.scope, Target::Thread(thread), act(10))
        .unwrap();
    assert_eq!(deleted, ids[1..].to_vec());
    assert_eq!(listed(&t), vec![ids[0]]);
    t.vault
        .restore(&t.scope, Target::Thread(thread), act(20))
        .unwrap();
    assert_eq!(listed(&t), ids);
    // Outside the scope nothing is found.
    let other = t.other_tenant();
    assert!(matches!(
        t.vault.soft_delete(&other, Target::Thread(thread), act(30)),
        Err(VaultError::NotFound(_))
    ));
}

#[test]
fn the_grace_period_decides_what_expired_and_is_bounded() {
    let t = TestVault::new();
    let ids = three(&t);
    t.vault
        .soft_delete(&t.scope, Target::Message(ids[0]), act(0))
        .unwrap();
    t.vault
        .soft_delete(&t.scope, Target::Message(ids[1]), act(5 * DAY))
        .unwrap();
    assert_eq!(t.vault.grace_days(t.scope.tenant).unwrap(), 60);
    assert_eq!(
        t.vault.expired(&t.scope, 60 * DAY - 1).unwrap(),
        Vec::<i64>::new()
    );
    assert_eq!(t.vault.expired(&t.scope, 60 * DAY).unwrap(), vec![ids[0]]);
    assert_eq!(
        t.vault
            .set_grace_days(t.scope.tenant, 1, act(6 * DAY))
            .unwrap(),
        60
    );
    assert_eq!(
        t.vault.expired(&t.scope, 6 * DAY).unwrap(),
        vec![ids[0], ids[1]]
    );
    for bad in [0, 366, 10_000] {
        let err = t
            .vault
            .set_grace_days(t.scope.tenant, bad, act(0))
            .unwrap_err();
        assert!(matches!(&err, VaultError::Invalid(m) if m.contains("between 1 and 365")));
    }
    assert_eq!(t.vault.grace_days(t.scope.tenant).unwrap(), 1);
}

#[test]
fn purge_removes_every_row_a_message_owned_and_redacts_the_trail() {
    let t = TestVault::new();
    let msg = NewMessage {
        attachments: vec![crate::NewAttachment {
            name: "a.bin".into(),
            content_type: "application/octet-stream".into(),
            data: vec![9; 300_000],
            ..Default::default()
        }],
        labels: vec!["Billing".into()],
        remote_images: vec!["https://t.example/p.gif".into()],
        references: vec!["x@example.com".into()],
        ..t.message(1)
    };
    let ids = t.insert(&[msg, t.message(2)]);
    t.vault
        .soft_delete(&t.scope, Target::Message(ids[0]), act(0))
        .unwrap();
    // Live messages are never purged, whatever the caller asks.
    assert_eq!(t.vault.purge(&t.scope, &[ids[1]], act(1)).unwrap(), 0);
    let purged = t.vault.purge(&t.scope, &ids, act(61 * DAY)).unwrap();
    assert_eq!(purged, 1);
    for table in ["attachments", "message_refs", "message_labels"] {
        assert_eq!(
            t.count(&format!("{table} WHERE message_id = {}", ids[0])),
            0,
            "{table}"
        );
    }
    assert_eq!(t.count("attachment_chunks"), 0);
    assert_eq!(t.count(&format!("messages WHERE id = {}", ids[0])), 0);
    assert_eq!(listed(&t), vec![ids[1]]);
    assert!(t.vault.trash(&t.scope).unwrap().is_empty());
    assert!(matches!(
        t.vault
            .restore(&t.scope, Target::Message(ids[0]), act(62 * DAY)),
        Err(VaultError::NotFound(_))
    ));
    let mode: i64 = t
        .vault
        .read(|c| Ok(c.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(mode, 2, "incremental vacuum");
    let freelist: i64 = t
        .vault
        .read(|c| Ok(c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(freelist, 0, "purged pages were not given back");

    // The delete entry is still in the trail, but its message can no longer be resolved.
    let entries = t
        .vault
        .audit_entries(t.scope.tenant, &AuditFilter::default())
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["message.delete", "message.purge"]);
    assert_eq!(entries[0].object_kind.as_deref(), Some("message"));
    assert!(entries[0].object_ref.is_some());
    assert_eq!(entries[0].object_id, None, "redacted after the purge");
    assert!(t.vault.verify_audit().unwrap().intact);
}

#[test]
fn the_trail_resolves_live_objects_and_filters() {
    let t = TestVault::new();
    let ids = three(&t);
    t.vault
        .soft_delete(&t.scope, Target::Message(ids[0]), act(100))
        .unwrap();
    t.vault
        .restore(&t.scope, Target::Message(ids[0]), act(200))
        .unwrap();
    t.vault
        .set_grace_days(t.scope.tenant, 30, act(300))
        .unwrap();
    let all = t
        .vault
        .audit_entries(t.scope.tenant, &AuditFilter::default())
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].object_id, Some(ids[0]));
    assert_eq!(all[0].object_ref, all[1].object_ref);
    assert_eq!(all[2].detail, "grace_days 60 -> 30");
    let since = AuditFilter {
        since: Some(200),
        action: None,
    };
    assert_eq!(
        t.vault.audit_entries(t.scope.tenant, &since).unwrap().len(),
        2
    );
    let family = AuditFilter {
        since: None,
        action: Some("message.".into()),
    };
    assert_eq!(
        t.vault
            .audit_entries(t.scope.tenant, &family)
            .unwrap()
            .len(),
        2
    );
    let one = AuditFilter {
        since: None,
        action: Some("settings.set".into()),
    };
    assert_eq!(
        t.vault.audit_entries(t.scope.tenant, &one).unwrap().len(),
        1
    );
}

/// A trail of five entries to tamper with.
fn trail() -> TestVault {
    let t = TestVault::new();
    for days in [2, 3, 4, 5, 6] {
        t.vault
            .set_grace_days(t.scope.tenant, days, act(i64::from(days)))
            .unwrap();
    }
    assert!(t.vault.verify_audit().unwrap().intact);
    t
}

fn problems(t: &TestVault) -> Vec<String> {
    let verdict = t.vault.verify_audit().unwrap();
    assert!(!verdict.intact);
    verdict.problems
}

#[test]
fn verify_names_an_edited_entry() {
    let t = trail();
    sql(&t.vault, |tx| {
        tx.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3", [])
    });
    let p = problems(&t);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("entry 3 was edited"), "{p:?}");
}

#[test]
fn verify_names_removed_entries_in_the_middle_and_at_the_end() {
    let t = trail();
    sql(&t.vault, |tx| {
        tx.execute("DELETE FROM audit_log WHERE seq = 2", [])
    });
    let p = problems(&t);
    assert!(p[0].contains("entries 2–2 were removed"), "{p:?}");

    let t = trail();
    sql(&t.vault, |tx| {
        tx.execute("DELETE FROM audit_log WHERE seq >= 4", [])
    });
    let p = problems(&t);
    assert!(p[0].contains("removed from its end"), "{p:?}");
}

#[test]
fn verify_names_an_inserted_entry() {
    let t = trail();
    // A copy of entry 2 pushed in as entry 6: its MAC was made for number 2.
    sql(&t.vault, |tx| {
        tx.execute(
            "INSERT INTO audit_log (seq, at, tenant_id, actor, action, object_kind, object_ref,
                detail, prev, mac)
             SELECT 6, at, tenant_id, actor, action, object_kind, object_ref, detail, prev, mac
             FROM audit_log WHERE seq = 2",
            [],
        )
    });
    let p = problems(&t);
    assert!(p.iter().any(|m| m.contains("entry 6")), "{p:?}");
}

#[test]
fn verify_names_swapped_entries() {
    let t = trail();
    sql(&t.vault, |tx| {
        tx.execute_batch(
            "UPDATE audit_log SET seq = -1 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = -1;",
        )?;
        Ok(0)
    });
    let p = problems(&t);
    assert!(
        p.iter()
            .any(|m| m.contains("entry 2 holds what was written as entry 3")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|m| m.contains("entry 3 holds what was written as entry 2")),
        "{p:?}"
    );
}

/// The database file's pages (SQLCipher encrypts each with a fresh IV whenever it is written,
/// so a page's bytes survive only where the page was never rewritten).
fn pages(t: &TestVault) -> std::collections::HashSet<Vec<u8>> {
    t.vault
        .with_writer(|c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .unwrap();
    let bytes = std::fs::read(crate::layout::db_path(t.vault.dir())).unwrap();
    bytes.chunks(4096).map(<[u8]>::to_vec).collect()
}

#[test]
fn a_purged_message_leaves_none_of_its_pages_in_the_file_or_the_log() {
    let t = TestVault::new();
    t.insert(&[t.message(1)]);
    let before = pages(&t);
    let big = NewMessage {
        attachments: vec![crate::NewAttachment {
            name: "big.bin".into(),
            content_type: "application/octet-stream".into(),
            data: (0..400_000u32).map(|i| (i * 7 + i / 13) as u8).collect(),
            ..Default::default()
        }],
        ..t.message(2)
    };
    let id = t.insert(&[big])[0];
    let written: Vec<Vec<u8>> = pages(&t).difference(&before).cloned().collect();
    // A message stored after it, so its pages are not simply at the end of the file.
    t.insert(&[t.message(3)]);
    assert!(
        written.len() > 90,
        "the attachment took {} pages",
        written.len()
    );

    t.vault
        .soft_delete(&t.scope, Target::Message(id), act(0))
        .unwrap();
    assert_eq!(t.vault.purge(&t.scope, &[id], act(1)).unwrap(), 1);
    let wal = crate::layout::wal_path(&crate::layout::db_path(t.vault.dir()));
    assert_eq!(
        std::fs::metadata(&wal).map_or(0, |m| m.len()),
        0,
        "the log was not emptied"
    );
    let after = pages(&t);
    let file = std::fs::read(crate::layout::db_path(t.vault.dir())).unwrap();
    let at: Vec<usize> = file
        .chunks(4096)
        .enumerate()
        .filter(|(_, p)| written.contains(&p.to_vec()))
        .map(|(i, _)| i + 1)
        .collect();
    let surviving = written.iter().filter(|p| after.contains(*p)).count();
    assert_eq!(
        surviving,
        0,
        "{surviving} pages written for the purged message survive: {at:?} of {}",
        file.len() / 4096
    );
}

#[test]
fn doctor_finds_no_orphans_after_a_purge_and_names_the_ones_left_behind() {
    let t = TestVault::new();
    let msg = NewMessage {
        attachments: vec![crate::NewAttachment {
            name: "a.bin".into(),
            data: vec![1; 10],
            ..Default::default()
        }],
        references: vec!["r@example.com".into()],
        ..t.message(1)
    };
    let ids = t.insert(&[msg, t.message(2)]);
    t.vault
        .soft_delete(&t.scope, Target::Message(ids[0]), act(0))
        .unwrap();
    let report = t.vault.doctor().unwrap();
    assert_eq!(report.trashed, 1);
    t.vault.purge(&t.scope, &ids, act(1)).unwrap();
    let report = t.vault.doctor().unwrap();
    assert!(report.orphans.is_empty(), "{:?}", report.orphans);
    assert!(report.healthy());
    assert_eq!(report.trashed, 0);

    // A row left behind by a half-done cascade is named.
    sql(&t.vault, |tx| {
        tx.execute(
            "DELETE FROM messages WHERE id = (SELECT max(id) FROM messages)",
            [],
        )
    });
    let report = t.vault.doctor().unwrap();
    assert!(!report.healthy());
    assert!(
        report
            .orphans
            .iter()
            .any(|o| o == "1 threads without any message"),
        "{:?}",
        report.orphans
    );
}
