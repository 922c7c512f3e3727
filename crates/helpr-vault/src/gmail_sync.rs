//! Applying one Gmail sync batch in one transaction (DESIGN §6): new messages, label
//! changes, deletions and the historyId checkpoint commit together, so a crash anywhere
//! leaves either all of a batch or none of it, and re-applying a batch changes nothing.
//!
//! Messages are keyed by Gmail id (`messages_by_gmail_id`). A message helpr sent itself is
//! stored at once without a Gmail id; when Gmail's SENT copy arrives it is recognised by its
//! Message-ID and the local copy takes the Gmail id instead of a second row being added.
//! `UNREAD` is the unread flag, not a stored label. Every touched id is queued for the index.
//!
//! A message Gmail moves into its Trash, or deletes, is soft-deleted in helpr (restorable for
//! the grace period, as if deleted here); one Gmail takes out of the Trash is restored. The
//! `TRASH` label is kept too.
//!
//! What helpr changed itself and still owes Gmail (the outbox: read or unread, a label) is
//! newer than what a batch reports: that flag, or that label of the message, is left as helpr
//! set it until the outbox has delivered it.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::error::Result;
use crate::lifecycle::Act;
use crate::messages::{insert_one, InsertOutcome, NewMessage};
use crate::scope::id_list_sql;
use crate::{audit, gmail_outbox, index_feed, labels, Vault};

/// Gmail's unread marker, kept as the `unread` flag.
pub const UNREAD: &str = "UNREAD";
/// Gmail's Trash: a message in it is soft-deleted in helpr.
pub const TRASH: &str = "TRASH";
/// Who the audit trail names for what Gmail did (someone else, at Gmail).
pub const GMAIL_ACTOR: &str = "gmail";

/// A label change on a stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailLabelChange {
    pub gmail_id: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    /// `add` is the whole set.
    pub replace: bool,
}

/// One sync transaction's worth.
#[derive(Debug, Clone, Default)]
pub struct GmailBatch {
    /// Parsed messages with `gmail_id` set; `labels` may include `UNREAD`.
    pub added: Vec<NewMessage>,
    pub labels: Vec<GmailLabelChange>,
    pub deleted: Vec<String>,
    pub checkpoint: Option<u64>,
    /// Messages of this batch the pipeline rejected (added to the inbox's count).
    pub rejected: u64,
    /// When the batch is applied (seconds since the epoch): the time of deletes that come
    /// from Gmail.
    pub at: i64,
}

/// What a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GmailApplied {
    pub added: u64,
    /// Label changes applied, and local sent copies matched to their Gmail id.
    pub updated: u64,
    pub deleted: u64,
}

/// Where and when a batch is applied.
#[derive(Debug, Clone, Copy)]
struct On {
    tenant: i64,
    inbox: i64,
    at: i64,
}

fn split_unread(labels: &[String]) -> (bool, Vec<String>) {
    let unread = labels.iter().any(|l| l == UNREAD);
    (
        unread,
        labels.iter().filter(|l| *l != UNREAD).cloned().collect(),
    )
}

impl Vault {
    /// Applies `batch` to Gmail inbox `inbox` of `tenant`, with its checkpoint, in one
    /// transaction.
    pub fn apply_gmail_batch(
        &self,
        tenant: i64,
        inbox: i64,
        batch: &GmailBatch,
    ) -> Result<GmailApplied> {
        let on = On {
            tenant,
            inbox,
            at: batch.at,
        };
        self.write(|tx| {
            let mut done = GmailApplied::default();
            for msg in &batch.added {
                self.add_synced(tx, on, msg, &mut done)?;
            }
            let mut trash_moves = BTreeMap::new();
            for change in &batch.labels {
                if let Some(id) = by_gmail_id(tx, inbox, &change.gmail_id)? {
                    let (unread_add, add) = split_unread(&change.add);
                    let (unread_remove, remove) = split_unread(&change.remove);
                    // helpr's own read or unread, not yet at Gmail, is newer than this.
                    let own_read = gmail_outbox::pending(
                        tx,
                        inbox,
                        &change.gmail_id,
                        gmail_outbox::READ_KIND,
                    )?;
                    // So are helpr's own label changes, each for its label.
                    let own_labels = gmail_outbox::pending_labels(tx, inbox, &change.gmail_id)?;
                    if change.replace {
                        let keep = if own_labels.is_empty() {
                            String::new()
                        } else {
                            let own: Vec<i64> = own_labels.iter().copied().collect();
                            format!(" AND label_id NOT IN {}", id_list_sql(&own))
                        };
                        tx.execute(
                            &format!("DELETE FROM message_labels WHERE message_id = ?1{keep}"),
                            [id],
                        )?;
                        if !own_read {
                            set_unread(tx, id, unread_add)?;
                        }
                    } else if own_read {
                        // Left as helpr has it until the outbox has told Gmail.
                    } else if unread_add {
                        set_unread(tx, id, true)?;
                    } else if unread_remove {
                        set_unread(tx, id, false)?;
                    }
                    for name in &add {
                        let label = labels::get_or_create(tx, self.keys(), tenant, inbox, name)?;
                        if own_labels.contains(&label) {
                            continue;
                        }
                        crate::cached::execute(
                            tx,
                            "INSERT OR IGNORE INTO message_labels (message_id, label_id)
                             VALUES (?1, ?2)",
                            params![id, label],
                        )?;
                    }
                    for name in &remove {
                        let Some(label) = labels::find(tx, self.keys(), tenant, inbox, name)?
                        else {
                            continue;
                        };
                        if own_labels.contains(&label) {
                            continue;
                        }
                        crate::cached::execute(
                            tx,
                            "DELETE FROM message_labels WHERE message_id = ?1 AND label_id = ?2",
                            params![id, label],
                        )?;
                    }
                    index_feed::enqueue(tx, &[id])?;
                    done.updated += 1;
                    let trash = if change.replace {
                        Some(add.iter().any(|l| l == TRASH))
                    } else if add.iter().any(|l| l == TRASH) {
                        Some(true)
                    } else if remove.iter().any(|l| l == TRASH) {
                        Some(false)
                    } else {
                        None
                    };
                    if let Some(into) = trash {
                        trash_moves.insert((id, change.gmail_id.as_str()), into);
                    }
                }
            }
            // Only where a message ends up in this batch counts: Gmail's echo of a delete and
            // restore made in helpr (trash, then untrash) leaves it as it is.
            for ((id, gmail_id), into) in trash_moves {
                let why = if into {
                    "trashed at Gmail"
                } else {
                    "untrashed at Gmail"
                };
                self.follow_gmail(tx, on, (id, gmail_id), into, why)?;
            }
            for gmail_id in &batch.deleted {
                if let Some(id) = by_gmail_id(tx, inbox, gmail_id)? {
                    let why = "deleted at Gmail";
                    if self.follow_gmail(tx, on, (id, gmail_id), true, why)? {
                        done.deleted += 1;
                    }
                }
            }
            if batch.rejected > 0 {
                tx.execute(
                    "INSERT INTO sync_state (inbox_id, rejected) VALUES (?1, ?2)
                     ON CONFLICT (inbox_id) DO UPDATE SET rejected = rejected + ?2",
                    params![inbox, batch.rejected as i64],
                )?;
            }
            if let Some(h) = batch.checkpoint {
                tx.execute(
                    "INSERT INTO sync_state (inbox_id, history_id) VALUES (?1, ?2)
                     ON CONFLICT (inbox_id) DO UPDATE SET history_id = ?2, full_sync_from = NULL",
                    params![inbox, h.to_string()],
                )?;
            }
            Ok(done)
        })
    }

    fn add_synced(
        &self,
        tx: &Transaction<'_>,
        on: On,
        msg: &NewMessage,
        done: &mut GmailApplied,
    ) -> Result<()> {
        let On { tenant, inbox, .. } = on;
        let Some(gmail_id) = msg.gmail_id.as_deref() else {
            return Err(crate::VaultError::Invalid(
                "a synced message needs its Gmail id".into(),
            ));
        };
        if by_gmail_id(tx, inbox, gmail_id)?.is_some() {
            return Ok(());
        }
        let (unread, names) = split_unread(&msg.labels);
        // helpr's own sent copy, stored before Gmail had an id for it.
        if let Some(mid) = &msg.message_id {
            let fp = self.keys().fingerprint(tenant, "mid", mid.as_bytes());
            let local: Option<(i64, i64)> = crate::cached::query_row(
                tx,
                "SELECT id, thread_id FROM messages WHERE inbox_id = ?1 AND message_id_fp = ?2
                     AND gmail_id IS NULL LIMIT 1",
                params![inbox, fp.to_vec()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
            if let Some((id, thread)) = local {
                crate::cached::execute(
                    tx,
                    "UPDATE messages SET gmail_id = ?2, unread = ?3 WHERE id = ?1",
                    params![id, gmail_id, unread],
                )?;
                crate::cached::execute(
                    tx,
                    "UPDATE threads SET gmail_thread_id = ?2 WHERE id = ?1 AND gmail_thread_id IS NULL",
                    params![thread, msg.gmail_thread_id],
                )?;
                crate::cached::execute(
                    tx,
                    "DELETE FROM message_labels WHERE message_id = ?1",
                    [id],
                )?;
                for name in &names {
                    let label = labels::get_or_create(tx, self.keys(), tenant, inbox, name)?;
                    crate::cached::execute(
                        tx,
                        "INSERT OR IGNORE INTO message_labels (message_id, label_id) VALUES (?1, ?2)",
                        params![id, label],
                    )?;
                }
                index_feed::enqueue(tx, &[id])?;
                done.updated += 1;
                return Ok(());
            }
        }
        let mut stored = msg.clone();
        stored.inbox_id = inbox;
        stored.unread = unread;
        stored.labels = names;
        stored.dedupe_key = [b"gmail:".as_slice(), gmail_id.as_bytes()].concat();
        if let InsertOutcome::Inserted { id, .. } = insert_one(tx, self.keys(), tenant, &stored)? {
            done.added += 1;
            if stored.labels.iter().any(|l| l == TRASH) {
                self.follow_gmail(tx, on, (id, gmail_id), true, "in Gmail's Trash")?;
            }
        }
        Ok(())
    }

    /// Gmail moved stored message `id` into its Trash or deleted it (`into`), or took it out
    /// of the Trash: the message follows in helpr — soft-deleted (restorable for the grace
    /// period, like a delete in helpr) or restored, queued for the index, and audited as
    /// Gmail's act. Not while helpr's own change of it waits in the outbox: that wish is newer
    /// than what Gmail reports. Returns whether anything changed.
    fn follow_gmail(
        &self,
        tx: &Transaction<'_>,
        on: On,
        (id, gmail_id): (i64, &str),
        into: bool,
        why: &str,
    ) -> Result<bool> {
        if gmail_outbox::pending(tx, on.inbox, gmail_id, gmail_outbox::TRASH_KIND)? {
            return Ok(false);
        }
        let changed = if into {
            crate::cached::execute(
                tx,
                "UPDATE messages SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![id, on.at],
            )?
        } else {
            crate::cached::execute(
                tx,
                "UPDATE messages SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
                [id],
            )?
        };
        if changed == 0 {
            return Ok(false);
        }
        index_feed::enqueue(tx, &[id])?;
        let act = Act {
            actor: GMAIL_ACTOR,
            now: on.at,
        };
        let action = if into {
            "message.delete"
        } else {
            "message.restore"
        };
        audit::record(
            tx,
            self.keys(),
            on.tenant,
            act,
            action,
            Some(("message", id)),
            why.to_owned(),
        )?;
        Ok(true)
    }
}

fn by_gmail_id(tx: &Transaction<'_>, inbox: i64, gmail_id: &str) -> Result<Option<i64>> {
    Ok(crate::cached::query_row(
        tx,
        "SELECT id FROM messages WHERE inbox_id = ?1 AND gmail_id = ?2",
        params![inbox, gmail_id],
        |r| r.get(0),
    )
    .optional()?)
}

fn set_unread(tx: &Transaction<'_>, id: i64, unread: bool) -> Result<()> {
    crate::cached::execute(
        tx,
        "UPDATE messages SET unread = ?2 WHERE id = ?1",
        params![id, unread],
    )?;
    Ok(())
}
