//! Kept messages on a real vault: stored with their sealed reason and original, listed as kept,
//! their original left out of attachment lists and the index feed; replaced under the same id;
//! and still readable after the key they were sealed with is retired.

use crate::test_support::TestVault;
use crate::{InsertOutcome, Kept, NewAttachment, NewMessage, RetireControl, VaultError};

const ORIGINAL: &[u8] = b"From: a@example.com\nX-Broken: \x01\x02\n\n--b\n";

fn kept(t: &TestVault, i: usize) -> NewMessage {
    NewMessage {
        snippet: "could not be displayed".into(),
        text: String::new(),
        kept: Some(Kept {
            reason: "the MIME parser failed on this message (boom)".into(),
            original: ORIGINAL.to_vec(),
        }),
        ..t.message(i)
    }
}

#[test]
fn a_kept_message_is_stored_with_its_reason_and_original() {
    let t = TestVault::new();
    let ids = t.insert(&[kept(&t, 1), t.message(2)]);
    let m = t.vault.get_message(&t.scope, ids[0]).unwrap();
    assert!(m.summary.kept);
    assert_eq!(
        m.rejected.as_deref(),
        Some("the MIME parser failed on this message (boom)")
    );
    assert!(
        m.attachments.is_empty(),
        "the original is not an attachment"
    );
    assert!(!m.summary.has_attachments);
    assert_eq!(t.vault.original_source(&t.scope, ids[0]).unwrap(), ORIGINAL);
    assert_eq!(t.vault.kept_ids(&t.scope).unwrap(), vec![ids[0]]);

    let listed = t.vault.list_messages(&t.scope, 10, 0).unwrap();
    let flags: Vec<(i64, bool)> = listed.iter().map(|s| (s.id, s.kept)).collect();
    assert_eq!(flags, vec![(ids[1], false), (ids[0], true)]);

    let normal = t.vault.get_message(&t.scope, ids[1]).unwrap();
    assert!(normal.rejected.is_none());
    let err = t.vault.original_source(&t.scope, ids[1]).unwrap_err();
    assert!(
        matches!(&err, VaultError::NotFound(why) if why.contains("could not display")),
        "{err}"
    );
    // Out of scope, a kept message is just not there.
    let other = t.other_tenant();
    assert!(matches!(
        t.vault.original_source(&other, ids[0]),
        Err(VaultError::NotFound(_))
    ));
    assert!(t.vault.kept_ids(&other).unwrap().is_empty());
}

#[test]
fn the_index_feed_leaves_the_original_out() {
    let t = TestVault::new();
    let msg = NewMessage {
        attachments: vec![NewAttachment {
            name: "real.pdf".into(),
            content_type: "application/pdf".into(),
            data: b"%PDF".to_vec(),
            ..Default::default()
        }],
        ..kept(&t, 1)
    };
    let id = t.insert(&[msg])[0];
    let sources = t.vault.index_sources(&[id]).unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].attachment_names, vec!["real.pdf".to_string()]);
}

#[test]
fn replacing_a_kept_message_keeps_its_id_and_drops_the_original() {
    let t = TestVault::new();
    let ids = t.insert(&[kept(&t, 1)]);
    let before_chunks = t.count("attachment_chunks");
    assert!(before_chunks > 0);
    let fixed = NewMessage {
        subject: "now readable".into(),
        ..t.message(1)
    };
    let outcome = t.vault.replace_kept(&t.scope, ids[0], &fixed).unwrap();
    assert!(matches!(outcome, InsertOutcome::Inserted { id, .. } if id == ids[0]));
    let m = t.vault.get_message(&t.scope, ids[0]).unwrap();
    assert_eq!(m.summary.subject, "now readable");
    assert!(!m.summary.kept && m.rejected.is_none());
    assert_eq!(t.count("attachments"), 0);
    assert_eq!(t.count("attachment_chunks"), 0);
    assert!(t.vault.kept_ids(&t.scope).unwrap().is_empty());
    assert!(t.queued().contains(&ids[0]));
    // Only a kept message is replaced, and only by one that is not kept itself.
    assert!(matches!(
        t.vault.replace_kept(&t.scope, ids[0], &fixed),
        Err(VaultError::NotFound(_))
    ));
    let id2 = t.insert(&[kept(&t, 2)])[0];
    assert!(matches!(
        t.vault.replace_kept(&t.scope, id2, &kept(&t, 2)),
        Err(VaultError::Invalid(_))
    ));
    // A next message still gets an id never used before.
    let id3 = t.insert(&[t.message(3)])[0];
    assert!(id3 > id2);
}

#[test]
fn replacing_with_a_copy_of_a_stored_message_leaves_that_message() {
    let t = TestVault::new();
    let ids = t.insert(&[t.message(1), kept(&t, 2)]);
    // Parsed again, the kept message turns out to be message 1 (same dedupe key).
    let again = t.message(1);
    let outcome = t.vault.replace_kept(&t.scope, ids[1], &again).unwrap();
    assert_eq!(outcome, InsertOutcome::Duplicate { id: ids[0] });
    assert!(matches!(
        t.vault.get_message(&t.scope, ids[1]),
        Err(VaultError::NotFound(_))
    ));
    assert_eq!(t.count("messages"), 1);
}

#[test]
fn retiring_a_key_reseals_the_reason_the_original_and_remote_images() {
    let t = TestVault::new();
    let msg = NewMessage {
        remote_images: vec!["https://tracker.example/p.gif".into()],
        ..kept(&t, 1)
    };
    let id = t.insert(&[msg])[0];
    let tenant = t.scope.tenant;
    let old = t.vault.rotate_key(tenant).unwrap() - 1;
    t.vault
        .retire_key(tenant, old, |_| RetireControl::Continue)
        .unwrap();
    let m = t.vault.get_message(&t.scope, id).unwrap();
    assert_eq!(m.remote_images, vec!["https://tracker.example/p.gif"]);
    assert!(m.rejected.is_some());
    assert_eq!(t.vault.original_source(&t.scope, id).unwrap(), ORIGINAL);
}
