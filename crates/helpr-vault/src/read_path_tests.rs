//! The read path (`Vault::read`): reads go through the idle writer with `query_only` on, and a
//! read while a write transaction is open is served by a pooled reader without waiting for it.

use std::sync::mpsc;
use std::time::Duration;

use crate::test_support::TestVault;
use crate::{NewMessage, VaultError};

#[test]
fn a_read_cannot_write_and_the_writer_writes_after_it() {
    let t = TestVault::new();
    let attempt = t.vault.read(|c| {
        c.execute("DELETE FROM messages", [])?;
        Ok(())
    });
    let error = attempt.expect_err("a read wrote to the vault");
    assert!(
        error.to_string().contains("readonly") || error.to_string().contains("read-only"),
        "{error}"
    );
    // The writer is back to writing once the read is over.
    let ids = t.insert(&[t.message(1)]);
    assert_eq!(ids.len(), 1);
    let found = t.vault.summaries(&t.scope, &ids).unwrap();
    assert_eq!(found.len(), 1);
}

#[test]
fn a_read_during_a_write_transaction_is_served_without_waiting_for_it() {
    let t = TestVault::new();
    let ids = t.insert(&[t.message(1)]);
    let (in_write, release) = (mpsc::channel::<()>(), mpsc::channel::<()>());
    let (entered, wait_entered) = in_write;
    let (let_go, held) = release;
    let (vault, scope) = (&t.vault, &t.scope);
    std::thread::scope(|s| {
        let writer = s.spawn(move || {
            vault.write(|_tx| {
                entered.send(()).unwrap();
                // Hold the write transaction until the read below has finished.
                held.recv().unwrap();
                Ok::<_, VaultError>(())
            })
        });
        wait_entered.recv().unwrap();
        let (done, wait_done) = mpsc::channel();
        let reader = s.spawn(move || {
            let found = vault.summaries(scope, &ids).map(|s| s.len());
            done.send(()).unwrap();
            found
        });
        // The read finishes while the writer still holds its transaction.
        let finished = wait_done.recv_timeout(Duration::from_secs(60));
        let_go.send(()).unwrap();
        assert!(finished.is_ok(), "the read waited for the writer");
        assert_eq!(reader.join().unwrap().unwrap(), 1);
        writer.join().unwrap().unwrap();
    });
}

/// A page of summaries is read from the covering index `messages_summary` alone: the plan never
/// visits the table, whose rows hold the sealed bodies (about a page each).
#[test]
fn summaries_are_read_from_the_covering_index_only() {
    let t = TestVault::new();
    let ids = t.insert(&[t.message(1), t.message(2), t.message(3)]);
    let sql = crate::messages::summaries_sql(&t.scope, &ids);
    let plan: Vec<String> = t
        .vault
        .read(|c| {
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let rows = stmt.query_map([t.scope.tenant], |r| r.get::<_, String>(3))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap();
    assert_eq!(
        plan,
        ["SEARCH messages USING COVERING INDEX messages_summary (id=?)"],
        "{sql}"
    );
}

/// The index follows the table: a message marked read, or deleted, shows so in its summary.
#[test]
fn summaries_follow_changes_to_their_messages() {
    let t = TestVault::new();
    let unread = |i| NewMessage {
        unread: true,
        ..t.message(i)
    };
    let ids = t.insert(&[unread(1), unread(2)]);
    assert!(t
        .vault
        .summaries(&t.scope, &ids)
        .unwrap()
        .iter()
        .all(|s| s.unread));
    t.vault
        .write(|tx| {
            tx.execute("UPDATE messages SET unread = 0 WHERE id = ?1", [ids[0]])?;
            tx.execute("UPDATE messages SET deleted_at = 1 WHERE id = ?1", [ids[1]])?;
            Ok::<_, VaultError>(())
        })
        .unwrap();
    let after = t.vault.summaries(&t.scope, &ids).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, ids[0]);
    assert!(!after[0].unread);
}
