//! The Gmail outbox: what helpr owes Gmail after a change made in helpr — a delete or a
//! restore (the message moved to Gmail's Trash, or out of it), read or unread (`UNREAD`), a
//! label applied or removed.
//!
//! The wish is written by [`enqueue`] in the transaction that makes the change, so it survives
//! being offline, a restart and a `kill -9`: it is either committed with the change or not at
//! all. One row per Gmail message and kind of wish holds the latest wish (a restore before the
//! trash was sent replaces it; a read does not replace a pending trash; each label is its own
//! kind). helpr-core drains the outbox through the Gmail API's quota limiter; a row leaves only
//! when Gmail did what it asks ([`Vault::gmail_outbox_done`] deletes it only if the wish is
//! still the one that was sent), or when Gmail no longer has the message. A failure stays
//! queued with its error code and attempt count.
//!
//! Every message with a Gmail id is queued, also while its account is disconnected or needs
//! reconnecting: the drain skips such accounts, and sends what waits once they are connected
//! again. Purging an inbox drops its rows.

use helpr_crypto::RecordRef;
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
    /// Apply the vault's label `label` (a `labels.id`).
    Label {
        label: i64,
    },
    /// Remove the vault's label `label`.
    Unlabel {
        label: i64,
    },
}

impl OutboxAction {
    fn as_str(self) -> &'static str {
        match self {
            OutboxAction::Trash => "trash",
            OutboxAction::Untrash => "untrash",
            OutboxAction::Read => "read",
            OutboxAction::Unread => "unread",
            OutboxAction::Label { .. } => "label",
            OutboxAction::Unlabel { .. } => "unlabel",
        }
    }

    /// Wishes of one kind replace each other; of different kinds, they wait side by side.
    pub(crate) fn kind(self) -> String {
        match self {
            OutboxAction::Trash | OutboxAction::Untrash => TRASH_KIND.to_owned(),
            OutboxAction::Read | OutboxAction::Unread => READ_KIND.to_owned(),
            OutboxAction::Label { label } | OutboxAction::Unlabel { label } => label_kind(label),
        }
    }

    fn parse(action: &str, kind: &str) -> rusqlite::Result<Self> {
        let label = || {
            kind.strip_prefix(LABEL_KIND_PREFIX)
                .and_then(|id| id.parse().ok())
        };
        match (action, label()) {
            ("trash", _) => Ok(OutboxAction::Trash),
            ("untrash", _) => Ok(OutboxAction::Untrash),
            ("read", _) => Ok(OutboxAction::Read),
            ("unread", _) => Ok(OutboxAction::Unread),
            ("label", Some(label)) => Ok(OutboxAction::Label { label }),
            ("unlabel", Some(label)) => Ok(OutboxAction::Unlabel { label }),
            (other, _) => Err(rusqlite::Error::InvalidColumnType(
                0,
                format!("outbox action {other:?} of kind {kind:?}"),
                rusqlite::types::Type::Text,
            )),
        }
    }
}

/// The kind of trash and untrash wishes.
pub(crate) const TRASH_KIND: &str = "trash";
/// The kind of read and unread wishes.
pub(crate) const READ_KIND: &str = "read";
/// Label wishes are of kind `label:<labels.id>`.
const LABEL_KIND_PREFIX: &str = "label:";

/// The kind of the wishes about vault label `label`.
pub(crate) fn label_kind(label: i64) -> String {
    format!("{LABEL_KIND_PREFIX}{label}")
}

/// One wish waiting for Gmail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The row's id: the order wishes are sent in, and a drain's cursor.
    pub id: i64,
    pub gmail_id: String,
    pub action: OutboxAction,
    pub attempts: u32,
    /// The label's name, for label wishes (opened from the vault: Gmail knows labels by id,
    /// which the drain looks up by name).
    pub label_name: Option<String>,
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

/// The vault labels of `gmail_id` with a wish waiting in the outbox (sync leaves those labels
/// of the message as helpr set them).
pub(crate) fn pending_labels(
    tx: &Transaction<'_>,
    inbox: i64,
    gmail_id: &str,
) -> Result<std::collections::HashSet<i64>> {
    let mut stmt = tx.prepare_cached(
        "SELECT kind FROM gmail_outbox WHERE inbox_id = ?1 AND gmail_id = ?2 AND kind GLOB 'label:*'",
    )?;
    let kinds = stmt.query_map(params![inbox, gmail_id], |r| r.get::<_, String>(0))?;
    let mut labels = std::collections::HashSet::new();
    for kind in kinds {
        if let Some(id) = kind?
            .strip_prefix(LABEL_KIND_PREFIX)
            .and_then(|id| id.parse().ok())
        {
            labels.insert(id);
        }
    }
    Ok(labels)
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
                "SELECT o.id, o.gmail_id, o.action, o.kind, o.attempts, l.tenant_id, l.name
                 FROM gmail_outbox o
                 LEFT JOIN labels l ON o.kind = 'label:' || l.id
                 WHERE o.inbox_id = ?1 AND o.id > ?2 ORDER BY o.id LIMIT ?3",
            )?;
            type Row = (OutboxEntry, Option<(i64, Vec<u8>)>);
            let rows = stmt.query_map(params![inbox, after, limit as i64], |r| {
                let kind: String = r.get(3)?;
                let label: Option<i64> = r.get(5)?;
                let sealed = match label {
                    Some(tenant) => Some((tenant, r.get(6)?)),
                    None => None,
                };
                Ok((
                    OutboxEntry {
                        id: r.get(0)?,
                        gmail_id: r.get(1)?,
                        action: OutboxAction::parse(&r.get::<_, String>(2)?, &kind)?,
                        attempts: r.get(4)?,
                        label_name: None,
                    },
                    sealed,
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
        })?
        .into_iter()
        .map(|(mut entry, sealed)| {
            if let (
                OutboxAction::Label { label } | OutboxAction::Unlabel { label },
                Some((tenant, name)),
            ) = (entry.action, sealed)
            {
                entry.label_name = Some(self.keys().open_string(
                    tenant,
                    RecordRef::new("label", label, "name"),
                    &name,
                )?);
            }
            Ok(entry)
        })
        .collect()
    }

    /// Gmail did `entry`: its row goes, unless the wish changed meanwhile (a restore queued
    /// while the trash was on its way stays for the next drain). Returns whether it went.
    pub fn gmail_outbox_done(&self, inbox: i64, entry: &OutboxEntry) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM gmail_outbox
                 WHERE inbox_id = ?1 AND gmail_id = ?2 AND kind = ?3 AND action = ?4",
                params![
                    inbox,
                    entry.gmail_id,
                    entry.action.kind(),
                    entry.action.as_str()
                ],
            )? > 0)
        })
    }

    /// `entry` failed with `code` (an error code, never content): counted, kept for a retry.
    pub fn gmail_outbox_failed(&self, inbox: i64, entry: &OutboxEntry, code: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE gmail_outbox SET attempts = attempts + 1, last_error = ?5
                 WHERE inbox_id = ?1 AND gmail_id = ?2 AND kind = ?3 AND action = ?4",
                params![
                    inbox,
                    entry.gmail_id,
                    entry.action.kind(),
                    entry.action.as_str(),
                    code
                ],
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
