//! Keeping the search index in step with the vault (DESIGN §4, issue 4 item 5).
//!
//! The vault is written first; every change that affects search puts the message id into the
//! vault's `index_queue` in the same transaction. The index is updated afterwards and the ids
//! leave the queue only once the index has committed, so a crash between the two leaves them
//! queued and the next start replays them ([`Helpr::repair_index_on_start`]). Replays are
//! idempotent: a queued id is upserted if the vault still has the message, deleted (and
//! purged) if not.
//!
//! [`Helpr::reconcile_index`] (run by `doctor`) compares every id in the vault with every id in
//! the index and fixes both directions, for anything the queue could not know about (an index
//! folder deleted or restored from a backup).
//!
//! The rule that keeps the queue exact: **whoever changes the vault in a way search sees takes
//! the index writer first** (tantivy's writer lock, which also excludes other processes) and
//! holds it until the index has committed and the ids have left the queue. So no other change
//! to the same message can slip between indexing it and clearing its queue entry. Import,
//! delete, replay and reconcile all follow it; the Gmail sync must too. Only when the index
//! cannot be opened at all (damaged) does a vault change go ahead alone, leaving its ids queued.
//!
//! [`SearchIndex`] owns the index folder: it opens the index lazily (a command that never
//! searches never opens it) and finishes a rebuild that stopped between its two renames.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use helpr_crypto::IndexCipher;
use helpr_index::{IndexError, MailDoc, MailIndex, MailWriter};
use helpr_mail::{KeptHeaders, Mailbox};
use helpr_vault::{IndexSource, Vault};
use serde::Serialize;

use crate::{CoreError, Helpr};

/// Folder names inside the data dir.
pub(crate) const INDEX_DIR: &str = "index";
pub(crate) const REBUILD_DIR: &str = "index.rebuild";
pub(crate) const OLD_DIR: &str = "index.old";

/// Queue entries replayed per vault read.
const REPLAY_BATCH: u32 = 512;

impl From<IndexError> for CoreError {
    fn from(e: IndexError) -> Self {
        match e {
            IndexError::Query(q) => CoreError::InvalidInput(q.to_string()),
            e @ IndexError::Damaged(_) => CoreError::Integrity(e.to_string()),
            e => CoreError::Storage(e.to_string()),
        }
    }
}

/// The index folder and, once opened, the index.
pub(crate) struct SearchIndex {
    data_dir: PathBuf,
    cipher: IndexCipher,
    open: RwLock<Option<Arc<MailIndex>>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    pub(crate) fn new(vault: &Vault) -> SearchIndex {
        SearchIndex {
            data_dir: vault.dir().to_owned(),
            cipher: vault.index_cipher(),
            open: RwLock::new(None),
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.data_dir.join(name)
    }

    pub(crate) fn cipher(&self) -> &IndexCipher {
        &self.cipher
    }

    /// Whether the live index folder holds an index (after finishing any interrupted swap).
    pub(crate) fn exists(&self) -> Result<bool, CoreError> {
        self.finish_interrupted_swap()?;
        Ok(MailIndex::exists(&self.path(INDEX_DIR)))
    }

    /// The index, opened (or created) on first use.
    pub(crate) fn get(&self) -> Result<Arc<MailIndex>, CoreError> {
        if let Some(index) = self.open.read().expect("index slot").as_ref() {
            return Ok(index.clone());
        }
        let mut slot = self.open.write().expect("index slot");
        if let Some(index) = slot.as_ref() {
            return Ok(index.clone());
        }
        self.finish_interrupted_swap()?;
        let index = Arc::new(MailIndex::open_or_create(
            &self.path(INDEX_DIR),
            self.cipher.clone(),
        )?);
        *slot = Some(index.clone());
        Ok(index)
    }

    /// Forgets the open index (a rebuild is about to replace its folder).
    pub(crate) fn close(&self) {
        *self.open.write().expect("index slot") = None;
    }

    /// A rebuild renames `index` → `index.old`, then `index.rebuild` → `index`, then removes
    /// `index.old`. Stopped after the first rename, the finished rebuild is moved in now;
    /// stopped after the second, the old folder is removed.
    fn finish_interrupted_swap(&self) -> Result<(), CoreError> {
        let live = self.path(INDEX_DIR);
        let rebuilt = self.path(REBUILD_DIR);
        if !live.exists() && crate::rebuild::is_complete(&rebuilt, &self.cipher) {
            std::fs::rename(&rebuilt, &live).map_err(storage("finishing the index rebuild"))?;
        }
        let old = self.path(OLD_DIR);
        if old.exists() && live.exists() {
            std::fs::remove_dir_all(&old).map_err(storage("removing the old index"))?;
        }
        Ok(())
    }
}

pub(crate) fn storage(what: &'static str) -> impl Fn(std::io::Error) -> CoreError {
    move |e| CoreError::Storage(format!("{what}: {e}"))
}

fn names_and_addresses(boxes: &[Mailbox]) -> Vec<String> {
    let mut out = Vec::with_capacity(boxes.len() * 2);
    for b in boxes {
        if let Some(name) = b.name.as_deref().filter(|n| !n.is_empty()) {
            out.push(name.to_string());
        }
        out.push(b.address.clone());
    }
    out
}

/// What the index needs of a message besides its ids: the same fields whether they come from
/// a fresh parse (import) or from the vault (replay, rebuild), so both index alike.
pub(crate) struct DocFields<'a> {
    pub headers: &'a KeptHeaders,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachment_names: Vec<String>,
    pub labels: &'a [String],
    pub date: i64,
    pub unread: bool,
    pub has_attachments: bool,
}

/// Ids of one stored message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocIds {
    pub message: i64,
    pub tenant: i64,
    pub inbox: i64,
    pub thread: i64,
}

pub(crate) fn mail_doc(ids: DocIds, f: DocFields<'_>) -> MailDoc {
    MailDoc {
        message_id: ids.message as u64,
        tenant: ids.tenant as u64,
        inbox: ids.inbox as u64,
        thread: ids.thread as u64,
        from: names_and_addresses(&f.headers.from),
        to: names_and_addresses(&f.headers.to),
        cc: names_and_addresses(&f.headers.cc),
        subject: f.subject.to_string(),
        body: f.body.to_string(),
        attachment_names: f.attachment_names,
        labels: f.labels.to_vec(),
        date: f.date,
        has_attachment: f.has_attachments,
        unread: f.unread,
    }
}

/// The index document of a message read back from the vault.
pub(crate) fn doc_from_source(s: IndexSource) -> Result<MailDoc, CoreError> {
    let headers: KeptHeaders = serde_json::from_slice(&s.headers).map_err(|_| {
        CoreError::Integrity(format!("message {}: stored headers do not decode", s.id))
    })?;
    Ok(mail_doc(
        DocIds {
            message: s.id,
            tenant: s.tenant_id,
            inbox: s.inbox_id,
            thread: s.thread_id,
        },
        DocFields {
            headers: &headers,
            subject: &s.subject,
            body: &s.body_text,
            attachment_names: s.attachment_names,
            labels: &s.labels,
            date: s.date,
            unread: s.unread,
            has_attachments: s.has_attachments,
        },
    ))
}

/// Upserts the vault's current state of `ids` into `writer`; returns whether any was deleted.
fn apply_ids(vault: &Vault, writer: &mut MailWriter<'_>, ids: &[i64]) -> Result<bool, CoreError> {
    let sources = vault.index_sources(ids)?;
    let present: BTreeSet<i64> = sources.iter().map(|s| s.id).collect();
    for source in sources {
        writer.upsert(&doc_from_source(source)?)?;
    }
    let mut deleted = false;
    for id in ids.iter().filter(|id| !present.contains(id)) {
        writer.delete(*id as u64);
        deleted = true;
    }
    Ok(deleted)
}

/// What a reconciliation found and fixed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct IndexRepair {
    /// Queued changes replayed (left by a crash between a vault commit and the index).
    pub replayed: u64,
    /// Messages in the vault that the index lacked, now indexed.
    pub missing_indexed: u64,
    /// Index entries with no message in the vault, now removed: messages deleted since the
    /// index was written (an index restored from a backup, a rebuild resumed after deletes).
    pub stale_removed: u64,
    /// Index entries above the highest id the vault ever handed out: messages the vault has
    /// lost (a damaged write-ahead log, a vault restored from an older backup). They are kept
    /// as the evidence, and new messages take ids above them.
    pub lost: u64,
}

/// What to say when the vault has lost messages its search index saw.
pub fn lost_messages_warning(lost: u64) -> String {
    format!(
        "the vault is missing {lost} messages that it had stored and the search index saw          (its write-ahead log may have been damaged or truncated, or vault.db restored from an          older copy); nothing was removed: restore vault.db and vault.db-wal from a backup if          you have one, or run `helpr index rebuild` to accept the loss"
    )
}

impl Helpr {
    /// Replays the vault's index queue into the index: the crash repair done at every start
    /// (a no-op costing one count when the queue is empty). When another process holds the
    /// index writer, nothing waits: that process (an import, a sync) is writing, its changes are
    /// the queued ones and it indexes them itself; a search meanwhile answers from the last
    /// commit.
    pub(crate) fn replay_index_queue(&self) -> Result<u64, CoreError> {
        if self.vault.index_queue_len()? == 0 {
            return Ok(0);
        }
        let index = self.index.get()?;
        let Some(mut writer) = index.try_writer()? else {
            tracing::debug!("search index busy: queued changes left to the process writing it");
            return Ok(0);
        };
        let replayed = self.replay_with(&mut writer)?;
        writer.finish()?;
        Ok(replayed)
    }

    /// Replays the queue with a writer the caller holds (so nobody else changes the index
    /// between reading the queue and clearing it).
    fn replay_with(&self, writer: &mut MailWriter<'_>) -> Result<u64, CoreError> {
        let mut replayed = 0u64;
        let mut deleted = false;
        loop {
            let ids = self.vault.index_queue(REPLAY_BATCH)?;
            if ids.is_empty() {
                break;
            }
            deleted |= apply_ids(&self.vault, writer, &ids)?;
            if deleted {
                writer.purge()?;
            } else {
                writer.commit()?;
            }
            self.vault.index_done(&ids)?;
            replayed += ids.len() as u64;
        }
        Ok(replayed)
    }

    /// Runs a vault change that search sees under the writer-first rule: the index writer is
    /// taken first, then `change` commits in the vault (queueing its ids), then the queue is
    /// replayed into the index and cleared, then the writer is released. If another writer
    /// keeps the lock past the wait, nothing changes and the error says so. If the index
    /// cannot be opened at all (damaged), the change still goes ahead and its ids stay queued.
    pub(crate) fn indexed_change<T>(
        &self,
        change: impl FnOnce(&Vault) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let index = self.index.get();
        let writer = match &index {
            Ok(index) => match index.writer() {
                Ok(w) => Some(w),
                Err(e @ IndexError::Busy) => return Err(e.into()),
                Err(e) => {
                    tracing::warn!("search index not writable, changes stay queued: {e}");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "search index not open, changes stay queued: {e}"
                );
                None
            }
        };
        let out = change(&self.vault)?;
        if let Some(mut w) = writer {
            let indexed = self
                .replay_with(&mut w)
                .and_then(|_| w.finish().map_err(CoreError::from));
            if let Err(e) = indexed {
                tracing::warn!(
                    code = e.code(),
                    "search index lags, changes stay queued: {e}"
                );
            }
        }
        Ok(out)
    }

    /// Before a long write (import, sync): if the search index holds ids above the highest
    /// the vault ever handed out, the vault has lost messages. New ones must not take those ids
    /// (they would overwrite the index's evidence), and the person running the import hears
    /// about it now rather than at the next `doctor`.
    pub(crate) fn guard_lost_ids(&self) -> Result<(), CoreError> {
        let Ok(index) = self.index.get() else {
            return Ok(()); // no index to compare with: it is rebuilt from the vault
        };
        let high_water = self.vault.message_id_high_water()?;
        let in_index: BTreeSet<i64> = index
            .message_ids()?
            .into_iter()
            .map(|id| id as i64)
            .collect();
        let found: Vec<i64> = in_index.range(high_water + 1..).copied().collect();
        self.vault.record_lost_messages(&found)?;
        // Found now or before, and not yet accepted by a rebuild (the index still holds them).
        let lost = self
            .vault
            .lost_message_ids()?
            .into_iter()
            .filter(|id| in_index.contains(id))
            .count();
        if lost > 0 {
            tracing::error!(code = "data_loss", "{}", lost_messages_warning(lost as u64));
        }
        Ok(())
    }

    /// The repair run when a vault opens. The index is derived data: if it cannot be repaired
    /// now (damaged, or another process is writing) the vault still opens, searches report
    /// the error, and the queue keeps what is owed.
    pub(crate) fn repair_index_on_start(&self) {
        let result = (|| -> Result<(), CoreError> {
            if !self.index.exists()? {
                self.reconcile_index()?;
            } else {
                self.replay_index_queue()?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            tracing::warn!(code = e.code(), "search index not repaired at start: {e}");
        }
    }

    /// Replays the queue, then makes the index hold exactly the vault's live messages. The
    /// writer is held throughout, so no other writer's change can fall between the two reads.
    pub(crate) fn reconcile_index(&self) -> Result<IndexRepair, CoreError> {
        let index = self.index.get()?;
        let mut writer = index.writer()?;
        let replayed = self.replay_with(&mut writer)?;
        let in_vault: BTreeSet<i64> = self.vault.live_message_ids()?.into_iter().collect();
        let in_index: BTreeSet<i64> = index
            .message_ids()?
            .into_iter()
            .map(|id| id as i64)
            .collect();
        let missing: Vec<i64> = in_vault.difference(&in_index).copied().collect();
        let high_water = self.vault.message_id_high_water()?;
        let known_lost: BTreeSet<i64> = self.vault.lost_message_ids()?.into_iter().collect();
        let (lost, stale): (Vec<i64>, Vec<i64>) = in_index
            .difference(&in_vault)
            .partition(|id| **id > high_water || known_lost.contains(id));
        if !lost.is_empty() {
            tracing::error!(
                code = "data_loss",
                "{}",
                lost_messages_warning(lost.len() as u64)
            );
            self.vault.record_lost_messages(&lost)?;
        }
        for chunk in missing.chunks(REPLAY_BATCH as usize) {
            apply_ids(&self.vault, &mut writer, chunk)?;
            writer.commit()?;
        }
        if !stale.is_empty() {
            for id in &stale {
                writer.delete(*id as u64);
            }
            writer.purge()?;
        }
        writer.finish()?;
        Ok(IndexRepair {
            replayed,
            missing_indexed: missing.len() as u64,
            stale_removed: stale.len() as u64,
            lost: lost.len() as u64,
        })
    }
}
