//! `delete_message`: with the index writer held (see [`crate::indexing`]), the message leaves
//! the vault (one transaction, which also queues its id for the index), then the index:
//! deleted, committed and purged — its segments merged without it and the old files removed —
//! before the call returns (DESIGN §4). If the index cannot be written, the vault delete still
//! happens (hits are resolved through the vault, so it never shows) and the queued id is
//! purged at the next start.

use helpr_index::MailWriter;

use crate::{CoreError, Helpr};

impl Helpr {
    /// Deletes message `id` for good: from the vault, from search results and from the index
    /// files.
    pub async fn delete_message(&self, id: i64) -> Result<(), CoreError> {
        self.with_vault(move |h| {
            let index = h.index.get();
            let writer = match &index {
                Ok(index) => index.writer().map_err(CoreError::from),
                Err(e) => Err(CoreError::Storage(e.to_string())),
            };
            h.vault.delete_message(&h.scope()?, id)?;
            writer.and_then(|w| h.purge_from_index(w, id)).map_err(|e| {
                CoreError::Storage(format!(
                    "message {id} was deleted, but the search index could not be purged yet \
                         ({e}); it will be at the next start"
                ))
            })
        })
        .await
    }

    fn purge_from_index(&self, mut writer: MailWriter<'_>, id: i64) -> Result<(), CoreError> {
        writer.delete(id as u64);
        writer.purge()?;
        self.vault.index_done(&[id])?;
        writer.finish()?;
        Ok(())
    }
}
