//! Read and unread: [`Helpr::mark_read`] sets the flag of messages or conversations at once
//! (lists, counts and `is:unread` follow) and owes Gmail the same change, sent at once when
//! Gmail answers and otherwise by the next sync (helpr-vault `read_state`, the Gmail outbox).

use helpr_vault::{Scope, Vault, VaultError};
use serde::Serialize;

use crate::{CoreError, Helpr, Target};

/// What marking changed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Marked {
    /// The messages whose flag changed.
    pub changed: Vec<i64>,
    /// Changes still owed to Gmail (it could not be reached yet).
    pub gmail_pending: u64,
}

impl Helpr {
    /// Marks `targets` read (`read` true) or unread. An unknown or deleted target stops the run
    /// with `not_found`; the ones before it stay marked.
    pub async fn mark_read(&self, targets: Vec<Target>, read: bool) -> Result<Marked, CoreError> {
        self.change_owed_to_gmail(targets, move |vault, scope, target, now| {
            vault.set_unread(scope, target, !read, now)
        })
        .await
    }

    /// Runs `change` on each target in turn (one vault transaction each, the index kept in
    /// step), then sends what the changes owe Gmail at once. An error stops the run; the
    /// targets before it stay changed.
    pub(crate) async fn change_owed_to_gmail(
        &self,
        targets: Vec<Target>,
        change: impl Fn(&Vault, &Scope, Target, i64) -> Result<Vec<i64>, VaultError> + Send + 'static,
    ) -> Result<Marked, CoreError> {
        let changed = self
            .with_vault(move |h| {
                let scope = h.scope()?;
                let now = crate::clock::now();
                h.indexed_change(|vault| {
                    let mut ids = Vec::new();
                    for target in targets {
                        ids.extend(change(vault, &scope, target, now)?);
                    }
                    Ok(ids)
                })
            })
            .await?;
        let gmail_pending = if changed.is_empty() {
            0
        } else {
            self.drain_outbox_now().await
        };
        Ok(Marked {
            changed,
            gmail_pending,
        })
    }
}
