//! The data lifecycle of messages and conversations: soft delete (hidden everywhere at once,
//! restorable for the tenant's grace period), restore, the trash, and the hard purge.
//!
//! Soft delete stamps `deleted_at`; every read already skips such rows, and the ids are queued
//! for the search index, whose replay drops their documents. Restore clears the stamp and queues
//! them again, so they are re-indexed. Purge deletes the rows and everything hanging off them
//! (`delete::delete_row`) with SQLite's `secure_delete` on, so freed pages are overwritten, then
//! gives the freed pages back (incremental vacuum) and truncates the write-ahead log; purged
//! objects' audit identifiers are redacted. Every step appends its audit entry in its own
//! transaction. Times come from the caller (helpr-core's clock), never from here.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::audit;
use crate::error::{Result, VaultError};
use crate::gmail_outbox::{self, OutboxAction};
use crate::messages::StoredSummary;
use crate::scope::id_list_sql;
use crate::{delete, index_feed, Scope, Vault};

/// Seconds in a day.
const DAY: i64 = 86_400;
/// Messages purged per transaction.
const PURGE_BATCH: usize = 500;
/// The grace period's bounds, in days.
pub const GRACE_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// What a lifecycle action applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Message(i64),
    /// A conversation: every message of the thread.
    Thread(i64),
}

impl Target {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Target::Message(_) => "message",
            Target::Thread(_) => "thread",
        }
    }

    pub(crate) fn id(self) -> i64 {
        match self {
            Target::Message(id) | Target::Thread(id) => id,
        }
    }
}

/// One deleted message in the trash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TrashItem {
    pub summary: StoredSummary,
    pub deleted_at: i64,
    /// When the purge may take it (deleted_at + the grace period).
    pub purge_after: i64,
}

/// Who acts, and when (seconds since the epoch).
#[derive(Debug, Clone, Copy)]
pub struct Act<'a> {
    pub actor: &'a str,
    pub now: i64,
}

impl Vault {
    /// `tenant`'s grace period in days.
    pub fn grace_days(&self, tenant: i64) -> Result<u32> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT grace_days FROM tenants WHERE id = ?1",
                [tenant],
                |r| r.get(0),
            )?)
        })
    }

    /// Sets `tenant`'s grace period (1–365 days); returns the old one.
    pub fn set_grace_days(&self, tenant: i64, days: u32, act: Act<'_>) -> Result<u32> {
        if !GRACE_DAYS.contains(&days) {
            return Err(VaultError::Invalid(format!(
                "the grace period must be between {} and {} days, not {days}",
                GRACE_DAYS.start(),
                GRACE_DAYS.end()
            )));
        }
        self.write(|tx| {
            let old: u32 = tx.query_row(
                "SELECT grace_days FROM tenants WHERE id = ?1",
                [tenant],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE tenants SET grace_days = ?2 WHERE id = ?1",
                params![tenant, days],
            )?;
            audit::record(
                tx,
                self.keys(),
                tenant,
                act,
                "settings.set",
                None,
                format!("grace_days {old} -> {days}"),
            )?;
            Ok(old)
        })
    }

    /// The ids `target` names within `scope` whose `deleted_at` is set (`deleted`) or not.
    pub(crate) fn target_ids(
        c: &Connection,
        scope: &Scope,
        target: Target,
        deleted: bool,
    ) -> Result<Vec<i64>> {
        let column = match target {
            Target::Message(_) => "id",
            Target::Thread(_) => "thread_id",
        };
        let state = if deleted { "IS NOT NULL" } else { "IS NULL" };
        let mut stmt = c.prepare(&format!(
            "SELECT id FROM messages WHERE {column} = ?1 AND tenant_id = ?2
             AND inbox_id IN {} AND deleted_at {state} ORDER BY id",
            scope.inbox_sql()
        ))?;
        let ids = stmt.query_map(params![target.id(), scope.tenant], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// Soft-deletes `target` within `scope`: hidden from every read at once, its ids queued for
    /// the search index, restorable until purged. Returns the message ids. `NotFound` when
    /// nothing live matches (an unknown id, or one already deleted or purged).
    pub fn soft_delete(&self, scope: &Scope, target: Target, act: Act<'_>) -> Result<Vec<i64>> {
        self.set_deleted(scope, target, act, true)
    }

    /// Restores a soft-deleted `target` within `scope` (queued for the index again). `NotFound`
    /// when nothing in the trash matches: an unknown id, a live one, or one already purged.
    pub fn restore(&self, scope: &Scope, target: Target, act: Act<'_>) -> Result<Vec<i64>> {
        self.set_deleted(scope, target, act, false)
    }

    /// Moves `target`'s messages into the trash (`delete`) or out of it, in one transaction
    /// with their index queue entries, what Gmail is owed (trash or untrash) and the audit
    /// entry.
    fn set_deleted(
        &self,
        scope: &Scope,
        target: Target,
        act: Act<'_>,
        delete: bool,
    ) -> Result<Vec<i64>> {
        self.write(|tx| {
            let ids = Self::target_ids(tx, scope, target, !delete)?;
            if ids.is_empty() {
                let why = if delete {
                    "(not stored, or already deleted)"
                } else {
                    "in the trash (not deleted, or already purged)"
                };
                return Err(VaultError::NotFound(format!(
                    "{} {} {why}",
                    target.kind(),
                    target.id()
                )));
            }
            tx.execute(
                &format!(
                    "UPDATE messages SET deleted_at = ?1 WHERE id IN {}",
                    id_list_sql(&ids)
                ),
                [delete.then_some(act.now)],
            )?;
            index_feed::enqueue(tx, &ids)?;
            let owed = if delete {
                OutboxAction::Trash
            } else {
                OutboxAction::Untrash
            };
            gmail_outbox::enqueue(tx, &ids, owed, act.now)?;
            let verb = if delete { "delete" } else { "restore" };
            audit::record(
                tx,
                self.keys(),
                scope.tenant,
                act,
                &format!("{}.{verb}", target.kind()),
                Some((target.kind(), target.id())),
                format!("messages {}", ids.len()),
            )?;
            Ok(ids)
        })
    }

    /// The trash of `scope`: deleted messages, most recently deleted first, each with when the
    /// purge may take it.
    pub fn trash(&self, scope: &Scope) -> Result<Vec<TrashItem>> {
        let grace = i64::from(self.grace_days(scope.tenant)?);
        let rows: Vec<(i64, i64)> = self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT id, deleted_at FROM messages INDEXED BY messages_deleted
                 WHERE tenant_id = ?1 AND deleted_at IS NOT NULL AND inbox_id IN {}
                 ORDER BY deleted_at DESC, id DESC",
                scope.inbox_sql()
            ))?;
            let rows = stmt.query_map([scope.tenant], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        rows.into_iter()
            .map(|(id, deleted_at)| {
                Ok(TrashItem {
                    summary: self.deleted_summary(scope, id)?,
                    deleted_at,
                    purge_after: deleted_at + grace * DAY,
                })
            })
            .collect()
    }

    /// The ids in `scope`'s trash whose grace period has run out at `now`.
    pub fn expired(&self, scope: &Scope, now: i64) -> Result<Vec<i64>> {
        let grace = i64::from(self.grace_days(scope.tenant)?);
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT id FROM messages INDEXED BY messages_deleted
                 WHERE tenant_id = ?1 AND deleted_at IS NOT NULL AND deleted_at <= ?2
                 AND inbox_id IN {} ORDER BY id",
                scope.inbox_sql()
            ))?;
            let ids = stmt.query_map(params![scope.tenant, now - grace * DAY], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The ids of the deleted messages `target` names in `scope`'s trash.
    pub fn trashed_ids(&self, scope: &Scope, target: Target) -> Result<Vec<i64>> {
        self.read(|c| Self::target_ids(c, scope, target, true))
    }

    /// Purges the deleted messages `ids` of `scope` for good, in batches (a crash leaves whole
    /// batches done and the rest still in the trash, so running it again resumes), with
    /// `secure_delete` on; then reclaims the freed pages and truncates the write-ahead log.
    /// Ids that are not in the trash are skipped. Returns how many were purged.
    pub fn purge(&self, scope: &Scope, ids: &[i64], act: Act<'_>) -> Result<u64> {
        let mut purged = 0u64;
        self.with_secure_delete(|| {
            for batch in ids.chunks(PURGE_BATCH) {
                purged += self.write(|tx| self.purge_batch(tx, scope, batch, act))?;
            }
            Ok(())
        })?;
        if purged > 0 {
            self.reclaim()?;
        }
        Ok(purged)
    }

    fn purge_batch(
        &self,
        tx: &Transaction<'_>,
        scope: &Scope,
        ids: &[i64],
        act: Act<'_>,
    ) -> Result<u64> {
        let rows: Vec<(i64, i64)> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT id, thread_id FROM messages WHERE id IN {} AND tenant_id = ?1
                 AND inbox_id IN {} AND deleted_at IS NOT NULL",
                id_list_sql(ids),
                scope.inbox_sql()
            ))?;
            let rows = stmt.query_map([scope.tenant], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut threads = Vec::new();
        for (id, thread) in &rows {
            delete::delete_row(tx, *id, *thread)?;
            threads.push(*thread);
        }
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        audit::redact(tx, "message", &ids)?;
        threads.sort_unstable();
        threads.dedup();
        let gone: Vec<i64> = threads
            .into_iter()
            .map(|t| {
                let left: Option<i64> = tx
                    .query_row("SELECT id FROM threads WHERE id = ?1", [t], |r| r.get(0))
                    .optional()?;
                Ok((t, left.is_none()))
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter_map(|(t, gone)| gone.then_some(t))
            .collect();
        audit::redact(tx, "thread", &gone)?;
        if !ids.is_empty() {
            audit::record(
                tx,
                self.keys(),
                scope.tenant,
                act,
                "message.purge",
                None,
                format!("messages {}", ids.len()),
            )?;
        }
        Ok(ids.len() as u64)
    }

    /// Runs `f` with `secure_delete` on for the writer (a per-connection setting: on only for
    /// the purge, since it slows every write).
    fn with_secure_delete(&self, f: impl FnOnce() -> Result<()>) -> Result<()> {
        self.with_writer(|c| Ok(c.execute_batch("PRAGMA secure_delete = ON;")?))?;
        let out = f();
        self.with_writer(|c| Ok(c.execute_batch("PRAGMA secure_delete = OFF;")?))?;
        out
    }

    /// Gives freed pages back to the file system and empties the write-ahead log, so no copy
    /// of a purged page stays in either. A vault created before incremental vacuum is
    /// converted once (a full `VACUUM`).
    fn reclaim(&self) -> Result<()> {
        self.with_writer(|c| {
            let mode: i64 = c.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
            if mode == 2 {
                // It frees one page per step: step it to the end.
                let mut stmt = c.prepare("PRAGMA incremental_vacuum")?;
                let mut rows = stmt.query([])?;
                while rows.next()?.is_some() {}
            } else {
                c.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
            }
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
    }

    /// The summary of a deleted message (the covering index holds live ones only).
    fn deleted_summary(&self, scope: &Scope, id: i64) -> Result<StoredSummary> {
        self.summary_any_state(scope, id)
    }
}
