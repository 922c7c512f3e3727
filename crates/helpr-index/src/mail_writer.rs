//! [`MailWriter`]: the index's one writer — add, replace and delete messages, commit, and purge.
//!
//! A document is keyed by its message id (a vault id, never reused). `add` is for messages
//! the index cannot hold yet (a fresh import); `upsert` deletes any copy first, so replaying
//! the vault's index queue after a crash is idempotent.
//!
//! `purge` makes deletions physical (DESIGN §4): it commits, merges every segment that holds a
//! deleted document (the merge writes new segment files without them and their terms), makes
//! the readers let go of the old segments, then deletes the old files. After it returns, the
//! deleted messages' terms are in no file of the index.

use std::time::Duration;

use tantivy::indexer::NoMergePolicy;
use tantivy::Term;

use crate::error::{IndexError, Result};
use crate::mail_index::{MailIndex, RawWriter};
use crate::MailDoc;

/// Merges racing with a background merge are retried; this bounds the retries.
const PURGE_ROUNDS: usize = 50;

/// What a purge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurgeReport {
    /// Segments rewritten without their deleted documents.
    pub segments_merged: u64,
}

pub struct MailWriter<'a> {
    index: &'a MailIndex,
    writer: RawWriter,
}

impl std::fmt::Debug for MailWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailWriter").finish_non_exhaustive()
    }
}

impl<'a> MailWriter<'a> {
    pub(crate) fn new(index: &'a MailIndex, writer: RawWriter) -> Self {
        MailWriter { index, writer }
    }

    fn id_term(&self, message_id: u64) -> Term {
        Term::from_field_u64(self.index.schema().message_id, message_id)
    }

    /// Adds a message the index does not hold (its id was never indexed).
    pub fn add(&mut self, doc: &MailDoc) -> Result<()> {
        self.writer
            .add_document(self.index.schema().document(doc))?;
        Ok(())
    }

    /// Adds or replaces the message `doc.message_id`.
    pub fn upsert(&mut self, doc: &MailDoc) -> Result<()> {
        self.writer.delete_term(self.id_term(doc.message_id));
        self.add(doc)
    }

    /// Removes a message (from results at the next commit; physically at [`Self::purge`]).
    pub fn delete(&mut self, message_id: u64) {
        self.writer.delete_term(self.id_term(message_id));
    }

    /// Makes everything so far durable and searchable.
    pub fn commit(&mut self) -> Result<()> {
        self.writer.commit()?;
        self.index.reload()
    }

    /// Commits with a payload stored in `meta.json` (read back by [`MailIndex::payload`]).
    pub fn commit_with_payload(&mut self, payload: &str) -> Result<()> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(payload);
        prepared.commit()?;
        self.index.reload()
    }

    /// Commits, then rewrites every segment holding deleted documents and removes the old
    /// files, so deleted messages leave no term behind.
    pub fn purge(&mut self) -> Result<PurgeReport> {
        // No merge of our own choosing may hold the segments we must merge.
        self.writer.set_merge_policy(Box::new(NoMergePolicy));
        self.commit()?;
        let mut report = PurgeReport::default();
        for _ in 0..PURGE_ROUNDS {
            let with_deletes: Vec<_> = self
                .index
                .tantivy()
                .searchable_segment_metas()?
                .into_iter()
                .filter(|m| m.has_deletes())
                .map(|m| m.id())
                .collect();
            if with_deletes.is_empty() {
                // Readers must drop the old segments before their files may go (tantivy
                // also collects after each merge; this catches files a reader still held).
                self.index.reload()?;
                self.writer.garbage_collect_files().wait()?;
                return Ok(report);
            }
            match self.writer.merge(&with_deletes).wait() {
                Ok(_) => report.segments_merged += with_deletes.len() as u64,
                // A merge started before ours holds one of the segments: let it finish.
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        Err(IndexError::Engine(
            "deleted documents could not be merged away".into(),
        ))
    }

    /// Waits for background merges, then releases the writer lock.
    pub fn finish(self) -> Result<()> {
        self.writer.wait_merging_threads()?;
        Ok(())
    }
}
