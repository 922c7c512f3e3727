//! Tamper tests on a real vault (real SQLCipher, real keychain): a flipped byte in a sealed
//! field, a ciphertext moved to another row or field, attachment chunks swapped or dropped, a
//! tampered wrapped key — each is an error, never wrong plaintext.

use rusqlite::params;

use crate::test_support::{sql, vault_with, TestVault};
use crate::{Scope, Vault, VaultError};

fn is_decrypt_error<T: std::fmt::Debug>(r: crate::error::Result<T>) -> bool {
    matches!(r, Err(VaultError::Crypto(_)))
}

fn subject(t: &TestVault, id: i64) -> String {
    t.vault.get_message(&t.scope, id).unwrap().summary.subject
}

fn set_subject(t: &TestVault, id: i64, sealed: &[u8]) {
    sql(&t.vault, |tx| {
        tx.execute(
            "UPDATE messages SET subject = ?2 WHERE id = ?1",
            params![id, sealed],
        )
    });
}

/// Exchanges the positions of an attachment's chunks 0 and 1.
fn swap_first_chunks(t: &TestVault, att: i64) {
    sql(&t.vault, |tx| {
        tx.execute_batch(&format!(
            "UPDATE attachment_chunks SET idx = 99 WHERE attachment_id = {att} AND idx = 0;
             UPDATE attachment_chunks SET idx = 0 WHERE attachment_id = {att} AND idx = 1;
             UPDATE attachment_chunks SET idx = 1 WHERE attachment_id = {att} AND idx = 99;"
        ))
        .map(|_| 0)
    });
}

#[test]
fn flipped_byte_in_a_sealed_field_fails() {
    let (t, ids) = vault_with(1, None);
    assert_eq!(subject(&t, ids[0]), "subject 0");
    let sealed: Vec<u8> = t
        .vault
        .read(|c| {
            Ok(c.query_row(
                "SELECT subject FROM messages WHERE id = ?1",
                [ids[0]],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    for pos in [0, 3, 10, sealed.len() / 2, sealed.len() - 1] {
        let mut bad = sealed.clone();
        bad[pos] ^= 0x01;
        set_subject(&t, ids[0], &bad);
        assert!(
            is_decrypt_error(t.vault.get_message(&t.scope, ids[0])),
            "byte {pos}"
        );
        assert!(is_decrypt_error(t.vault.list_messages(&t.scope, 10, 0)));
    }
    set_subject(&t, ids[0], &sealed);
    assert_eq!(subject(&t, ids[0]), "subject 0");
}

#[test]
fn ciphertext_moved_to_another_row_or_field_fails() {
    let (t, ids) = vault_with(2, None);
    // Row swap: message 1's subject into message 0.
    sql(&t.vault, |tx| {
        tx.execute(
            "UPDATE messages SET subject = (SELECT subject FROM messages WHERE id = ?2) WHERE id = ?1",
            params![ids[0], ids[1]],
        )
    });
    assert!(is_decrypt_error(t.vault.get_message(&t.scope, ids[0])));
    assert_eq!(
        t.vault
            .get_message(&t.scope, ids[1])
            .unwrap()
            .summary
            .subject,
        "subject 1"
    );
    // Field swap: message 1's snippet into its own subject.
    sql(&t.vault, |tx| {
        tx.execute(
            "UPDATE messages SET subject = snippet WHERE id = ?1",
            [ids[1]],
        )
    });
    assert!(is_decrypt_error(t.vault.get_message(&t.scope, ids[1])));
}

#[test]
fn attachment_chunks_swapped_dropped_or_flipped_fail() {
    let data: Vec<u8> = (0..(crate::attachments::CHUNK_SIZE * 2 + 100))
        .map(|i| (i % 251) as u8)
        .collect();
    let (t, ids) = vault_with(1, Some(data.clone()));
    let att = t.vault.get_message(&t.scope, ids[0]).unwrap().attachments[0].id;
    assert_eq!(t.vault.read_attachment(&t.scope, att).unwrap(), data);

    // Swap chunks 0 and 1.
    swap_first_chunks(&t, att);
    assert!(is_decrypt_error(t.vault.read_attachment(&t.scope, att)));
    // Swap back: whole again.
    swap_first_chunks(&t, att);
    assert_eq!(t.vault.read_attachment(&t.scope, att).unwrap(), data);
    // Truncation: drop the last chunk, and also claim fewer chunks.
    sql(&t.vault, |tx| {
        tx.execute(
            "DELETE FROM attachment_chunks WHERE attachment_id = ?1 AND idx = 2",
            [att],
        )
    });
    assert!(is_decrypt_error(t.vault.read_attachment(&t.scope, att)));
    sql(&t.vault, |tx| {
        tx.execute(
            "UPDATE attachments SET chunk_count = 2 WHERE id = ?1",
            [att],
        )
    });
    assert!(is_decrypt_error(t.vault.read_attachment(&t.scope, att)));
}

#[test]
fn tampered_wrapped_key_keeps_the_vault_locked() {
    let (t, _) = vault_with(1, None);
    let mut wrapped: Vec<u8> = t
        .vault
        .read(|c| Ok(c.query_row("SELECT wrapped FROM tenant_keys", [], |r| r.get(0))?))
        .unwrap();
    wrapped[20] ^= 0x01;
    sql(&t.vault, |tx| {
        tx.execute("UPDATE tenant_keys SET wrapped = ?1", [wrapped])
    });
    let dir = t.vault.dir().to_path_buf();
    let err = Vault::open(&dir).unwrap_err();
    assert!(matches!(err, VaultError::Locked(_)), "{err}");
    assert!(err.to_string().contains("does not unwrap"), "{err}");
}

#[test]
fn scope_filters_every_read() {
    let (t, ids) = vault_with(1, Some(b"x".to_vec()));
    let none = Scope {
        tenant: t.scope.tenant,
        inboxes: vec![],
    };
    assert!(t.vault.list_messages(&none, 10, 0).unwrap().is_empty());
    assert!(matches!(
        t.vault.get_message(&none, ids[0]),
        Err(VaultError::NotFound(_))
    ));
    let att = t.vault.get_message(&t.scope, ids[0]).unwrap().attachments[0].id;
    assert!(matches!(
        t.vault.read_attachment(&none, att),
        Err(VaultError::NotFound(_))
    ));
    let other_tenant = Scope {
        tenant: t.scope.tenant + 1,
        inboxes: t.scope.inboxes.clone(),
    };
    assert!(matches!(
        t.vault.get_message(&other_tenant, ids[0]),
        Err(VaultError::NotFound(_))
    ));
}
