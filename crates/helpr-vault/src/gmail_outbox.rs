//! The Gmail outbox: what helpr owes Gmail after a delete or a restore (the message moved to
//! Gmail's Trash, or out of it).
//!
//! The wish is written by [`enqueue`] in the transaction that soft-deletes or restores the
//! messages, so it survives being offline, a restart and a `kill -9`: it is either committed
//! with the change or not at all. One row per Gmail message holds the latest wish (a restore
//! before the trash was sent replaces it). helpr-core drains the outbox through the Gmail API's
//! quota limiter; a row leaves only when Gmail did what it asks ([`Vault::gmail_outbox_done`]
//! deletes it only if the wish is still the one that was sent), or when Gmail no longer has
//! the message. A failure stays queued with its error code and attempt count.
//!
//! Every message with a Gmail id is queued, also while its account is disconnected or needs
//! reconnecting: the drain skips such accounts, and sends what waits once they are connected
//! again. Purging an inbox drops its rows.

use rusqlite::{params, Transaction};
use serde::Serialize;

use crate::error::Result;
use crate::scope::id_list_sql;
use crate::Vault;

/// What Gmail is to do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxAction {
    Trash,
    Untrash,
    /// Remove `UNREAD`.
    Read,
    /// Add `UNREAD`.
    Unread,
}

impl OutboxAction {
    fn as_str(self) -> &'static str {
        match self {
            OutboxAction::Trash => "trash",
            OutboxAction::Untrash => "untrash",
            OutboxAction::Read => "read",
            OutboxAction::Unread => "unread",
        }
    }

    /// Wishes of one kind replace each other; of different kinds, they wait side by side.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            OutboxAction::Trash | OutboxAction::Untrash => TRASH_KIND,
            OutboxAction::Read | OutboxAction::Unread => READ_KIND,
        }
    }

    fn parse(s: &str) -> rusqlite::Result<Self> {
        match s {
            "trash" => Ok(OutboxAction::Trash),
            "untrash" => Ok(OutboxAction::Untrash),
            "read" => Ok(OutboxAction::Read),
            "unread" => Ok(OutboxAction::Unread),
            other => Err(rusqlite::Error::InvalidColumnType(
                0,
                format!("outbox action {other:?}"),
                rusqlite::types::Type::Text,
            )),
        }
    }
}

/// The kind of trash and untrash wishes.
pub(crate) const TRASH_KIND: &str = "trash";
/// The kind of read and unread wishes.
pub(crate) const READ_KIND: &str = "read";

/// One wish waiting for Gmail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The row's id: the order wishes are sent in, and a drain's cursor.
    pub id: i64,
    pub gmail_id: String,
    pub action: OutboxAction,
    pub attempts: u32,
}

/// What an inbox still owes Gmail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxState {
    pub pending: u64,
    /// The last failure's error code, if the oldest attempts failed.
    pub last_error: Option<String>,
}

/// Queues `action` at Gmail for those of `ids` that came from Gmail, in the caller's
/// transaction. Returns how many were queued.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    ids: &[i64],
    action: OutboxAction,
    now: i64,
) -> Result<usize> {
    Ok(tx.execute(
        &format!(
            "INSERT INTO gmail_outbox (inbox_id, gmail_id, kind, action, queued_at)
             SELECT inbox_id, gmail_id, ?3, ?1, ?2 FROM messages
             WHERE id IN {} AND gmail_id IS NOT NULL
             ON CONFLICT (inbox_id, gmail_id, kind) DO UPDATE SET action = excluded.action,
                queued_at = excluded.queued_at, attempts = 0, last_error = NULL",
            id_list_sql(ids)
        ),
        params![action.as_str(), now, action.kind()],
    )?)
}

/// Whether a wish of `kind` for `gmail_id` waits in the outbox (sync then leaves that state of
/// the message alone: helpr's own change has not reached Gmail yet).
pub(crate) fn pending(
    tx: &Transaction<'_>,
    inbox: i64,
    gmail_id: &str,
    kind: &str,
) -> Result<bool> {
    Ok(crate::cached::query_row(
        tx,
        "SELECT EXISTS (SELECT 1 FROM gmail_outbox
             WHERE inbox_id = ?1 AND gmail_id = ?2 AND kind = ?3)",
        params![inbox, gmail_id, kind],
        |r| r.get(0),
    )?)
}

impl Vault {
    /// Up to `limit` wishes of `inbox` queued after row `after`, oldest first.
    pub fn gmail_outbox(&self, inbox: i64, after: i64, limit: usize) -> Result<Vec<OutboxEntry>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, gmail_id, action, attempts FROM gmail_outbox
                 WHERE inbox_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![inbox, after, limit as i64], |r| {
                Ok(OutboxEntry {
                    id: r.get(0)?,
                    gmail_id: r.get(1)?,
                    action: OutboxAction::parse(&r.get::<_, String>(2)?)?,
                    attempts: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Gmail did `entry`: its row goes, unless the wish changed meanwhile (a restore queued
    /// while the trash was on its way stays for the next drain). Returns whether it went.
    pub fn gmail_outbox_done(&self, inbox: i64, entry: &OutboxEntry) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM gmail_outbox WHERE inbox_id = ?1 AND gmail_id = ?2 AND action = ?3",
                params![inbox, entry.gmail_id, entry.action.as_str()],
            )? > 0)
        })
    }

    /// `entry` failed with `code` (an error code, never content): counted, kept for a retry.
    pub fn gmail_outbox_failed(&self, inbox: i64, entry: &OutboxEntry, code: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE gmail_outbox SET attempts = attempts + 1, last_error = ?4
                 WHERE inbox_id = ?1 AND gmail_id = ?2 AND action = ?3",
                params![inbox, entry.gmail_id, entry.action.as_str(), code],
            )?;
            Ok(())
        })
    }

    /// How much `inbox` still owes Gmail, and the oldest wish's last error.
    pub fn gmail_outbox_state(&self, inbox: i64) -> Result<OutboxState> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT count(*),
                    (SELECT last_error FROM gmail_outbox WHERE inbox_id = ?1 ORDER BY id LIMIT 1)
                 FROM gmail_outbox WHERE inbox_id = ?1",
                [inbox],
                |r| {
                    Ok(OutboxState {
                        pending: r.get::<_, i64>(0)? as u64,
                        last_error: r.get(1)?,
                    })
                },
            )?)
        })
    }
}
