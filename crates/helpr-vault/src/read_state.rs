//! Read and unread, set in helpr: the flag changes at once (lists, counts and `is:unread`
//! search follow: the messages are queued for the index), and Gmail is owed the same change
//! (`UNREAD` removed or added), queued in the Gmail outbox in the same transaction so it
//! survives being offline and a restart. Until Gmail has it, sync leaves the flag as helpr set
//! it (see `gmail_sync`).

use rusqlite::params;

use crate::error::{Result, VaultError};
use crate::gmail_outbox::{self, OutboxAction};
use crate::scope::id_list_sql;
use crate::{index_feed, Scope, Target, Vault};

impl Vault {
    /// Marks `target`'s live messages read (`unread` false) or unread. Returns the ids whose
    /// flag changed. `NotFound` when nothing live matches.
    pub fn set_unread(
        &self,
        scope: &Scope,
        target: Target,
        unread: bool,
        now: i64,
    ) -> Result<Vec<i64>> {
        self.write(|tx| {
            let ids = Self::target_ids(tx, scope, target, false)?;
            if ids.is_empty() {
                return Err(VaultError::NotFound(format!(
                    "{} {} (not stored, or deleted)",
                    target.kind(),
                    target.id()
                )));
            }
            let mut stmt = tx.prepare(&format!(
                "UPDATE messages SET unread = ?1 WHERE id IN {} AND unread != ?1 RETURNING id",
                id_list_sql(&ids)
            ))?;
            let changed: Vec<i64> = stmt
                .query_map(params![unread], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            drop(stmt);
            if !changed.is_empty() {
                index_feed::enqueue(tx, &changed)?;
                let owed = if unread {
                    OutboxAction::Unread
                } else {
                    OutboxAction::Read
                };
                gmail_outbox::enqueue(tx, &changed, owed, now)?;
            }
            Ok(changed)
        })
    }
}
