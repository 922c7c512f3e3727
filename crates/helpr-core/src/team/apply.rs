//! A snapshot applied to the vault. The server's word wins: a shared inbox no longer in the
//! snapshot is purged from the vault and the index at once (its mail stays in the shared Gmail
//! account; only this desktop forgets it, physically, as delete's purge does), and in an inbox
//! the user sees only some conversations of, every other conversation's messages likewise. The
//! snapshot is then kept (sealed) with its sequence number, so the desktop shows exactly it,
//! offline too.

use helpr_proto::snapshot::{ConversationScope, Snapshot};
use serde::Serialize;

use crate::{CoreError, Helpr};

/// What applying a snapshot removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// Shared inboxes (server ids) no longer open to the user, whose mail was purged.
    pub removed_inboxes: Vec<i64>,
    /// Messages purged from the vault and the index.
    pub purged_messages: u64,
}

impl Helpr {
    /// Applies `snapshot`: purges what it no longer grants, then records it.
    pub async fn team_apply(&self, snapshot: Snapshot) -> Result<ApplyReport, CoreError> {
        let bytes =
            serde_json::to_vec(&snapshot).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.with_vault(move |h| {
            let bound = h.vault.team_inboxes(h.tenant)?;
            let mut report = ApplyReport::default();
            for (server, local) in &bound {
                if snapshot.inboxes.iter().any(|e| e.inbox.id.0 == *server) {
                    continue;
                }
                if let Some(local) = local {
                    report.purged_messages += h.forget_inbox_blocking(*local)?;
                }
                h.vault.unbind_team_inbox(h.tenant, *server)?;
                report.removed_inboxes.push(*server);
            }
            for entitled in &snapshot.inboxes {
                let server = entitled.inbox.id.0;
                h.vault.bind_team_inbox(h.tenant, server, None)?;
                let local = bound
                    .iter()
                    .find(|(s, _)| *s == server)
                    .and_then(|(_, l)| *l);
                if let (Some(local), ConversationScope::Only { conversations }) =
                    (local, &entitled.conversations)
                {
                    let keep: Vec<String> =
                        conversations.iter().map(|c| c.thread.clone()).collect();
                    report.purged_messages += h.forget_conversations_blocking(local, &keep)?;
                }
            }
            h.vault
                .set_team_state(h.tenant, Some(&bytes), snapshot.seq)?;
            Ok(report)
        })
        .await
    }

    /// Purges every shared inbox's mail (signing out).
    pub(crate) async fn team_forget_all(&self) -> Result<ApplyReport, CoreError> {
        self.with_vault(|h| {
            let mut report = ApplyReport::default();
            for (server, local) in h.vault.team_inboxes(h.tenant)? {
                if let Some(local) = local {
                    report.purged_messages += h.forget_inbox_blocking(local)?;
                }
                h.vault.unbind_team_inbox(h.tenant, server)?;
                report.removed_inboxes.push(server);
            }
            Ok(report)
        })
        .await
    }

    /// Takes a team inbox out of the index and purges it from the vault, now.
    fn forget_inbox_blocking(&self, inbox: i64) -> Result<u64, CoreError> {
        let deleted = self.soft_delete_with_index(|act| {
            Ok(self.vault.forget_team_inbox(self.tenant, inbox, act)?)
        })?;
        let act = self.act();
        let purged =
            self.indexed_change(|vault| Ok(vault.purge_inbox(self.tenant, inbox, act)?))?;
        Ok(purged.max(deleted.ids.len() as u64))
    }

    /// Purges the messages of `inbox` whose conversations are not in `keep`.
    fn forget_conversations_blocking(&self, inbox: i64, keep: &[String]) -> Result<u64, CoreError> {
        let deleted = self.soft_delete_with_index(|act| {
            Ok(self
                .vault
                .forget_lost_conversations(self.tenant, inbox, keep, act)?)
        })?;
        Ok(self.purge_ids(&deleted.ids)?.purged)
    }
}
