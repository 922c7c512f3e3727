//! Conversations, as the desktop shows them: the sidebar (every inbox with its health, counts
//! and labels), the conversation list a page at a time (the window never asks for every
//! message), and one thread's messages, oldest first.

use helpr_vault::{ConversationFilter, LabelCounts, StoredConversation};
use serde::{Deserialize, Serialize};

use crate::{CoreError, Helpr, InboxHealth, MessageView};

/// The largest page [`Helpr::conversations`] hands out.
pub const MAX_CONVERSATION_PAGE: u32 = 500;

/// Which conversations, and which page of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationQuery {
    /// Only this inbox's (an inbox id from [`Helpr::sidebar`]).
    #[serde(default)]
    pub inbox: Option<i64>,
    /// Only threads with a message carrying this label (a label id from the sidebar).
    #[serde(default)]
    pub label: Option<i64>,
    /// 1 ..= [`MAX_CONVERSATION_PAGE`].
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
}

/// One row of the conversation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationSummary {
    pub thread_id: i64,
    pub inbox_id: i64,
    /// Unix seconds: the newest message's date.
    pub last_date: i64,
    pub message_count: u32,
    pub unread_count: u32,
    pub has_attachments: bool,
    /// The newest message's id, sender, subject and snippet.
    pub latest_id: i64,
    pub from: String,
    pub subject: String,
    pub snippet: String,
    pub labels: Vec<String>,
}

/// One page of conversations and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationPage {
    pub total: u64,
    pub conversations: Vec<ConversationSummary>,
}

/// A conversation's messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadView {
    pub thread_id: i64,
    /// The first message's subject.
    pub subject: String,
    pub messages: Vec<MessageView>,
}

/// A label under an inbox in the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SidebarLabel {
    pub label_id: i64,
    pub name: String,
    pub conversations: u64,
    pub unread: u64,
}

/// An inbox in the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SidebarInbox {
    pub inbox_id: i64,
    pub address: String,
    /// `local` (imported mail) or `gmail`.
    pub kind: String,
    pub conversations: u64,
    pub unread: u64,
    /// A Gmail inbox's sync and account health; `None` for a local one.
    pub health: Option<InboxHealth>,
    pub labels: Vec<SidebarLabel>,
}

impl From<StoredConversation> for ConversationSummary {
    fn from(c: StoredConversation) -> Self {
        ConversationSummary {
            thread_id: c.thread_id,
            inbox_id: c.latest.inbox_id,
            last_date: c.last_date,
            message_count: c.message_count,
            unread_count: c.unread_count,
            has_attachments: c.has_attachments,
            latest_id: c.latest.id,
            from: c.latest.sender,
            subject: c.latest.subject,
            snippet: c.latest.snippet,
            labels: c.labels,
        }
    }
}

impl From<LabelCounts> for SidebarLabel {
    fn from(l: LabelCounts) -> Self {
        SidebarLabel {
            label_id: l.label_id,
            name: l.name,
            conversations: l.conversations,
            unread: l.unread,
        }
    }
}

impl Helpr {
    /// One page of conversations, newest first.
    pub async fn conversations(
        &self,
        query: ConversationQuery,
    ) -> Result<ConversationPage, CoreError> {
        if query.limit == 0 || query.limit > MAX_CONVERSATION_PAGE {
            return Err(CoreError::InvalidInput(format!(
                "a page holds 1 to {MAX_CONVERSATION_PAGE} conversations, not {}",
                query.limit
            )));
        }
        let filter = ConversationFilter {
            inbox: query.inbox,
            label: query.label,
        };
        self.with_vault(move |h| {
            let page = h
                .vault
                .conversations(&h.scope()?, filter, query.limit, query.offset)?;
            Ok(ConversationPage {
                total: page.total,
                conversations: page.conversations.into_iter().map(Into::into).collect(),
            })
        })
        .await
    }

    /// Computes what the workspace asks for first, so that its first answers are read from
    /// what the vault keeps until the database changes: the whole list's order (all inboxes,
    /// no label: the view the window opens on) and the sidebar's counts. What a window calls
    /// while its web engine starts (at 100,000 messages the first page took ~130 ms, and the
    /// sidebar ~50–110 ms beside it). Decrypts only label names.
    pub async fn prepare_workspace(&self) -> Result<(), CoreError> {
        self.with_vault(|h| {
            let scope = h.scope()?;
            h.vault
                .prepare_conversations(&scope, ConversationFilter::default())?;
            h.vault.inbox_counts(&scope)?;
            h.vault.label_counts(&scope)?;
            Ok(())
        })
        .await
    }

    /// Thread `thread_id`'s messages, oldest first. An unknown or wholly deleted thread is
    /// `not_found`.
    pub async fn thread(&self, thread_id: i64) -> Result<ThreadView, CoreError> {
        self.with_vault(move |h| {
            let scope = h.scope()?;
            let ids = h.vault.thread_message_ids(&scope, thread_id)?;
            if ids.is_empty() {
                return Err(CoreError::NotFound(format!("conversation {thread_id}")));
            }
            let messages = ids
                .into_iter()
                .map(|id| MessageView::load(&h.vault, &scope, id))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ThreadView {
                thread_id,
                subject: messages[0].subject.clone(),
                messages,
            })
        })
        .await
    }

    /// Every inbox with its counts, labels and (for Gmail) health, in the order they were
    /// added.
    pub async fn sidebar(&self) -> Result<Vec<SidebarInbox>, CoreError> {
        let mut health = self.gmail_status().await?;
        let mut inboxes = self
            .with_vault(|h| {
                let scope = h.scope()?;
                let counts = h.vault.inbox_counts(&scope)?;
                let mut labels = h.vault.label_counts(&scope)?;
                let inboxes = h.vault.inboxes(h.tenant)?;
                Ok(inboxes
                    .into_iter()
                    .map(|inbox| {
                        let count = counts
                            .iter()
                            .find(|c| c.inbox_id == inbox.id)
                            .copied()
                            .unwrap_or_default();
                        let (own, rest): (Vec<LabelCounts>, Vec<LabelCounts>) =
                            std::mem::take(&mut labels)
                                .into_iter()
                                .partition(|l| l.inbox_id == inbox.id);
                        labels = rest;
                        SidebarInbox {
                            inbox_id: inbox.id,
                            address: inbox.address,
                            kind: inbox.kind,
                            conversations: count.conversations,
                            unread: count.unread,
                            health: None,
                            labels: own.into_iter().map(Into::into).collect(),
                        }
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        for inbox in &mut inboxes {
            if let Some(i) = health.iter().position(|h| h.inbox_id == inbox.inbox_id) {
                inbox.health = Some(health.swap_remove(i));
            }
        }
        Ok(inboxes)
    }
}
