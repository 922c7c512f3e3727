//! The data lifecycle (DESIGN §4): delete is a soft delete of a message or a whole conversation,
//! restorable for the tenant's grace period (60 days unless set, 1–365); the search index is
//! purged before the call returns (documents deleted, segments merged without them and the old
//! files removed), and restore indexes them again. The purge deletes what outlived its grace
//! period for good — at every open, and on demand — or named items at once. Each action is
//! written to the audit trail with its actor. Times come from [`crate::clock`].
//!
//! Deleting or restoring mail that came from Gmail also moves it into Gmail's Trash or out:
//! the vault queues the call in the same transaction (the Gmail outbox), and it is sent at
//! once if Gmail answers, else by the next sync ([`crate::gmail::outbox`]).

use helpr_index::MailWriter;
use helpr_vault::{
    Act, AuditEntry, AuditEvent, AuditFilter, AuditVerdict, Target, TrashItem, TrashedInbox,
};
use serde::{Deserialize, Serialize};

use crate::views::MessageSummary;
use crate::{clock, CoreError, Helpr};

const DAY: i64 = 86_400;

/// What a delete did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Deleted {
    /// The messages now in the trash.
    pub ids: Vec<i64>,
    /// When the purge may take them (seconds since the epoch).
    pub purge_after: i64,
    /// Trash calls still owed to Gmail after the attempt made at once (offline, say); the
    /// next sync sends them.
    pub gmail_pending: u64,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Restored {
    /// The messages back out of the trash.
    pub restored: Vec<i64>,
    /// Untrash calls still owed to Gmail (see [`Deleted::gmail_pending`]).
    pub gmail_pending: u64,
}

/// One item of the trash, as the edges show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TrashView {
    pub message: MessageSummary,
    pub deleted_at: i64,
    pub purge_after: i64,
    /// Whole days left before the purge may take it (0: it may go at the next purge).
    pub days_left: i64,
}

/// The trash: deleted messages, and deleted inboxes (whose messages are not listed one by one).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Trash {
    pub messages: Vec<TrashView>,
    pub inboxes: Vec<TrashedInbox>,
}

/// Which audit entries to show (the desktop's filter; see [`AuditFilter`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AuditQuery {
    /// Entries at or after this time (seconds since the epoch).
    #[serde(default)]
    pub since: Option<i64>,
    /// Only this action (`message.delete`), or a family (`message.`).
    #[serde(default)]
    pub action: Option<String>,
}

impl From<AuditQuery> for AuditFilter {
    fn from(q: AuditQuery) -> Self {
        AuditFilter {
            since: q.since,
            action: q.action.filter(|a| !a.trim().is_empty()),
        }
    }
}

/// What a purge did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Purged {
    pub purged: u64,
}

impl Helpr {
    /// Who acts, as the audit trail names it: the OS user of this process.
    pub(crate) fn act(&self) -> Act<'_> {
        Act {
            actor: &self.actor,
            now: clock::now(),
        }
    }

    /// Soft-deletes message `id` (see [`Helpr::delete`]).
    pub async fn delete_message(&self, id: i64) -> Result<Deleted, CoreError> {
        self.delete(Target::Message(id)).await
    }

    /// Soft-deletes a message or a conversation: hidden from every read at once, gone from
    /// search results and from the index files before this returns, restorable until the
    /// grace period ends. If the index cannot be written the delete stands (hits are resolved
    /// through the vault, so it never shows) and the index is purged at the next start.
    pub async fn delete(&self, target: Target) -> Result<Deleted, CoreError> {
        let deleted = self
            .with_vault(move |h| {
                let scope = h.scope()?;
                h.soft_delete_with_index(|act| Ok(h.vault.soft_delete(&scope, target, act)?))
            })
            .await?;
        Ok(Deleted {
            gmail_pending: self.drain_outbox_now().await,
            ..deleted
        })
    }

    /// Soft-deletes several messages or conversations (the desktop's multi-selection): each in
    /// its own vault transaction, one index purge for all before this returns. An unknown or
    /// already deleted target stops the run with `not_found`; the ones before it stay deleted.
    pub async fn delete_many(&self, targets: Vec<Target>) -> Result<Deleted, CoreError> {
        let deleted = self
            .with_vault(move |h| {
                let scope = h.scope()?;
                h.soft_delete_with_index(|act| {
                    let mut ids = Vec::new();
                    for target in targets {
                        ids.extend(h.vault.soft_delete(&scope, target, act)?);
                    }
                    Ok(ids)
                })
            })
            .await?;
        Ok(Deleted {
            gmail_pending: self.drain_outbox_now().await,
            ..deleted
        })
    }

    /// Restores several messages or conversations from the trash (undo of
    /// [`Helpr::delete_many`]) and indexes them again.
    pub async fn restore_many(&self, targets: Vec<Target>) -> Result<Restored, CoreError> {
        let restored = self
            .with_vault(move |h| {
                let scope = h.scope()?;
                let act = h.act();
                h.indexed_change(|vault| {
                    let mut ids = Vec::new();
                    for target in targets {
                        ids.extend(vault.restore(&scope, target, act)?);
                    }
                    Ok(ids)
                })
            })
            .await?;
        Ok(Restored {
            restored,
            gmail_pending: self.drain_outbox_now().await,
        })
    }

    /// Runs a soft delete (`delete` returns the message ids) with the index writer held, then
    /// deletes and purges those ids from the index files before returning.
    pub(crate) fn soft_delete_with_index(
        &self,
        delete: impl FnOnce(Act<'_>) -> Result<Vec<i64>, CoreError>,
    ) -> Result<Deleted, CoreError> {
        let index = self.index.get();
        let writer = match &index {
            Ok(index) => index.writer().map_err(CoreError::from),
            Err(e) => Err(CoreError::Storage(e.to_string())),
        };
        let act = self.act();
        let ids = delete(act)?;
        let grace = i64::from(self.vault.grace_days(self.tenant)?);
        writer
            .and_then(|w| self.purge_from_index(w, &ids))
            .map_err(|e| {
                CoreError::Storage(format!(
                    "deleted, but the search index could not be purged yet ({e}); it will be \
                     at the next start"
                ))
            })?;
        Ok(Deleted {
            ids,
            purge_after: act.now + grace * DAY,
            gmail_pending: 0,
        })
    }

    fn purge_from_index(&self, mut writer: MailWriter<'_>, ids: &[i64]) -> Result<(), CoreError> {
        for id in ids {
            writer.delete(*id as u64);
        }
        writer.purge()?;
        self.vault.index_done(ids)?;
        writer.finish()?;
        Ok(())
    }

    /// Restores a deleted message or conversation from the trash and indexes it again.
    /// `not_found` when it is not in the trash (never stored, live, or already purged).
    pub async fn restore(&self, target: Target) -> Result<Restored, CoreError> {
        let restored = self
            .with_vault(move |h| {
                let scope = h.scope()?;
                let act = h.act();
                h.indexed_change(|vault| Ok(vault.restore(&scope, target, act)?))
            })
            .await?;
        Ok(Restored {
            restored,
            gmail_pending: self.drain_outbox_now().await,
        })
    }

    /// The trash: deleted messages, most recently deleted first, with the days left, and the
    /// deleted inboxes.
    pub async fn trash(&self) -> Result<Trash, CoreError> {
        self.with_vault(|h| {
            let now = clock::now();
            let messages = h
                .vault
                .trash(&h.scope()?)?
                .into_iter()
                .map(|t: TrashItem| TrashView {
                    days_left: ((t.purge_after - now).max(0) + DAY - 1) / DAY,
                    deleted_at: t.deleted_at,
                    purge_after: t.purge_after,
                    message: t.summary.into(),
                })
                .collect();
            Ok(Trash {
                messages,
                inboxes: h.vault.deleted_inboxes(h.tenant)?,
            })
        })
        .await
    }

    /// Deletes the inbox with `address`: its grant is revoked at Google first (if the network
    /// fails, nothing changes), then the inbox and all its mail go to the trash at once, out of
    /// search and the index files before this returns.
    pub async fn delete_inbox(&self, address: &str) -> Result<Deleted, CoreError> {
        let address = address.to_owned();
        let state = self
            .with_vault({
                let address = address.clone();
                move |h| Ok(h.vault.inbox_by_address(h.tenant, &address)?)
            })
            .await?;
        if state.deleted_at.is_some() {
            return Err(CoreError::NotFound(
                "that inbox is already in the trash".into(),
            ));
        }
        if let Ok(account) = self.account(&address).await {
            self.revoke_at_google(&account).await?;
        }
        self.with_vault(move |h| {
            h.soft_delete_with_index(|act| Ok(h.vault.delete_inbox(h.tenant, state.id, act)?))
        })
        .await
    }

    /// Restores a deleted inbox with the mail deleted with it (its account stays disconnected:
    /// connect it again to sync).
    pub async fn restore_inbox(&self, address: &str) -> Result<Restored, CoreError> {
        let address = address.to_owned();
        let restored = self
            .with_vault(move |h| {
                let state = h.vault.inbox_by_address(h.tenant, &address)?;
                let act = h.act();
                h.indexed_change(|vault| Ok(vault.restore_inbox(h.tenant, state.id, act)?))
            })
            .await?;
        Ok(Restored {
            restored,
            gmail_pending: 0,
        })
    }

    /// Purges a deleted inbox now, before its grace period ends.
    pub async fn purge_inbox_now(&self, address: &str) -> Result<Purged, CoreError> {
        let address = address.to_owned();
        self.with_vault(move |h| {
            let state = h.vault.inbox_by_address(h.tenant, &address)?;
            let act = h.act();
            let purged =
                h.indexed_change(|vault| Ok(vault.purge_inbox(h.tenant, state.id, act)?))?;
            Ok(Purged { purged })
        })
        .await
    }

    /// Purges everything whose grace period has ended.
    pub async fn purge_expired(&self) -> Result<Purged, CoreError> {
        self.with_vault(|h| h.purge_expired_blocking()).await
    }

    /// Purges expired items when a day has passed since this process last did (at open, or
    /// here): what a long-running process (the app, `helpr sync --watch`) calls between rounds.
    /// `None` when it was not due.
    pub async fn purge_if_due(&self) -> Result<Option<Purged>, CoreError> {
        use std::sync::atomic::Ordering;
        let now = clock::now();
        let last = self.last_purge.load(Ordering::Relaxed);
        if now - last < DAY {
            return Ok(None);
        }
        let purged = self.purge_expired().await?;
        self.last_purge.store(now, Ordering::Relaxed);
        Ok(Some(purged))
    }

    pub(crate) fn purge_expired_blocking(&self) -> Result<Purged, CoreError> {
        let now = clock::now();
        let scope = self.scope()?;
        let ids = self.vault.expired(&scope, now)?;
        let mut purged = self.purge_ids(&ids)?.purged;
        for inbox in self.vault.expired_inboxes(self.tenant, now)? {
            let act = self.act();
            purged +=
                self.indexed_change(|vault| Ok(vault.purge_inbox(self.tenant, inbox, act)?))?;
        }
        Ok(Purged { purged })
    }

    /// Purges deleted items now, before their grace period ends. Each must be in the trash:
    /// a live or unknown id is `not_found` and nothing is purged.
    pub async fn purge_now(&self, targets: Vec<Target>) -> Result<Purged, CoreError> {
        self.with_vault(move |h| {
            let scope = h.scope()?;
            let mut ids = Vec::new();
            for target in targets {
                let found = h.vault.trashed_ids(&scope, target)?;
                if found.is_empty() {
                    let (kind, id) = match target {
                        Target::Message(id) => ("message", id),
                        Target::Thread(id) => ("conversation", id),
                    };
                    return Err(CoreError::NotFound(format!(
                        "{kind} {id} is not in the trash: only deleted items are purged \
                         (delete it first)"
                    )));
                }
                ids.extend(found);
            }
            h.purge_ids(&ids)
        })
        .await
    }

    pub(crate) fn purge_ids(&self, ids: &[i64]) -> Result<Purged, CoreError> {
        if ids.is_empty() {
            return Ok(Purged { purged: 0 });
        }
        let scope = self.scope()?;
        let act = self.act();
        let purged = self.indexed_change(|vault| Ok(vault.purge(&scope, ids, act)?))?;
        Ok(Purged { purged })
    }

    /// The tenant's grace period in days.
    pub async fn grace_days(&self) -> Result<u32, CoreError> {
        self.with_vault(|h| Ok(h.vault.grace_days(h.tenant)?)).await
    }

    /// Sets the grace period (1–365 days); returns the old one.
    pub async fn set_grace_days(&self, days: u32) -> Result<u32, CoreError> {
        self.with_vault(move |h| Ok(h.vault.set_grace_days(h.tenant, days, h.act())?))
            .await
    }

    /// The audit trail of the tenant, filtered.
    pub async fn audit_log(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>, CoreError> {
        self.with_vault(move |h| Ok(h.vault.audit_entries(h.tenant, &filter)?))
            .await
    }

    /// Recomputes the audit trail's chain.
    pub async fn audit_verify(&self) -> Result<AuditVerdict, CoreError> {
        self.with_vault(|h| Ok(h.vault.verify_audit()?)).await
    }

    /// Appends an entry for an action of this process (no object, or one named by kind/id).
    pub(crate) fn audit(
        &self,
        action: &str,
        object: Option<(&str, i64)>,
        detail: String,
    ) -> Result<(), CoreError> {
        let act = self.act();
        let event = AuditEvent {
            tenant: self.tenant,
            actor: act.actor,
            action,
            object,
            detail,
        };
        Ok(self.vault.audit(act.now, &event)?)
    }
}
