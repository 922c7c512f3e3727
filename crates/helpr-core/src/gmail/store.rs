//! The vault side of a Gmail sync: [`VaultStore`] implements helpr-gmail's `SyncStore` and
//! [`VaultTokens`] its `TokenStore`.
//!
//! A batch is parsed and sanitized by the same pipeline as import (in parallel), then applied
//! under the index writer-first rule (see [`crate::indexing`]): the index writer is taken,
//! the vault transaction (messages, labels, deletions, checkpoint) commits, the queued ids
//! are indexed and committed, the queue cleared, the writer released. So a message is
//! searchable once its batch returns, and a crash anywhere is repaired by the queue.

use std::collections::HashSet;

use helpr_gmail::sync::{Applied, Batch, Cursor, FetchedMessage, Phase, Progress, StoreError};
use helpr_gmail::{SyncStore, TokenStore};
use helpr_mail::{parse, RawMessage};
use helpr_vault::{AccountState, GmailBatch, GmailLabelChange, NewMessage};
use rayon::prelude::*;
use secrecy::{ExposeSecret as _, SecretString};

use super::SyncProgressFn;
use crate::import::to_new_message;
use crate::kept::keep;
use crate::{CoreError, Helpr};

fn store_error(e: CoreError) -> StoreError {
    StoreError(format!("{}: {e}", e.code()))
}

pub(crate) struct VaultStore {
    helpr: Helpr,
    inbox: i64,
    address: String,
    progress: SyncProgressFn,
}

impl VaultStore {
    pub(crate) fn new(helpr: Helpr, inbox: i64, address: String, progress: SyncProgressFn) -> Self {
        Self {
            helpr,
            inbox,
            address,
            progress,
        }
    }

    /// Parses fetched messages into vault records. One the pipeline rejects is kept (stored
    /// with its source, see [`crate::kept`]) and counted, so an incremental sync, which never
    /// fetches it again, loses nothing.
    fn parse_all(&self, added: Vec<FetchedMessage>) -> (Vec<NewMessage>, u64) {
        let tenant = self.helpr.tenant;
        let inbox = self.inbox;
        let parsed: Vec<Option<NewMessage>> = added
            .into_par_iter()
            .map(|f| {
                let unread = f
                    .labels
                    .iter()
                    .any(|l| l == helpr_vault::gmail_sync::UNREAD);
                let raw = RawMessage {
                    origin: format!("gmail:{}", f.gmail_id),
                    internal_date: f.internal_date_ms.map(|ms| (ms / 1000) as i64),
                    seen: Some(!unread),
                    source_bytes: f.raw.len() as u64,
                    bytes: f.raw,
                };
                let (mut msg, _doc) = parse(&raw.bytes)
                    .and_then(|mail| to_new_message(tenant, inbox, &raw, mail))
                    .or_else(|reason| keep(tenant, inbox, &raw, &reason))
                    .ok()?;
                msg.gmail_id = Some(f.gmail_id);
                msg.gmail_thread_id = Some(f.thread_id).filter(|t| !t.is_empty());
                msg.labels = f.labels;
                Some(msg)
            })
            .collect();
        let dropped = parsed.iter().filter(|p| p.is_none()).count();
        let stored: Vec<NewMessage> = parsed.into_iter().flatten().collect();
        let kept = stored.iter().filter(|m| m.kept.is_some()).count();
        (stored, (dropped + kept) as u64)
    }
}

impl SyncStore for VaultStore {
    fn cursor(&self) -> Result<Cursor, StoreError> {
        let s = self
            .helpr
            .vault
            .sync_status(self.inbox)
            .map_err(|e| store_error(e.into()))?;
        Ok(Cursor {
            history_id: s.history_id,
            full_sync_from: s.full_sync_from,
        })
    }

    fn begin_full_sync(&self, from: u64) -> Result<(), StoreError> {
        self.helpr
            .vault
            .begin_full_sync(self.inbox, from)
            .map_err(|e| store_error(e.into()))
    }

    fn known_ids(&self) -> Result<HashSet<String>, StoreError> {
        self.helpr
            .vault
            .gmail_ids(self.inbox)
            .map_err(|e| store_error(e.into()))
    }

    fn apply(&self, batch: Batch) -> Result<Applied, StoreError> {
        let (added, rejected) = self.parse_all(batch.added);
        let batch = GmailBatch {
            added,
            labels: batch
                .labels
                .into_iter()
                .map(|d| GmailLabelChange {
                    gmail_id: d.gmail_id,
                    add: d.add,
                    remove: d.remove,
                    replace: d.replace,
                })
                .collect(),
            deleted: batch.deleted,
            checkpoint: batch.checkpoint,
            rejected,
            at: crate::clock::now(),
        };
        let (tenant, inbox) = (self.helpr.tenant, self.inbox);
        let done = self
            .helpr
            .indexed_change(|vault| Ok(vault.apply_gmail_batch(tenant, inbox, &batch)?))
            .map_err(store_error)?;
        Ok(Applied {
            added: done.added,
            updated: done.updated,
            deleted: done.deleted,
            rejected,
        })
    }

    fn progress(&self, p: Progress) {
        let state = match p.phase {
            Phase::Listing => "listing",
            Phase::FullSync => "full_sync",
            Phase::Incremental => "incremental",
        };
        if let Err(e) = self
            .helpr
            .vault
            .set_sync_progress(self.inbox, state, p.done, p.total)
        {
            tracing::warn!("sync progress not recorded: {e}");
        }
        (self.progress)(&self.address, p);
    }
}

/// Writes rotated refresh tokens and the reconnect state into the vault.
pub(crate) struct VaultTokens {
    helpr: Helpr,
    inbox: i64,
}

impl VaultTokens {
    pub(crate) fn new(helpr: Helpr, inbox: i64) -> Self {
        Self { helpr, inbox }
    }
}

impl TokenStore for VaultTokens {
    fn replace_refresh_token(&self, new: &SecretString) -> Result<(), String> {
        self.helpr
            .vault
            .replace_gmail_refresh_token(
                self.helpr.tenant,
                self.inbox,
                new.expose_secret().as_bytes(),
            )
            .map_err(|e| e.to_string())
    }

    fn reconnect_needed(&self) {
        if let Err(e) = self.helpr.vault.set_gmail_state(
            self.helpr.tenant,
            self.inbox,
            AccountState::ReconnectNeeded,
        ) {
            tracing::warn!("reconnect state not recorded: {e}");
        }
    }
}
