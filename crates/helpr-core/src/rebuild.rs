//! `rebuild`: the index is derived data (DESIGN §4), so it can be recreated from the vault at
//! any time. The new index is built beside the live one, in `index.rebuild/`, so searches keep
//! working meanwhile and a damaged live index is never needed. Every few thousand messages the
//! rebuild commits with a checkpoint (the last vault id it indexed) as the commit's payload; a
//! stopped rebuild resumes from there. When complete, the folders are swapped (see
//! [`crate::indexing::SearchIndex`] for finishing a swap a crash interrupted) and the index is
//! reconciled with the vault for anything written meanwhile.

use std::path::Path;

use helpr_crypto::IndexCipher;
use helpr_index::MailIndex;
use serde::{Deserialize, Serialize};

use crate::indexing::{doc_from_source, storage, IndexRepair, INDEX_DIR, OLD_DIR, REBUILD_DIR};
use crate::{blocking, CoreError, Helpr};

/// Vault messages read per page.
const PAGE: u32 = 256;
/// Messages between checkpoints (commits a stopped rebuild resumes from).
const CHECKPOINT_EVERY: u64 = 4096;

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RebuildProgress {
    pub done: u64,
    pub total: u64,
}

/// Returned by the progress callback after each page: stop early (with a checkpoint, so the
/// next rebuild resumes there) or go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildControl {
    Continue,
    Stop,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RebuildReport {
    /// False when stopped on request: the live index is unchanged and a rebuild resumes.
    pub complete: bool,
    /// Messages indexed by this run.
    pub indexed: u64,
    /// Messages a stopped earlier run had already indexed (0 for a fresh rebuild).
    pub resumed_after: u64,
    /// What reconciling with the vault after the swap fixed (writes made meanwhile).
    pub repair: IndexRepair,
}

/// The payload of each rebuild commit.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Checkpoint {
    /// The last vault message id indexed.
    after: i64,
    complete: bool,
}

fn checkpoint(index: &MailIndex) -> Result<Checkpoint, CoreError> {
    Ok(match index.payload()? {
        Some(p) => serde_json::from_str(&p)
            .map_err(|_| CoreError::Integrity("the rebuild checkpoint does not decode".into()))?,
        None => Checkpoint::default(),
    })
}

/// Whether `path` holds a finished rebuild (only then may it replace the live index).
pub(crate) fn is_complete(path: &Path, cipher: &IndexCipher) -> bool {
    MailIndex::exists(path)
        && MailIndex::open_or_create(path, cipher.clone())
            .ok()
            .and_then(|index| checkpoint(&index).ok())
            .is_some_and(|c| c.complete)
}

impl Helpr {
    /// Recreates the search index from the vault (resumable; `progress` after every page).
    pub async fn rebuild_index(
        &self,
        progress: impl Fn(RebuildProgress) -> RebuildControl + Send + Sync + 'static,
    ) -> Result<RebuildReport, CoreError> {
        let this = self.clone();
        blocking(move || this.rebuild_blocking(&progress)).await
    }

    fn rebuild_blocking(
        &self,
        progress: &(dyn Fn(RebuildProgress) -> RebuildControl + Send + Sync),
    ) -> Result<RebuildReport, CoreError> {
        let side = self.index.path(REBUILD_DIR);
        let cipher = self.index.cipher().clone();
        let index = match MailIndex::open_or_create(&side, cipher.clone()) {
            Ok(index) => index,
            // A damaged partial rebuild is worth nothing: start it again.
            Err(helpr_index::IndexError::Damaged(_)) => {
                std::fs::remove_dir_all(&side).map_err(storage("clearing the partial rebuild"))?;
                MailIndex::open_or_create(&side, cipher)?
            }
            Err(e) => return Err(e.into()),
        };
        let mut cp = checkpoint(&index)?;
        let ids = self.vault.live_message_ids()?;
        let total = ids.len() as u64;
        let resumed_after = ids.partition_point(|&id| id <= cp.after) as u64;
        let mut report = RebuildReport {
            resumed_after,
            ..Default::default()
        };
        if !cp.complete {
            let mut writer = index.writer()?;
            let mut since_checkpoint = 0u64;
            loop {
                let page = self.vault.index_sources_after(cp.after, PAGE)?;
                let Some(last) = page.last().map(|s| s.id) else {
                    break;
                };
                let n = page.len() as u64;
                for source in page {
                    writer.add(&doc_from_source(source)?)?;
                }
                cp.after = last;
                report.indexed += n;
                since_checkpoint += n;
                if since_checkpoint >= CHECKPOINT_EVERY {
                    writer.commit_with_payload(&payload(cp))?;
                    since_checkpoint = 0;
                }
                let control = progress(RebuildProgress {
                    done: resumed_after + report.indexed,
                    total,
                });
                if control == RebuildControl::Stop {
                    writer.commit_with_payload(&payload(cp))?;
                    writer.finish()?;
                    return Ok(report);
                }
            }
            cp.complete = true;
            writer.commit_with_payload(&payload(cp))?;
            writer.finish()?;
        }
        drop(index);
        self.swap_in_rebuild()?;
        report.complete = true;
        report.repair = self.reconcile_index()?;
        Ok(report)
    }

    /// `index` → `index.old`, `index.rebuild` → `index`, remove `index.old`.
    fn swap_in_rebuild(&self) -> Result<(), CoreError> {
        self.index.close();
        let live = self.index.path(INDEX_DIR);
        let old = self.index.path(OLD_DIR);
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(storage("removing the old index"))?;
        }
        if live.exists() {
            std::fs::rename(&live, &old).map_err(storage("moving the old index aside"))?;
        }
        std::fs::rename(self.index.path(REBUILD_DIR), &live)
            .map_err(storage("moving the rebuilt index in"))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(storage("removing the old index"))?;
        }
        Ok(())
    }
}

fn payload(cp: Checkpoint) -> String {
    serde_json::to_string(&cp).expect("a checkpoint always encodes")
}
