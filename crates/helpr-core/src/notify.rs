//! New-mail notifications, opt-in per inbox: after a sync, [`Helpr::new_mail_notices`] says
//! what to tell the user about the unread mail that arrived in watched inboxes. A notice names
//! the sender and subject only when the user allowed it **and** the caller knows the screen is
//! unlocked; otherwise it says how many messages arrived in which inbox, and nothing of them.
//! The text is plain (the shell escapes it for the OS's notification markup).

use serde::Serialize;

use crate::{CoreError, Helpr};

/// What the notifications settings show.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NotificationSettings {
    /// Notifications may name the sender and subject (while the screen is unlocked).
    pub show_content: bool,
    pub inboxes: Vec<WatchedInbox>,
}

/// One inbox and whether its new mail raises a notification.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WatchedInbox {
    pub inbox_id: i64,
    /// `gmail` or `local` (imported mail).
    pub kind: String,
    pub address: String,
    pub watched: bool,
}

/// One notification to raise.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NewMailNotice {
    pub inbox_id: i64,
    /// New unread messages in the inbox.
    pub count: u64,
    pub title: String,
    pub body: String,
    /// Whether the text names a sender and subject.
    pub content_shown: bool,
}

/// `n` messages, in words.
fn messages(n: u64) -> String {
    if n == 1 {
        "1 new message".to_owned()
    } else {
        format!("{n} new messages")
    }
}

/// `text` on one line: control characters (line breaks included) become spaces.
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Helpr {
    /// The notifications settings: whether content may be shown, and each inbox's watch.
    pub async fn notification_settings(&self) -> Result<NotificationSettings, CoreError> {
        self.with_vault(|h| {
            let scope = h.scope()?;
            let watched = h.vault.watched_inboxes(&scope)?;
            Ok(NotificationSettings {
                show_content: h.vault.notify_content(h.tenant)?,
                inboxes: h
                    .vault
                    .inboxes(h.tenant)?
                    .into_iter()
                    .map(|i| WatchedInbox {
                        watched: watched.contains(&i.id),
                        inbox_id: i.id,
                        kind: i.kind,
                        address: i.address,
                    })
                    .collect(),
            })
        })
        .await
    }

    /// Watches `inbox` for new mail (`on`), or stops.
    pub async fn watch_inbox(&self, inbox: i64, on: bool) -> Result<(), CoreError> {
        self.with_vault(move |h| Ok(h.vault.set_inbox_notify(&h.scope()?, inbox, on)?))
            .await
    }

    /// Lets notifications name the sender and subject (`on`; never while the screen is
    /// locked), or not.
    pub async fn show_notification_content(&self, on: bool) -> Result<(), CoreError> {
        self.with_vault(move |h| Ok(h.vault.set_notify_content(h.tenant, on)?))
            .await
    }

    /// The newest message id stored: taken before a sync, it marks what the sync brought.
    pub async fn newest_message_id(&self) -> Result<i64, CoreError> {
        self.with_vault(|h| Ok(h.vault.newest_message_id()?)).await
    }

    /// One notice per watched inbox with unread mail stored after message `after`. The sender
    /// and subject of the newest are named only if the user allows it and `screen_unlocked()`
    /// says so; it is asked (a D-Bus call in the shell) only then, when there is new mail and
    /// the user allows content.
    pub async fn new_mail_notices(
        &self,
        after: i64,
        screen_unlocked: impl FnOnce() -> bool + Send + 'static,
    ) -> Result<Vec<NewMailNotice>, CoreError> {
        self.with_vault(move |h| {
            let scope = h.scope()?;
            let new = h.vault.new_mail(&scope, after)?;
            if new.is_empty() {
                return Ok(Vec::new());
            }
            let content = h.vault.notify_content(h.tenant)? && screen_unlocked();
            let addresses: std::collections::HashMap<i64, String> = h
                .vault
                .inboxes(h.tenant)?
                .into_iter()
                .map(|i| (i.id, i.address))
                .collect();
            new.into_iter()
                .map(|mail| {
                    let inbox = addresses.get(&mail.inbox_id).cloned().unwrap_or_default();
                    let generic = format!("{} in {inbox}", messages(mail.count));
                    if !content {
                        return Ok(NewMailNotice {
                            inbox_id: mail.inbox_id,
                            count: mail.count,
                            title: "New mail".to_owned(),
                            body: generic,
                            content_shown: false,
                        });
                    }
                    let newest = h
                        .vault
                        .summaries(&scope, &[mail.newest])?
                        .into_iter()
                        .next()
                        .ok_or_else(|| CoreError::NotFound(format!("message {}", mail.newest)))?;
                    let sender = one_line(&newest.sender);
                    let subject = one_line(&newest.subject);
                    let (title, body) = if mail.count == 1 {
                        (sender, subject)
                    } else {
                        (generic, format!("{sender}: {subject}"))
                    };
                    Ok(NewMailNotice {
                        inbox_id: mail.inbox_id,
                        count: mail.count,
                        title,
                        body,
                        content_shown: true,
                    })
                })
                .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_one_line_and_counts_read_well() {
        assert_eq!(one_line(" Invoice\r\n  42\tdue\u{7} "), "Invoice 42 due");
        assert_eq!(messages(1), "1 new message");
        assert_eq!(messages(3), "3 new messages");
    }
}
