//! `index_stats` and the index half of `doctor`: what the search index holds beside the vault,
//! and a reconciliation that finds and fixes what a crash or a lost folder left behind.

use helpr_vault::DoctorReport;
use serde::Serialize;

use crate::indexing::IndexRepair;
use crate::{CoreError, Helpr};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IndexStatsView {
    /// Messages in the index.
    pub docs: u64,
    /// Deleted documents not yet merged away (0 after every helpr delete).
    pub deleted_docs: u64,
    pub segments: u64,
    /// Files in the index folder and their size on disk (all sealed).
    pub files: u64,
    pub bytes: u64,
    /// Live messages in the vault, and vault changes not yet applied to the index.
    pub vault_messages: u64,
    pub queued: u64,
    /// The decrypted-chunk cache: chunks decrypted so far, bytes held, bound.
    pub chunks_decrypted: u64,
    pub cache_bytes: u64,
    pub cache_capacity: u64,
}

/// The index's part of `doctor`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IndexHealth {
    /// Messages in the index after the repair, and in the vault.
    pub docs: u64,
    pub vault_messages: u64,
    pub repair: Option<IndexRepair>,
    /// Why the index could not be checked or repaired (`helpr index rebuild` fixes damage).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DoctorView {
    pub vault: DoctorReport,
    pub index: IndexHealth,
}

impl DoctorView {
    pub fn healthy(&self) -> bool {
        self.vault.healthy()
            && self.index.error.is_none()
            && self.index.docs == self.index.vault_messages
    }
}

impl Helpr {
    pub async fn index_stats(&self) -> Result<IndexStatsView, CoreError> {
        self.with_vault(|h| {
            let index = h.index.get()?;
            let stats = index.stats()?;
            let dir = index.directory_stats();
            Ok(IndexStatsView {
                docs: stats.docs,
                deleted_docs: stats.deleted_docs,
                segments: stats.segments,
                files: stats.files,
                bytes: stats.bytes,
                vault_messages: h.vault.live_message_ids()?.len() as u64,
                queued: h.vault.index_queue_len()?,
                chunks_decrypted: dir.map_or(0, |d| d.chunks_decrypted),
                cache_bytes: dir.map_or(0, |d| d.cache_bytes as u64),
                cache_capacity: dir.map_or(0, |d| d.cache_capacity as u64),
            })
        })
        .await
    }

    /// Integrity, schema version and counts of the vault; then the index reconciled with it.
    pub async fn doctor(&self) -> Result<DoctorView, CoreError> {
        self.with_vault(|h| {
            let vault = h.vault.doctor()?;
            // Every step may fail on a damaged file; the failure is the index's finding and the
            // report goes on.
            let checked = (|| {
                let vault_messages = h.vault.live_message_ids()?.len() as u64;
                let index = h.index.get()?;
                index.verify()?;
                let repair = h.reconcile_index()?;
                Ok::<_, CoreError>((vault_messages, index.stats()?.docs, repair))
            })();
            let index = match checked {
                Ok((vault_messages, docs, repair)) => IndexHealth {
                    docs,
                    vault_messages,
                    repair: Some(repair),
                    error: None,
                },
                Err(e) => IndexHealth {
                    docs: 0,
                    vault_messages: vault.messages,
                    repair: None,
                    error: Some(e.to_string()),
                },
            };
            Ok(DoctorView { vault, index })
        })
        .await
    }
}
