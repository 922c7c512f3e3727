//! `delete_message`: a message leaves the vault (one transaction, which also queues its id for
//! the index), then the index: deleted, committed and purged — its segments merged without it
//! and the old files removed — before the call returns (DESIGN §4). If the index step fails,
//! the vault delete stands and the queued id is purged at the next start.

use crate::{CoreError, Helpr};

impl Helpr {
    /// Deletes message `id` for good: from the vault, from search results and from the index
    /// files.
    pub async fn delete_message(&self, id: i64) -> Result<(), CoreError> {
        self.with_vault(move |h| {
            h.vault.delete_message(&h.scope()?, id)?;
            h.purge_from_index(id).map_err(|e| {
                CoreError::Storage(format!(
                    "message {id} was deleted, but the search index could not be purged yet \
                     ({e}); it will be at the next start"
                ))
            })
        })
        .await
    }

    fn purge_from_index(&self, id: i64) -> Result<(), CoreError> {
        let index = self.index.get()?;
        let mut writer = index.writer()?;
        writer.delete(id as u64);
        writer.purge()?;
        writer.finish()?;
        self.vault.index_done(&[id])?;
        Ok(())
    }
}
