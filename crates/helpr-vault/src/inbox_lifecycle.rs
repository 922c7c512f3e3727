//! The lifecycle of a whole inbox (a connected Gmail account and its mail): soft delete hides
//! the inbox and every message in it at once (the messages take the inbox's `deleted_at`, so a
//! restore brings back exactly those, not ones deleted before), drops the account's sealed
//! refresh token and stops its sync; restore brings the mail back (the account stays
//! disconnected: its token was revoked); the purge, after the grace period or on demand,
//! deletes the messages ([`Vault::purge`]) and then everything else the inbox owned — labels,
//! sync state, the account row, the inbox row — and redacts its audit identifier. The local
//! inbox (the import target) is not deleted; its messages are.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::audit;
use crate::error::{Result, VaultError};
use crate::lifecycle::Act;
use crate::scope::id_list_sql;
use crate::{index_feed, Scope, Vault};

const DAY: i64 = 86_400;

/// A deleted inbox in the trash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TrashedInbox {
    pub id: i64,
    pub address: String,
    pub deleted_at: i64,
    pub purge_after: i64,
    pub messages: u64,
}

/// An inbox found by address, live or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxState {
    pub id: i64,
    pub kind: String,
    pub deleted_at: Option<i64>,
}

impl Vault {
    /// The inbox of `tenant` with `address`, whether live or in the trash.
    pub fn inbox_by_address(&self, tenant: i64, address: &str) -> Result<InboxState> {
        let fp = self
            .keys()
            .fingerprint(tenant, "inbox", address.to_lowercase().as_bytes());
        self.read(|c| {
            c.query_row(
                "SELECT id, kind, deleted_at FROM inboxes WHERE tenant_id = ?1 AND address_fp = ?2",
                params![tenant, fp.to_vec()],
                |r| {
                    Ok(InboxState {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        deleted_at: r.get(2)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| VaultError::NotFound("no inbox with that address".into()))
        })
    }

    /// Soft-deletes inbox `inbox` of `tenant` with all its live messages (their ids, queued
    /// for the index, are returned); its Gmail account loses its refresh token and stops.
    pub fn delete_inbox(&self, tenant: i64, inbox: i64, act: Act<'_>) -> Result<Vec<i64>> {
        self.write(|tx| {
            let kind: Option<(String, Option<i64>)> = tx
                .query_row(
                    "SELECT kind, deleted_at FROM inboxes WHERE id = ?1 AND tenant_id = ?2",
                    params![inbox, tenant],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match kind {
                None | Some((_, Some(_))) => {
                    return Err(VaultError::NotFound(
                        "no such inbox (or it is already in the trash)".into(),
                    ))
                }
                Some((kind, None)) if kind == "local" => {
                    return Err(VaultError::Invalid(
                        "the local inbox holds imported mail and stays: delete its messages \
                         instead"
                            .into(),
                    ))
                }
                Some(_) => {}
            }
            let ids = ids_of(
                tx,
                "SELECT id FROM messages WHERE inbox_id = ?1 AND deleted_at IS NULL ORDER BY id",
                inbox,
            )?;
            tx.execute(
                "UPDATE messages SET deleted_at = ?2 WHERE inbox_id = ?1 AND deleted_at IS NULL",
                params![inbox, act.now],
            )?;
            tx.execute(
                "UPDATE inboxes SET deleted_at = ?2 WHERE id = ?1",
                params![inbox, act.now],
            )?;
            tx.execute(
                "UPDATE gmail_accounts SET refresh_token = NULL, state = 'disconnected',
                    updated_at = ?2 WHERE inbox_id = ?1",
                params![inbox, act.now],
            )?;
            tx.execute(
                "UPDATE sync_state SET state = 'idle', done = 0, total = 0 WHERE inbox_id = ?1",
                [inbox],
            )?;
            self.queue_and_audit(tx, tenant, inbox, act, "inbox.delete", ids)
        })
    }

    /// Restores a deleted inbox and the messages deleted with it (queued for the index).
    pub fn restore_inbox(&self, tenant: i64, inbox: i64, act: Act<'_>) -> Result<Vec<i64>> {
        self.write(|tx| {
            let deleted_at: Option<i64> = tx
                .query_row(
                    "SELECT deleted_at FROM inboxes WHERE id = ?1 AND tenant_id = ?2",
                    params![inbox, tenant],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            let Some(deleted_at) = deleted_at else {
                return Err(VaultError::NotFound(
                    "that inbox is not in the trash (not deleted, or already purged)".into(),
                ));
            };
            let ids = ids_of(
                tx,
                &format!(
                    "SELECT id FROM messages WHERE inbox_id = ?1 AND deleted_at = {deleted_at}
                     ORDER BY id"
                ),
                inbox,
            )?;
            tx.execute(
                &format!(
                    "UPDATE messages SET deleted_at = NULL WHERE id IN {}",
                    id_list_sql(&ids)
                ),
                [],
            )?;
            tx.execute(
                "UPDATE inboxes SET deleted_at = NULL WHERE id = ?1",
                [inbox],
            )?;
            self.queue_and_audit(tx, tenant, inbox, act, "inbox.restore", ids)
        })
    }

    /// The end of an inbox's delete or restore: its messages `ids` queued for the index and
    /// `action` on the trail, in the same transaction; returns `ids`.
    /// Moves to the trash, without a word to Gmail, the messages of `inbox` whose conversation
    /// the team server no longer lets this user read: every one not in `keep` (Gmail thread
    /// ids). The mail stays in the shared Gmail account; only this vault forgets it, and the
    /// caller purges the ids at once. Returns them.
    pub fn forget_lost_conversations(
        &self,
        tenant: i64,
        inbox: i64,
        keep: &[String],
        act: Act<'_>,
    ) -> Result<Vec<i64>> {
        let keep: std::collections::HashSet<&str> = keep.iter().map(String::as_str).collect();
        self.write(|tx| {
            let rows: Vec<(i64, Option<String>)> = {
                let mut stmt = tx.prepare(
                    "SELECT m.id, t.gmail_thread_id FROM messages m
                     JOIN threads t ON t.id = m.thread_id
                     WHERE m.inbox_id = ?1 AND m.tenant_id = ?2 AND m.deleted_at IS NULL
                     ORDER BY m.id",
                )?;
                let rows =
                    stmt.query_map(params![inbox, tenant], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let ids: Vec<i64> = rows
                .into_iter()
                .filter(|(_, thread)| !thread.as_deref().is_some_and(|t| keep.contains(t)))
                .map(|(id, _)| id)
                .collect();
            if ids.is_empty() {
                return Ok(ids);
            }
            tx.execute(
                &format!(
                    "UPDATE messages SET deleted_at = ?1 WHERE id IN {}",
                    id_list_sql(&ids)
                ),
                [act.now],
            )?;
            self.queue_and_audit(tx, tenant, inbox, act, "team.conversations_lost", ids)
        })
    }

    /// Moves a team inbox the server took away to the trash, without a word to Gmail (the
    /// shared account is the server's), for the caller to purge at once.
    pub fn forget_team_inbox(&self, tenant: i64, inbox: i64, act: Act<'_>) -> Result<Vec<i64>> {
        self.write(|tx| {
            let ids = ids_of(
                tx,
                "SELECT id FROM messages WHERE inbox_id = ?1 AND deleted_at IS NULL ORDER BY id",
                inbox,
            )?;
            tx.execute(
                "UPDATE messages SET deleted_at = ?2 WHERE inbox_id = ?1 AND deleted_at IS NULL",
                params![inbox, act.now],
            )?;
            tx.execute(
                "UPDATE inboxes SET deleted_at = coalesce(deleted_at, ?2) WHERE id = ?1 AND tenant_id = ?3",
                params![inbox, act.now, tenant],
            )?;
            tx.execute(
                "UPDATE gmail_accounts SET refresh_token = NULL, state = 'disconnected',
                    updated_at = ?2 WHERE inbox_id = ?1",
                params![inbox, act.now],
            )?;
            self.queue_and_audit(tx, tenant, inbox, act, "team.inbox_lost", ids)
        })
    }

    fn queue_and_audit(
        &self,
        tx: &Transaction<'_>,
        tenant: i64,
        inbox: i64,
        act: Act<'_>,
        action: &str,
        ids: Vec<i64>,
    ) -> Result<Vec<i64>> {
        index_feed::enqueue(tx, &ids)?;
        audit::record(
            tx,
            self.keys(),
            tenant,
            act,
            action,
            Some(("inbox", inbox)),
            format!("messages {}", ids.len()),
        )?;
        Ok(ids)
    }

    /// `tenant`'s deleted inboxes, with their addresses, message counts and purge dates.
    pub fn deleted_inboxes(&self, tenant: i64) -> Result<Vec<TrashedInbox>> {
        let grace = i64::from(self.grace_days(tenant)?);
        let rows: Vec<(i64, Vec<u8>, i64, i64)> = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT i.id, i.address, i.deleted_at,
                        (SELECT count(*) FROM messages m WHERE m.inbox_id = i.id)
                 FROM inboxes i WHERE i.tenant_id = ?1 AND i.deleted_at IS NOT NULL
                 ORDER BY i.deleted_at DESC",
            )?;
            let rows = stmt.query_map([tenant], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        rows.into_iter()
            .map(|(id, sealed, deleted_at, messages)| {
                Ok(TrashedInbox {
                    id,
                    address: self.keys().open_string(
                        tenant,
                        helpr_crypto::RecordRef::new("inbox", id, "address"),
                        &sealed,
                    )?,
                    deleted_at,
                    purge_after: deleted_at + grace * DAY,
                    messages: messages as u64,
                })
            })
            .collect()
    }

    /// The deleted inboxes of `tenant` whose grace period has run out at `now`.
    pub fn expired_inboxes(&self, tenant: i64, now: i64) -> Result<Vec<i64>> {
        let grace = i64::from(self.grace_days(tenant)?);
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id FROM inboxes WHERE tenant_id = ?1 AND deleted_at IS NOT NULL
                 AND deleted_at <= ?2 ORDER BY id",
            )?;
            let ids = stmt.query_map(params![tenant, now - grace * DAY], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Purges deleted inbox `inbox` for good: its messages (in batches, resumable), then its
    /// labels, sync state, account and the inbox row. Returns the messages purged.
    pub fn purge_inbox(&self, tenant: i64, inbox: i64, act: Act<'_>) -> Result<u64> {
        let deleted: Option<Option<i64>> = self.read(|c| {
            Ok(c.query_row(
                "SELECT deleted_at FROM inboxes WHERE id = ?1 AND tenant_id = ?2",
                params![inbox, tenant],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        if !matches!(deleted, Some(Some(_))) {
            return Err(VaultError::NotFound(
                "that inbox is not in the trash: only a deleted inbox is purged".into(),
            ));
        }
        let scope = Scope {
            tenant,
            inboxes: vec![inbox],
        };
        let ids: Vec<i64> = self.read(|c| {
            let mut stmt = c.prepare("SELECT id FROM messages WHERE inbox_id = ?1 ORDER BY id")?;
            let ids = stmt.query_map([inbox], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<_>>()?)
        })?;
        let purged = self.purge(&scope, &ids, act)?;
        self.write(|tx| {
            for table in [
                "labels",
                "sync_state",
                "gmail_outbox",
                "gmail_accounts",
                // Secure messages sent from it, their keys with them.
                "secure_messages",
                "threads",
                "drafts",
                // A team inbox's binding to the server's (it is gone with the inbox).
                "team_inboxes",
            ] {
                tx.execute(&format!("DELETE FROM {table} WHERE inbox_id = ?1"), [inbox])?;
            }
            tx.execute("DELETE FROM inboxes WHERE id = ?1", [inbox])?;
            audit::redact(tx, "inbox", &[inbox])?;
            audit::record(
                tx,
                self.keys(),
                tenant,
                act,
                "inbox.purge",
                None,
                format!("messages {purged}"),
            )
        })?;
        Ok(purged)
    }
}

fn ids_of(tx: &Transaction<'_>, sql: &str, inbox: i64) -> Result<Vec<i64>> {
    let mut stmt = tx.prepare(sql)?;
    let ids = stmt.query_map([inbox], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}
