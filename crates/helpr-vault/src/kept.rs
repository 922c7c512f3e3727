//! Kept messages: the ones the pipeline could not display, stored with their sealed reason and
//! original source (see [`crate::messages`]). Here: finding them, reading an original back, and
//! replacing a kept message by a freshly parsed one once the pipeline can display it.

use rusqlite::{params, OptionalExtension};

use crate::error::{Result, VaultError};
use crate::messages::{insert_as, InsertOutcome, NewMessage};
use crate::{delete, Scope, Vault};

/// What re-running the pipeline over a kept message needs besides its source.
#[derive(Debug, Clone)]
pub struct KeptMessage {
    pub id: i64,
    pub inbox_id: i64,
    pub gmail_id: Option<String>,
    pub gmail_thread_id: Option<String>,
    /// The date it was stored under (the `Date` header, or when it arrived).
    pub date: i64,
    pub unread: bool,
    pub labels: Vec<String>,
    pub original: Vec<u8>,
}

impl Vault {
    /// The ids of the live kept messages within `scope`, oldest first.
    pub fn kept_ids(&self, scope: &Scope) -> Result<Vec<i64>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT id FROM messages INDEXED BY messages_kept
                 WHERE tenant_id = ?1 AND kept = 1 AND inbox_id IN {} AND deleted_at IS NULL
                 ORDER BY id",
                scope.inbox_sql()
            ))?;
            let ids = stmt.query_map([scope.tenant], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The original source of message `id` within `scope`. helpr keeps the source only of
    /// messages it could not display; for any other message this is `NotFound` with that reason.
    pub fn original_source(&self, scope: &Scope, id: i64) -> Result<Vec<u8>> {
        let attachment: Option<Option<i64>> = self.read(|c| {
            Ok(c.query_row(
                &format!(
                    "SELECT (SELECT a.id FROM attachments a WHERE a.message_id = m.id
                             AND a.original = 1)
                     FROM messages m WHERE m.id = ?1 AND m.tenant_id = ?2 AND m.inbox_id IN {}
                     AND m.deleted_at IS NULL",
                    scope.inbox_sql()
                ),
                params![id, scope.tenant],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        match attachment {
            None => Err(VaultError::NotFound(format!("message {id}"))),
            Some(None) => Err(VaultError::NotFound(format!(
                "the original source of message {id}: helpr keeps it only for messages it \
                 could not display"
            ))),
            Some(Some(attachment)) => self.read_attachment(scope, attachment),
        }
    }

    /// Kept message `id` within `scope`, with what re-parsing it needs.
    pub fn kept_message(&self, scope: &Scope, id: i64) -> Result<KeptMessage> {
        type Row = (i64, Option<String>, Option<String>, i64, bool, bool);
        let row: Option<Row> = self.read(|c| {
            Ok(c.query_row(
                &format!(
                    "SELECT m.inbox_id, m.gmail_id, t.gmail_thread_id, m.date, m.unread, m.kept
                     FROM messages m JOIN threads t ON t.id = m.thread_id
                     WHERE m.id = ?1 AND m.tenant_id = ?2 AND m.inbox_id IN {}
                     AND m.deleted_at IS NULL",
                    scope.inbox_sql()
                ),
                params![id, scope.tenant],
                |r| Row::try_from(r),
            )
            .optional()?)
        })?;
        let (inbox_id, gmail_id, gmail_thread_id, date, unread, kept) =
            row.ok_or_else(|| VaultError::NotFound(format!("message {id}")))?;
        if !kept {
            return Err(VaultError::Invalid(format!(
                "message {id} is displayed normally; only kept messages are reprocessed"
            )));
        }
        Ok(KeptMessage {
            id,
            inbox_id,
            gmail_id,
            gmail_thread_id,
            date,
            unread,
            labels: self.message_labels(scope.tenant, id)?,
            original: self.original_source(scope, id)?,
        })
    }

    /// Replaces kept message `id` (within `scope`) by `msg`, the same message parsed again, in
    /// one transaction and under the same id, so references to it stay valid; the id is queued
    /// for the search index. `Duplicate` when the parsed message turns out to be a copy of
    /// another stored one: the kept row is then gone and the other message stays.
    pub fn replace_kept(&self, scope: &Scope, id: i64, msg: &NewMessage) -> Result<InsertOutcome> {
        if msg.kept.is_some() {
            return Err(VaultError::Invalid(
                "a kept message is replaced only by one the pipeline can display".into(),
            ));
        }
        self.write(|tx| {
            let thread: i64 = tx
                .query_row(
                    &format!(
                        "SELECT thread_id FROM messages WHERE id = ?1 AND tenant_id = ?2
                         AND kept = 1 AND inbox_id IN {} AND deleted_at IS NULL",
                        scope.inbox_sql()
                    ),
                    params![id, scope.tenant],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| VaultError::NotFound(format!("kept message {id}")))?;
            if !scope.inboxes.contains(&msg.inbox_id) {
                return Err(VaultError::NotFound(format!("inbox {}", msg.inbox_id)));
            }
            delete::delete_row(tx, id, thread)?;
            insert_as(tx, self.keys(), scope.tenant, msg, Some(id))
        })
    }
}
