//! Hard delete of one message, in one write transaction: its attachments and their chunks, its
//! reference fingerprints and label links, the row itself; its thread loses a message (and is
//! deleted when empty); the id is queued for the search index in the same transaction.
//!
//! Children are deleted explicitly before the row, so nothing is left behind even if a
//! connection ran without `PRAGMA foreign_keys = ON` (open.rs sets it; the `ON DELETE CASCADE`
//! clauses then have nothing left to do). Labels themselves stay: they belong to the inbox.
//!
//! `PRAGMA secure_delete` is not enabled: it is per connection, not per transaction, and turning
//! it on globally would slow every write. Freed pages keep only what was written to them:
//! SQLCipher-encrypted pages whose content fields are additionally sealed with the tenant key.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::{Result, VaultError};
use crate::{index_feed, Scope, Vault};

impl Vault {
    /// Deletes the live message `id` within `scope` for good. `NotFound` if there is no such
    /// live message in `scope`.
    pub fn delete_message(&self, scope: &Scope, id: i64) -> Result<()> {
        self.write(|tx| {
            let thread: i64 = crate::cached::query_row(
                tx,
                &format!(
                    "SELECT thread_id FROM messages WHERE id = ?1 AND tenant_id = ?2
                         AND inbox_id IN {} AND deleted_at IS NULL",
                    scope.inbox_sql()
                ),
                params![id, scope.tenant],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| VaultError::NotFound(format!("message {id}")))?;
            delete_row(tx, id, thread)
        })
    }
}

/// Removes message `id` (of thread `thread`) and everything hanging off it, and queues the id
/// for the search index. The caller has checked the message is in scope.
pub(crate) fn delete_row(tx: &Transaction<'_>, id: i64, thread: i64) -> Result<()> {
    crate::cached::execute(
        tx,
        "DELETE FROM attachment_chunks
             WHERE attachment_id IN (SELECT id FROM attachments WHERE message_id = ?1)",
        [id],
    )?;
    for table in ["attachments", "message_refs", "message_labels"] {
        crate::cached::execute(
            tx,
            &format!("DELETE FROM {table} WHERE message_id = ?1"),
            [id],
        )?;
    }
    crate::cached::execute(tx, "DELETE FROM messages WHERE id = ?1", [id])?;
    let (left, last_date): (i64, Option<i64>) = crate::cached::query_row(
        tx,
        "SELECT count(*), MAX(date) FROM messages WHERE thread_id = ?1",
        [thread],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match last_date {
        Some(last_date) if left > 0 => crate::cached::execute(
            tx,
            "UPDATE threads SET message_count = MAX(message_count - 1, 0), last_date = ?2
                 WHERE id = ?1",
            params![thread, last_date],
        )?,
        _ => {
            // A protected thread goes with the last message of its conversation.
            crate::cached::execute(
                tx,
                "DELETE FROM secure_messages WHERE thread_id = ?1",
                [thread],
            )?;
            crate::cached::execute(tx, "DELETE FROM threads WHERE id = ?1", [thread])?
        }
    };
    index_feed::enqueue(tx, &[id])
}
