//! The views the edges show, built from decrypted vault records.

use helpr_mail::KeptHeaders;
use helpr_vault::{Scope, StoredAttachment, StoredMessage, StoredSummary, Vault};
use serde::Serialize;

use crate::CoreError;

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct MessageSummary {
    pub id: i64,
    /// The conversation this message belongs to.
    pub thread_id: i64,
    /// Seconds since the Unix epoch.
    pub date: i64,
    pub from: String,
    pub subject: String,
    pub snippet: String,
    pub unread: bool,
    pub has_attachments: bool,
    /// helpr could not display this message and kept it with its original source.
    pub kept: bool,
}

/// What the desktop's About pane shows.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct AboutView {
    pub version: String,
    pub data_dir: String,
    pub vault_id: String,
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct MessageView {
    pub id: i64,
    pub date: i64,
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: String,
    /// Sanitized HTML; remote images appear as `helpr-remote:N` placeholders.
    pub html: Option<String>,
    /// The blocked remote image URLs, by placeholder index, for "load images" on request.
    pub remote_images: Vec<String>,
    pub labels: Vec<String>,
    pub unread: bool,
    pub attachments: Vec<AttachmentInfo>,
    /// Why helpr could not display this message (it was kept with its original source, which
    /// `original_source` returns); `None` for a message displayed normally.
    pub rejected: Option<String>,
    /// The user loads this sender's remote images without asking.
    pub images_allowed: bool,
    /// The sender's address (for "always load images from this sender"); not sent to the edges.
    #[serde(skip)]
    pub(crate) sender_address: Option<String>,
}

impl MessageView {
    /// Message `id` within `scope`, with whether its sender's images load without asking.
    pub(crate) fn load(vault: &Vault, scope: &Scope, id: i64) -> Result<MessageView, CoreError> {
        let mut view = MessageView::try_from(vault.get_message(scope, id)?)?;
        if let (false, Some(address)) = (view.remote_images.is_empty(), &view.sender_address) {
            view.images_allowed = vault.images_allowed_from(scope.tenant, address)?;
        }
        Ok(view)
    }
}

impl From<StoredSummary> for MessageSummary {
    fn from(s: StoredSummary) -> Self {
        MessageSummary {
            id: s.id,
            thread_id: s.thread_id,
            date: s.date,
            from: s.sender,
            subject: s.subject,
            snippet: s.snippet,
            unread: s.unread,
            has_attachments: s.has_attachments,
            kept: s.kept,
        }
    }
}

impl From<StoredAttachment> for AttachmentInfo {
    fn from(a: StoredAttachment) -> Self {
        AttachmentInfo {
            id: a.id,
            name: a.name,
            content_type: a.content_type,
            size: a.size,
        }
    }
}

impl TryFrom<StoredMessage> for MessageView {
    type Error = CoreError;

    fn try_from(m: StoredMessage) -> Result<Self, CoreError> {
        let headers: KeptHeaders = serde_json::from_slice(&m.headers)
            .map_err(|e| CoreError::Integrity(format!("stored headers do not parse: {e}")))?;
        let list = |v: &[helpr_mail::Mailbox]| v.iter().map(|m| m.to_string()).collect();
        Ok(MessageView {
            id: m.summary.id,
            date: m.summary.date,
            from: m.summary.sender,
            to: list(&headers.to),
            cc: list(&headers.cc),
            subject: m.summary.subject,
            text: m.text,
            html: m.html,
            remote_images: m.remote_images,
            labels: m.labels,
            unread: m.summary.unread,
            attachments: m
                .attachments
                .into_iter()
                .map(AttachmentInfo::from)
                .collect(),
            rejected: m.rejected,
            images_allowed: false,
            sender_address: headers.from.first().map(|m| m.address.clone()),
        })
    }
}
