//! Secure email from this desktop (issue 17; the protocol is `docs/secure-email.md`). The body
//! and attachments never leave the desktop in the clear: they are sealed here under a fresh
//! `K = HKDF(K_link ‖ K_server)` (helpr-secure); the team server gets the sealed parts and
//! `K_server`; the recipients get a notification mail, sent like any other from the shared
//! inbox, whose link carries `K_link` in its fragment. The vault keeps both halves (sealed),
//! so it opens every entry of the protected thread: the sender's own, the readers' replies
//! and other agents' answers are all stored as messages of the conversation, sealed and
//! indexed like mail ([`Helpr::secure_sync`], run after every team sync).
//!
//! - [`Helpr::send_secure`]: a new protected thread, or (replying in a conversation that has
//!   one) an answer into it, with a notification mail either way.
//! - [`Helpr::secure_sync`]: the server's status of each thread kept, and new entries stored.
//! - [`Helpr::secure_status`]: what the vault knows, offline; revoke and unlock.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use helpr_policy::InboxId;
use helpr_proto::secure::{Author, NewEntry, NewSecure, SealedEntry, SecureView};
use helpr_secure::{
    entry_id, new_message_id, Attachment, LinkKey, MessageKey, SealedPackage, ServerKey,
};
use helpr_team::TeamClient;
use helpr_vault::SecureRecord;
use lettre::message::Mailbox;
use serde::Serialize;

use crate::send::{build, load_typed, mailboxes, Addressed, Copy, SendRequest, SentView};
use crate::{CoreError, Helpr};

/// A sender's choices for a new protected thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecureOptions {
    /// Unix seconds; `None`: the server's default (28 days).
    pub expires_at: Option<i64>,
    /// Opens allowed per recipient; `None`: unlimited.
    pub max_opens: Option<u32>,
}

/// A secure message sent.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SecureSent {
    /// The protected thread's public id.
    pub id: String,
    /// Its entry's number (0: a new thread).
    pub entry: u32,
    /// The local copy of the entry (the secure content), searchable at once.
    pub message: SentView,
    /// The notification mail's local sent copy.
    pub notification: SentView,
}

/// One protected thread as the vault knows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SecureStatus {
    pub id: String,
    pub thread_id: Option<i64>,
    /// The server's last word (recipients, reads, entries, expiry), if it was reached.
    pub status: Option<SecureView>,
    pub entries_stored: u32,
}

/// What [`Helpr::secure_sync`] did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SecureSynced {
    pub threads: usize,
    /// Entries newly stored as messages.
    pub stored: usize,
}

/// The label a reader's reply is filed under.
const INBOX_LABEL: &str = "INBOX";

fn keys_of(record: &SecureRecord) -> Result<(LinkKey, ServerKey), CoreError> {
    let bytes: &[u8] = &record.keys;
    if bytes.len() != 64 {
        return Err(CoreError::Integrity(
            "a secure message's stored key is malformed".into(),
        ));
    }
    let half = |b: &[u8]| <[u8; 32]>::try_from(b).expect("32 bytes");
    Ok((
        LinkKey::from_bytes(half(&bytes[..32])),
        ServerKey::from_bytes(half(&bytes[32..])),
    ))
}

fn to_secure(files: Vec<(String, String, Vec<u8>)>) -> Vec<Attachment> {
    files
        .into_iter()
        .map(|(name, content_type, bytes)| Attachment {
            name,
            content_type,
            bytes,
        })
        .collect()
}

/// The sealed package's parts as the wire carries them.
fn wire(sealed: &SealedPackage) -> (String, Vec<String>) {
    (
        STANDARD.encode(&sealed.manifest),
        sealed
            .attachments
            .iter()
            .map(|a| STANDARD.encode(a))
            .collect(),
    )
}

/// A status's readers as mailboxes (an agent's entry is addressed to them).
fn readers_of(view: &SecureView) -> Vec<Mailbox> {
    view.recipients
        .iter()
        .filter_map(|r| r.address.parse().ok())
        .collect()
}

fn day(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| "its expiry".into())
}

/// The notification's text: who sent it, the link, what happens next. Nothing of the message.
fn notification(sender: &str, link: &str, expires_at: i64, answer: bool) -> String {
    let what = if answer {
        format!("{sender} answered in your secure conversation.")
    } else {
        format!("{sender} sent you a secure message.")
    };
    format!(
        "{what}\n\nOpen it here:\n{link}\n\nTo confirm it is you, we will email a code to this \
         address. The message can be read until {} (UTC). You can reply to it securely on the \
         same page.\n",
        day(expires_at)
    )
}

impl Helpr {
    /// Sends `request` as a secure message from a shared inbox: a new protected thread, or,
    /// when it replies in a conversation that has one, an answer into it. Bad input is refused
    /// before anything leaves; the notification goes through the ordinary send path.
    pub async fn send_secure(
        &self,
        request: SendRequest,
        options: SecureOptions,
    ) -> Result<SecureSent, CoreError> {
        if !request.bcc.is_empty() {
            return Err(CoreError::InvalidInput(
                "a secure message names its readers: put them in To or Cc, not Bcc".into(),
            ));
        }
        let mut readers = mailboxes(&request.to, "--to")?;
        readers.extend(mailboxes(&request.cc, "--cc")?);
        if request.to.is_empty() {
            return Err(CoreError::InvalidInput(
                "give at least one recipient (--to)".into(),
            ));
        }
        let account = self.sending_account(request.from.as_deref()).await?;
        let server_inbox = self.team_binding(account.inbox_id).await?.ok_or_else(|| {
            CoreError::InvalidInput(
                "secure email goes through the team server: send it from a shared inbox".into(),
            )
        })?;
        let (reply, subject) = self.reply_and_subject(&request).await?;
        let files = request
            .attachments
            .iter()
            .map(load_typed)
            .collect::<Result<Vec<_>, _>>()?;
        let client = self.team_client().await?;
        let inbox = InboxId(server_inbox);

        // Replying in a conversation that has a protected thread: answer into it.
        if let Some(parent) = request.reply_to {
            let thread = self
                .with_vault(move |h| {
                    Ok(h.vault.get_message(&h.scope()?, parent)?.summary.thread_id)
                })
                .await?;
            let kept = self
                .with_vault(move |h| Ok(h.vault.secure_messages(h.tenant, Some(thread))?))
                .await?;
            if let Some(record) = kept.into_iter().last() {
                return self
                    .answer_secure(&client, record, request, subject, files)
                    .await;
            }
        }

        let id = new_message_id();
        let (link, server) = (LinkKey::generate(), ServerKey::generate());
        let key = MessageKey::derive(&link, &server);
        let attachments = to_secure(files);
        let sealed = SealedPackage::seal(
            &key,
            &entry_id(&id, 0),
            &subject,
            &request.body,
            &attachments,
        );
        let (manifest, parts) = wire(&sealed);
        let view = client
            .create_secure(
                inbox,
                &NewSecure {
                    id: id.clone(),
                    thread_id: reply.as_ref().and_then(|r| r.gmail_thread_id.clone()),
                    recipients: readers.iter().map(|m| m.email.to_string()).collect(),
                    key_server: URL_SAFE_NO_PAD.encode(server.as_bytes()),
                    manifest,
                    attachments: parts,
                    expires_at: options.expires_at,
                    max_opens: options.max_opens,
                },
            )
            .await?;
        let mut halves = link.as_bytes().to_vec();
        halves.extend_from_slice(server.as_bytes());
        let (local_inbox, public) = (account.inbox_id, id.clone());
        let record_id = self
            .with_vault(move |h| {
                Ok(h.vault
                    .insert_secure(h.tenant, local_inbox, server_inbox, &public, &halves)?)
            })
            .await?;

        let sender = account.address.clone();
        let url = client.secure_link(&id, &link.to_fragment());
        let notice = self
            .send(SendRequest {
                from: Some(account.address.clone()),
                to: request.to.clone(),
                cc: request.cc.clone(),
                bcc: Vec::new(),
                subject: Some(format!("Secure message from {sender}")),
                body: notification(&sender, &url, view.expires_at, false),
                reply_to: request.reply_to,
                attachments: Vec::new(),
            })
            .await?;
        drop(url);
        let notice_id = notice.id;
        let gmail_thread = self
            .with_vault(move |h| Ok(h.vault.gmail_thread_of(&h.scope()?, notice_id)?))
            .await?;
        let thread = notice.thread_id;
        self.with_vault(move |h| Ok(h.vault.set_secure_thread(h.tenant, record_id, thread)?))
            .await?;
        let view = match (&view.thread_id, &gmail_thread) {
            (None, Some(gmail)) => client.bind_secure_thread(inbox, &id, gmail).await?,
            _ => view,
        };
        let copy = self
            .store_entry(
                account.inbox_id,
                &id,
                0,
                &account.address,
                &readers,
                (&subject, &request.body, attachments),
                gmail_thread,
                Copy::SENT,
            )
            .await?;
        let status = view;
        self.keep_status(record_id, &status, 1).await?;
        let detail = format!(
            "recipients={} attachments={} expires_at={}",
            status.recipients.len(),
            sealed.attachments.len(),
            status.expires_at
        );
        self.audit_secure("secure.send", record_id, detail).await?;
        Ok(SecureSent {
            id,
            entry: 0,
            message: copy,
            notification: notice,
        })
    }

    /// Seals and posts an answer into a protected thread as its next entry, stores its copy,
    /// and tells the readers with a notification mail carrying the link again.
    async fn answer_secure(
        &self,
        client: &TeamClient,
        record: SecureRecord,
        request: SendRequest,
        subject: String,
        files: Vec<(String, String, Vec<u8>)>,
    ) -> Result<SecureSent, CoreError> {
        let inbox = InboxId(record.server_inbox);
        let (link, server) = keys_of(&record)?;
        let key = MessageKey::derive(&link, &server);
        let attachments = to_secure(files);
        let id = record.public_id.clone();
        // Sealed for the next place; another entry taking it first means sealing again.
        let mut tries = 0;
        let (n, view) = loop {
            let view = self.server_status(client, &record).await?;
            let n = view.entries.len() as u32;
            let sealed = SealedPackage::seal(
                &key,
                &entry_id(&id, n),
                &subject,
                &request.body,
                &attachments,
            );
            let (manifest, parts) = wire(&sealed);
            let entry = NewEntry {
                n,
                manifest,
                attachments: parts,
            };
            match client.answer_secure(inbox, &id, &entry).await {
                Ok(_) => break (n, view),
                Err(helpr_team::TeamError::Api { status: 409, .. }) if tries < 3 => tries += 1,
                Err(e) => return Err(e.into()),
            }
        };
        let account = self.account_of_inbox(record.inbox_id).await?;
        let url = client.secure_link(&id, &link.to_fragment());
        let notice = self
            .send(SendRequest {
                from: Some(account.clone()),
                to: request.to.clone(),
                cc: request.cc.clone(),
                bcc: Vec::new(),
                subject: Some(format!("Secure message from {account}")),
                body: notification(&account, &url, view.expires_at, true),
                reply_to: request.reply_to,
                attachments: Vec::new(),
            })
            .await?;
        let gmail_thread = self.gmail_thread_of_record(&record).await?;
        let readers = readers_of(&view);
        let copy = self
            .store_entry(
                record.inbox_id,
                &id,
                n,
                &account,
                &readers,
                (&subject, &request.body, attachments),
                gmail_thread,
                Copy::SENT,
            )
            .await?;
        // The answer is posted and stored; the status catches up now or at the next sync.
        if let Err(e) = self.secure_sync().await {
            tracing::warn!(
                code = e.code(),
                "secure status not refreshed after an answer"
            );
        }
        Ok(SecureSent {
            id,
            entry: n,
            message: copy,
            notification: notice,
        })
    }

    /// Appends an entry about protected thread `record` to the vault's audit trail.
    async fn audit_secure(
        &self,
        action: &'static str,
        record: i64,
        detail: String,
    ) -> Result<(), CoreError> {
        self.with_vault(move |h| h.audit(action, Some(("secure_message", record)), detail))
            .await
    }

    /// Records in the vault's audit trail each read the server reports that the kept status
    /// did not have yet: a reader's key release, with its time.
    async fn audit_new_reads(
        &self,
        record: &SecureRecord,
        view: &SecureView,
    ) -> Result<(), CoreError> {
        let kept: Option<SecureView> = record
            .status
            .as_ref()
            .and_then(|s| serde_json::from_slice(s).ok());
        for reader in &view.recipients {
            let known = kept
                .as_ref()
                .and_then(|k| k.recipients.iter().find(|r| r.n == reader.n))
                .map_or(0, |r| r.reads.len());
            for at in reader.reads.iter().skip(known) {
                let detail = format!("recipient={} read_at={at}", reader.n);
                self.audit_secure("secure.read", record.id, detail).await?;
            }
        }
        Ok(())
    }

    /// The Gmail thread of a protected thread's local conversation, if it has one.
    async fn gmail_thread_of_record(
        &self,
        record: &SecureRecord,
    ) -> Result<Option<String>, CoreError> {
        let Some(thread) = record.thread_id else {
            return Ok(None);
        };
        self.with_vault(move |h| Ok(h.vault.team_thread(h.tenant, thread)?.map(|(_, g)| g)))
            .await
    }

    /// The address of local inbox `inbox`'s account.
    async fn account_of_inbox(&self, inbox: i64) -> Result<String, CoreError> {
        let accounts = self.accounts().await?;
        accounts
            .into_iter()
            .find(|a| a.inbox_id == inbox)
            .map(|a| a.address)
            .ok_or_else(|| CoreError::NotFound("the secure message's inbox is gone".into()))
    }

    /// The server's status of one protected thread.
    async fn server_status(
        &self,
        client: &TeamClient,
        record: &SecureRecord,
    ) -> Result<SecureView, CoreError> {
        client
            .secure_messages(InboxId(record.server_inbox), None)
            .await?
            .messages
            .into_iter()
            .find(|m| m.id == record.public_id)
            .ok_or_else(|| CoreError::NotFound("the team server no longer shows it".into()))
    }

    async fn keep_status(
        &self,
        record: i64,
        view: &SecureView,
        entries_stored: u32,
    ) -> Result<(), CoreError> {
        let json = serde_json::to_vec(view).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.with_vault(move |h| {
            Ok(h.vault
                .set_secure_status(h.tenant, record, &json, entries_stored)?)
        })
        .await
    }

    /// Stores entry `n` as a message of the conversation (Gmail thread `gmail_thread`): from
    /// `from` to `to`, with its own Message-ID, so storing it twice is refused.
    #[allow(clippy::too_many_arguments)]
    async fn store_entry(
        &self,
        inbox: i64,
        id: &str,
        n: u32,
        from: &str,
        to: &[Mailbox],
        (subject, body, attachments): (&str, &str, Vec<Attachment>),
        gmail_thread: Option<String>,
        copy: Copy,
    ) -> Result<SentView, CoreError> {
        let from: Mailbox = from.parse().map_err(|_| {
            CoreError::Integrity("a secure message's sender is not an address".into())
        })?;
        let files = attachments
            .into_iter()
            .map(|a| {
                let ct = lettre::message::header::ContentType::parse(&a.content_type)
                    .unwrap_or_else(|_| {
                        lettre::message::header::ContentType::parse("application/octet-stream")
                            .expect("a type")
                    });
                (a.name, ct, a.bytes)
            })
            .collect();
        let stamp = Some((
            format!("<secure-{id}-{n}@helpr>"),
            std::time::SystemTime::now(),
        ));
        let outgoing = build(
            Addressed {
                from,
                to: to.to_vec(),
                cc: Vec::new(),
                bcc: Vec::new(),
            },
            subject.to_owned(),
            body.to_owned(),
            None,
            files,
            stamp,
        )?;
        self.with_vault(move |h| h.store_copy(inbox, outgoing, gmail_thread, copy))
            .await
    }

    /// Brings every protected thread kept here up to date: its status from the server, and
    /// each entry not yet stored (readers' replies, other agents' answers) opened with the
    /// kept key and stored as a message of its conversation. A thread the server no longer
    /// shows keeps its last status.
    pub async fn secure_sync(&self) -> Result<SecureSynced, CoreError> {
        let records = self
            .with_vault(|h| Ok(h.vault.secure_messages(h.tenant, None)?))
            .await?;
        let mut done = SecureSynced::default();
        if records.is_empty() {
            return Ok(done);
        }
        let client = self.team_client().await?;
        let mut inboxes: Vec<i64> = records.iter().map(|r| r.server_inbox).collect();
        inboxes.sort_unstable();
        inboxes.dedup();
        let mut views = Vec::new();
        for inbox in inboxes {
            views.extend(client.secure_messages(InboxId(inbox), None).await?.messages);
        }
        for record in records {
            let Some(view) = views.iter().find(|v| v.id == record.public_id) else {
                continue;
            };
            done.threads += 1;
            self.audit_new_reads(&record, view).await?;
            let mut stored = record.entries_stored;
            if !(view.revoked || view.expired) {
                stored = self
                    .store_new_entries(&client, &record, view, &mut done)
                    .await?;
            }
            self.keep_status(record.id, view, stored).await?;
        }
        Ok(done)
    }

    async fn store_new_entries(
        &self,
        client: &TeamClient,
        record: &SecureRecord,
        view: &SecureView,
        done: &mut SecureSynced,
    ) -> Result<u32, CoreError> {
        let (link, server) = keys_of(record)?;
        let key = MessageKey::derive(&link, &server);
        let account = self.account_of_inbox(record.inbox_id).await?;
        let gmail_thread = self.gmail_thread_of_record(record).await?;
        // Who a stored entry is addressed to: the readers (an agent's entry), or the inbox.
        let readers = readers_of(view);
        let inbox_box: Vec<Mailbox> = account.parse().into_iter().collect();
        let first = record.entries_stored;
        let mut stored = first;
        for entry in view.entries.iter().filter(|e| e.n >= first) {
            let sealed: SealedEntry = client
                .secure_entry(InboxId(record.server_inbox), &view.id, entry.n)
                .await?;
            let decode = |s: &str| {
                STANDARD
                    .decode(s)
                    .map_err(|_| CoreError::Integrity("a secure entry is not base64".into()))
            };
            let package = SealedPackage {
                manifest: decode(&sealed.manifest)?,
                attachments: sealed
                    .attachments
                    .iter()
                    .map(|a| decode(a))
                    .collect::<Result<_, _>>()?,
            };
            let place = entry_id(&view.id, entry.n);
            let unopenable =
                |_| CoreError::Integrity("a secure entry does not open with its key".into());
            let manifest = package.open_manifest(&key, &place).map_err(unopenable)?;
            let mut attachments = Vec::with_capacity(manifest.attachments.len());
            for (k, meta) in manifest.attachments.iter().enumerate() {
                attachments.push(Attachment {
                    name: meta.name.clone(),
                    content_type: meta.content_type.clone(),
                    bytes: package
                        .open_attachment(&key, &place, k)
                        .map_err(unopenable)?,
                });
            }
            let reader = entry
                .recipient
                .and_then(|r| view.recipients.iter().find(|x| x.n == r))
                .map(|r| r.address.clone());
            let (from, to, copy) = match (sealed.from, reader) {
                (Author::Sender, _) | (_, None) => (account.clone(), readers.clone(), Copy::SENT),
                (_, Some(reader)) => (
                    reader,
                    inbox_box.clone(),
                    Copy {
                        label: INBOX_LABEL,
                        unread: true,
                        what: "the secure reply",
                    },
                ),
            };
            let result = self
                .store_entry(
                    record.inbox_id,
                    &view.id,
                    entry.n,
                    &from,
                    &to,
                    (&manifest.subject, &manifest.body, attachments),
                    gmail_thread.clone(),
                    copy,
                )
                .await;
            match result {
                Ok(_) => done.stored += 1,
                // Stored before (the sender's own copy, or a sync cut short after storing).
                Err(CoreError::AlreadyExists(_)) => {}
                Err(e) => return Err(e),
            }
            stored = entry.n + 1;
        }
        Ok(stored)
    }

    /// What the vault knows of its protected threads (of local conversation `thread`, or
    /// all), offline.
    pub async fn secure_status(&self, thread: Option<i64>) -> Result<Vec<SecureStatus>, CoreError> {
        let records = self
            .with_vault(move |h| Ok(h.vault.secure_messages(h.tenant, thread)?))
            .await?;
        records
            .into_iter()
            .map(|r| {
                let status = r
                    .status
                    .as_ref()
                    .map(|s| serde_json::from_slice(s))
                    .transpose()
                    .map_err(|e| CoreError::Integrity(format!("a kept secure status: {e}")))?;
                Ok(SecureStatus {
                    id: r.public_id.clone(),
                    thread_id: r.thread_id,
                    status,
                    entries_stored: r.entries_stored,
                })
            })
            .collect()
    }

    async fn kept_secure(&self, public_id: &str) -> Result<SecureRecord, CoreError> {
        let id = public_id.to_owned();
        self.with_vault(move |h| Ok(h.vault.secure_message(h.tenant, &id)?))
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("no secure message {public_id} here")))
    }

    /// Revokes one recipient, or (`None`) the message for all: the server deletes its half of
    /// the key (and, for all, every part), so the link is useless from then on.
    pub async fn secure_revoke(
        &self,
        public_id: &str,
        recipient: Option<u32>,
    ) -> Result<SecureView, CoreError> {
        let record = self.kept_secure(public_id).await?;
        let client = self.team_client().await?;
        let view = client
            .revoke_secure(InboxId(record.server_inbox), public_id, recipient)
            .await?;
        self.keep_status(record.id, &view, record.entries_stored)
            .await?;
        let detail = recipient.map_or("all".to_owned(), |n| format!("recipient={n}"));
        self.audit_secure("secure.revoke", record.id, detail)
            .await?;
        Ok(view)
    }

    /// Lifts a recipient's lockout (too many wrong codes).
    pub async fn secure_unlock(
        &self,
        public_id: &str,
        recipient: u32,
    ) -> Result<SecureView, CoreError> {
        let record = self.kept_secure(public_id).await?;
        let client = self.team_client().await?;
        let view = client
            .unlock_secure(InboxId(record.server_inbox), public_id, recipient)
            .await?;
        self.keep_status(record.id, &view, record.entries_stored)
            .await?;
        self.audit_secure("secure.unlock", record.id, format!("recipient={recipient}"))
            .await?;
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notification_holds_the_link_and_nothing_of_the_message() {
        let text = notification(
            "support@acme.test",
            "https://team.test/s/abc#KEY",
            1_800_000_000,
            false,
        );
        assert!(text.contains("https://team.test/s/abc#KEY"));
        assert!(text.contains("support@acme.test sent you a secure message."));
        assert!(text.contains("2027-01-15"));
    }
}
