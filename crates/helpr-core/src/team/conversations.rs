//! Shared conversations seen from this desktop. A local thread of a shared inbox is, to the
//! server, `ConversationRef {inbox, thread}`: the server inbox its local inbox is bound to and
//! its Gmail thread id. The assignments of the last snapshot (kept current by the socket's
//! assignment events, [`Helpr::team_record_assignment`]) are mapped back to local threads, so
//! the list and the thread show who is assigned, offline too.

use helpr_policy::{InboxId, UserId};
use helpr_proto::snapshot::{Assignment, Snapshot};
use helpr_proto::views::ConversationRef;
use serde::Serialize;

use crate::{CoreError, Helpr};

/// An assigned conversation held here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignedConversation {
    /// The local thread.
    pub thread_id: i64,
    pub conversation: ConversationRef,
    pub assignees: Vec<UserId>,
}

/// Sets `conversation`'s assignees in `snapshot` (none: unassigned); false when the snapshot
/// does not have its inbox.
pub fn record_assignment(
    snapshot: &mut Snapshot,
    conversation: &ConversationRef,
    assignees: &[UserId],
) -> bool {
    let Some(entitled) = snapshot
        .inboxes
        .iter_mut()
        .find(|e| e.inbox.id == conversation.inbox)
    else {
        return false;
    };
    entitled
        .assignments
        .retain(|a| a.thread != conversation.thread);
    if !assignees.is_empty() {
        let mut assignees = assignees.to_vec();
        assignees.sort();
        assignees.dedup();
        entitled.assignments.push(Assignment {
            thread: conversation.thread.clone(),
            assignees,
        });
        entitled.assignments.sort_by(|a, b| a.thread.cmp(&b.thread));
    }
    true
}

impl Helpr {
    /// The shared conversation local thread `thread_id` is; `None` when it is not of a shared
    /// inbox (or has no Gmail thread yet).
    pub async fn team_conversation(
        &self,
        thread_id: i64,
    ) -> Result<Option<ConversationRef>, CoreError> {
        let found = self
            .with_vault(move |h| Ok(h.vault.team_thread(h.tenant, thread_id)?))
            .await?;
        Ok(found.map(|(inbox, thread)| ConversationRef {
            inbox: InboxId(inbox),
            thread,
        }))
    }

    /// Every assigned conversation of the last snapshot that is held here, by local thread.
    pub async fn team_assignments(&self) -> Result<Vec<AssignedConversation>, CoreError> {
        let (snapshot, _) = self.team_snapshot().await?;
        let Some(snapshot) = snapshot else {
            return Ok(Vec::new());
        };
        self.with_vault(move |h| {
            let mut found = Vec::new();
            for entitled in &snapshot.inboxes {
                let inbox = entitled.inbox.id;
                let threads: Vec<String> = entitled
                    .assignments
                    .iter()
                    .map(|a| a.thread.clone())
                    .collect();
                for (thread, thread_id) in h.vault.team_threads(h.tenant, inbox.0, &threads)? {
                    let Some(a) = entitled.assignments.iter().find(|a| a.thread == thread) else {
                        continue;
                    };
                    found.push(AssignedConversation {
                        thread_id,
                        conversation: ConversationRef { inbox, thread },
                        assignees: a.assignees.clone(),
                    });
                }
            }
            found.sort_by_key(|a| a.thread_id);
            Ok(found)
        })
        .await
    }

    /// Records a conversation's new assignees (event `seq`) in the kept snapshot.
    pub(crate) async fn team_record_assignment(
        &self,
        seq: u64,
        conversation: &ConversationRef,
        assignees: &[UserId],
    ) -> Result<(), CoreError> {
        let (snapshot, _) = self.team_snapshot().await?;
        let Some(mut snapshot) = snapshot else {
            return Ok(());
        };
        if !record_assignment(&mut snapshot, conversation, assignees) {
            return Ok(());
        }
        let bytes =
            serde_json::to_vec(&snapshot).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.with_vault(move |h| Ok(h.vault.set_team_state(h.tenant, Some(&bytes), seq)?))
            .await
    }
}

#[cfg(test)]
#[path = "conversations_tests.rs"]
mod tests;
