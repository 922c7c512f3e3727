//! Sending mail from a connected Gmail account (DESIGN §6): [`Helpr::send`] checks the
//! request, builds the MIME message with lettre's builder (fresh `Message-ID <uuid@helpr>`,
//! Date, From = the account, To, Cc; `multipart/mixed` when there are attachments), submits
//! it through helpr-gmail's [`Sender`] (SMTP XOAUTH2, refresh and retry once), and then stores
//! the exact bytes sent as the local sent copy.
//!
//! A reply (`reply_to` = a local message id) takes `In-Reply-To`, `References` and the `Re:`
//! subject from the parent's stored headers (helpr-gmail's [`ReplyHeaders`]) and the parent's
//! Gmail thread id, so Gmail and the vault both put it in the parent's thread.
//!
//! Nothing is stored unless the server accepted the message. The sent copy goes through the
//! import pipeline (`helpr_mail::parse` + `to_new_message`) into the account's Gmail inbox —
//! label `SENT`, read, no Gmail id yet, de-duplicated by `mid:<Message-ID>` — under the index
//! writer-first rule, so it is searchable as soon as `send` returns. When sync later brings
//! Gmail's copy, the vault matches it by Message-ID and gives the local copy its Gmail id
//! instead of storing it twice (`helpr_vault::gmail_sync`).

use std::path::PathBuf;

use helpr_gmail::send::reply::{Parent, ReplyHeaders};
use helpr_gmail::{SendError, Sender};
use helpr_mail::{parse, KeptHeaders, RawMessage};
use helpr_vault::{AccountState, GmailAccount, InsertOutcome};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use serde::Serialize;

use crate::import::to_new_message;
use crate::{CoreError, Helpr};

/// Gmail's label for mail the account sent.
const SENT_LABEL: &str = "SENT";

/// One attachment of an outgoing message.
#[derive(Debug, Clone)]
pub enum OutgoingAttachment {
    /// A file, read when the message is built; its type guessed from the extension.
    File(PathBuf),
    /// Bytes in memory (the desktop shell); `content_type` `None` = guessed from `name`.
    Bytes {
        name: String,
        content_type: Option<String>,
        data: Vec<u8>,
    },
}

/// What to send. Addresses are `user@host` or `Name <user@host>`.
#[derive(Debug, Clone, Default)]
pub struct SendRequest {
    /// The Gmail account to send from; `None` = the first connected one.
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Blind copies: in the SMTP envelope, not in the headers sent or stored.
    pub bcc: Vec<String>,
    /// Required unless `reply_to` is set (then `Re: <parent's subject>` by default).
    pub subject: Option<String>,
    pub body: String,
    /// The local id of the message this replies to.
    pub reply_to: Option<i64>,
    pub attachments: Vec<OutgoingAttachment>,
}

/// A sent message's local copy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SentView {
    /// The local message id (for `show`, `list`, a later reply).
    pub id: i64,
    pub thread_id: i64,
    /// The `Message-ID` header as sent, with angle brackets.
    pub message_id: String,
}

impl From<SendError> for CoreError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Token(t) => t.into(),
            e @ (SendError::InvalidAddress(_) | SendError::NoRecipients) => {
                CoreError::InvalidInput(e.to_string())
            }
            e => CoreError::Remote {
                code: e.code(),
                message: e.to_string(),
            },
        }
    }
}

/// Parses the `--to`/`--cc` list; the error names the flag and position, not the address.
pub(crate) fn mailboxes(list: &[String], flag: &str) -> Result<Vec<Mailbox>, CoreError> {
    list.iter()
        .enumerate()
        .map(|(i, a)| {
            a.trim().parse::<Mailbox>().map_err(|_| {
                CoreError::InvalidInput(format!(
                    "{flag} address #{} is not a valid email address",
                    i + 1
                ))
            })
        })
        .collect()
}

/// A content type from a file name's extension; `application/octet-stream` when unknown.
pub fn content_type_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "text" | "log" | "md" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "ics" => "text/calendar",
        "pdf" => "application/pdf",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// An attachment read and typed: (file name, content type, bytes).
pub(crate) type Loaded = (String, ContentType, Vec<u8>);

/// An attachment read, with its content type checked: (file name, content type, bytes).
pub(crate) fn load_typed(
    attachment: &OutgoingAttachment,
) -> Result<(String, String, Vec<u8>), CoreError> {
    let (name, _, data) = load(attachment)?;
    let ct = match attachment {
        OutgoingAttachment::Bytes {
            content_type: Some(ct),
            ..
        } => ct.clone(),
        _ => content_type_for(&name).to_owned(),
    };
    Ok((name, ct, data))
}

pub(crate) fn load(attachment: &OutgoingAttachment) -> Result<Loaded, CoreError> {
    let (name, content_type, data) = match attachment {
        OutgoingAttachment::File(path) => {
            let data = std::fs::read(path).map_err(|e| {
                CoreError::InvalidInput(format!(
                    "attachment {} cannot be read: {e}",
                    path.display()
                ))
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| {
                    CoreError::InvalidInput(format!("attachment {} is not a file", path.display()))
                })?;
            (name, None, data)
        }
        OutgoingAttachment::Bytes {
            name,
            content_type,
            data,
        } => (name.clone(), content_type.clone(), data.clone()),
    };
    let ct = content_type.unwrap_or_else(|| content_type_for(&name).to_owned());
    let ct = ContentType::parse(&ct).map_err(|_| {
        CoreError::InvalidInput(format!("attachment {name}: `{ct}` is not a content type"))
    })?;
    Ok((name, ct, data))
}

/// How a local copy is filed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Copy {
    pub(crate) label: &'static str,
    pub(crate) unread: bool,
    /// What it is, for errors.
    pub(crate) what: &'static str,
}

impl Copy {
    pub(crate) const SENT: Copy = Copy {
        label: SENT_LABEL,
        unread: false,
        what: "the sent message",
    };
}

/// What a reply takes from its parent.
pub(crate) struct ReplyContext {
    pub(crate) headers: ReplyHeaders,
    pub(crate) gmail_thread_id: Option<String>,
}

/// The message as it goes on the wire, and what storing its copy needs.
pub(crate) struct Outgoing {
    pub(crate) raw: Vec<u8>,
    pub(crate) recipients: Vec<String>,
    pub(crate) message_id: String,
}

/// Who a message is from and to.
pub(crate) struct Addressed {
    pub(crate) from: Mailbox,
    pub(crate) to: Vec<Mailbox>,
    pub(crate) cc: Vec<Mailbox>,
    pub(crate) bcc: Vec<Mailbox>,
}

/// A message's own `Message-ID` and `Date`, for a copy of something not sent by mail (a
/// secure message's entry); `None`: fresh ones, now.
pub(crate) type Stamp = Option<(String, std::time::SystemTime)>;

pub(crate) fn build(
    Addressed { from, to, cc, bcc }: Addressed,
    subject: String,
    body: String,
    reply: Option<&ReplyHeaders>,
    attachments: Vec<Loaded>,
    stamp: Stamp,
) -> Result<Outgoing, CoreError> {
    let (message_id, date) = stamp.unwrap_or_else(|| {
        (
            format!("<{}@helpr>", uuid::Uuid::new_v4()),
            std::time::SystemTime::now(),
        )
    });
    let mut recipients: Vec<String> = Vec::new();
    for m in to.iter().chain(&cc).chain(&bcc) {
        let email = m.email.to_string();
        if !recipients.iter().any(|r| r.eq_ignore_ascii_case(&email)) {
            recipients.push(email);
        }
    }
    let mut b = Message::builder()
        .from(from)
        .subject(subject)
        .message_id(Some(message_id.clone()))
        .date(date);
    for m in to {
        b = b.to(m);
    }
    for m in cc {
        b = b.cc(m);
    }
    // lettre drops the Bcc header once the envelope is made: blind copies stay blind.
    for m in bcc {
        b = b.bcc(m);
    }
    if let Some(r) = reply {
        if let Some(irt) = &r.in_reply_to {
            b = b.in_reply_to(irt.clone());
        }
        if let Some(refs) = &r.references {
            b = b.references(refs.clone());
        }
    }
    let text = SinglePart::plain(body);
    let message = if attachments.is_empty() {
        b.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for (name, ct, data) in attachments {
            // Base64 keeps the bytes exact: 7bit would send a text file's bare LFs, which
            // servers turn into CRLFs.
            let body = Body::new_with_encoding(data, ContentTransferEncoding::Base64)
                .map_err(|_| CoreError::Internal("attachment encoding".into()))?;
            parts = parts.singlepart(Attachment::new(name).body(body, ct));
        }
        b.multipart(parts)
    }
    .map_err(|e| CoreError::InvalidInput(format!("the message cannot be built: {e}")))?;
    Ok(Outgoing {
        raw: message.formatted(),
        recipients,
        message_id,
    })
}

impl Helpr {
    /// Sends `request` from a connected Gmail account and stores the sent copy (searchable at
    /// once). Bad input is `invalid_input` before anything is sent; a failed submission stores
    /// nothing.
    pub async fn send(&self, request: SendRequest) -> Result<SentView, CoreError> {
        let to = mailboxes(&request.to, "--to")?;
        let cc = mailboxes(&request.cc, "--cc")?;
        let bcc = mailboxes(&request.bcc, "--bcc")?;
        if to.is_empty() {
            return Err(CoreError::InvalidInput(
                "give at least one recipient (--to)".into(),
            ));
        }
        let account = self.sending_account(request.from.as_deref()).await?;
        let from: Mailbox = account.address.parse().map_err(|_| {
            CoreError::Integrity("the account's stored address is not valid".into())
        })?;
        let (reply, subject) = self.reply_and_subject(&request).await?;
        let attachments = request
            .attachments
            .iter()
            .map(load)
            .collect::<Result<Vec<_>, _>>()?;
        let outgoing = build(
            Addressed { from, to, cc, bcc },
            subject,
            request.body,
            reply.as_ref().map(|r| &r.headers),
            attachments,
            None,
        )?;

        let inbox = account.inbox_id;
        let mut thread = reply.and_then(|r| r.gmail_thread_id);
        match self.team_binding(inbox).await? {
            // A shared inbox of the team server: it submits, with the account's grant, which
            // this desktop never holds; it decides whether this user may answer.
            Some(server_inbox) => {
                let sent = self
                    .team_send(server_inbox, &outgoing.raw, thread.clone())
                    .await?;
                thread = thread.or(sent.thread_id);
            }
            None => {
                let (config, tokens) = self.token_source(&account).await?;
                let sender = Sender::new(config.smtp.clone(), config.tls.extra_ca_pem.clone());
                sender
                    .send_raw(
                        &tokens,
                        &account.address,
                        &outgoing.recipients,
                        &outgoing.raw,
                    )
                    .await?;
            }
        }

        self.with_vault(move |h| h.store_copy(inbox, outgoing, thread, Copy::SENT))
            .await
            .map_err(|e| {
                CoreError::Storage(format!(
                    "the message was sent, but its local copy was not stored (the next sync \
                     brings Gmail's copy): {e}"
                ))
            })
    }

    /// The account named by `from`; else the first connected one, else the first needing a
    /// reconnect (so the error says so).
    pub(crate) async fn sending_account(
        &self,
        from: Option<&str>,
    ) -> Result<GmailAccount, CoreError> {
        if let Some(address) = from {
            return self.account(address.trim()).await;
        }
        let mut accounts = self.accounts().await?;
        accounts.retain(|a| a.state != AccountState::Disconnected);
        accounts.sort_by_key(|a| a.state != AccountState::Connected);
        accounts.into_iter().next().ok_or_else(|| {
            CoreError::InvalidInput(
                "no Gmail account is connected; run `helpr connect gmail` first".into(),
            )
        })
    }

    /// What `request` answers (if anything) and its subject: its own, else `Re:` the parent's.
    pub(crate) async fn reply_and_subject(
        &self,
        request: &SendRequest,
    ) -> Result<(Option<ReplyContext>, String), CoreError> {
        let reply = match request.reply_to {
            Some(id) => Some(self.reply_context(id).await?),
            None => None,
        };
        let subject = match (&request.subject, &reply) {
            (Some(s), _) => s.clone(),
            (None, Some(r)) => r.headers.subject.clone(),
            (None, None) => {
                return Err(CoreError::InvalidInput(
                    "give a subject (--subject), or --reply-to to derive it".into(),
                ))
            }
        };
        Ok((reply, subject))
    }

    /// The parent's threading headers and Gmail thread id.
    pub(crate) async fn reply_context(&self, id: i64) -> Result<ReplyContext, CoreError> {
        self.with_vault(move |h| {
            let scope = h.scope()?;
            let parent = h.vault.get_message(&scope, id)?;
            let headers: KeptHeaders = serde_json::from_slice(&parent.headers).map_err(|_| {
                CoreError::Integrity(format!("message {id}: stored headers do not decode"))
            })?;
            let reply = ReplyHeaders::to(Parent {
                message_id: headers.message_id.as_deref(),
                references: &headers.references,
                in_reply_to: &headers.in_reply_to,
                subject: &parent.summary.subject,
            });
            Ok(ReplyContext {
                headers: reply,
                gmail_thread_id: h.vault.gmail_thread_of(&scope, id)?,
            })
        })
        .await
    }

    /// Stores the bytes sent as the local copy, under the writer-first rule (the sent copy of
    /// a message, or a secure message's entry).
    pub(crate) fn store_copy(
        &self,
        inbox: i64,
        outgoing: Outgoing,
        gmail_thread_id: Option<String>,
        copy: Copy,
    ) -> Result<SentView, CoreError> {
        // What the server stores: the bytes, then the CRLF of the `\r\n.\r\n` that ends
        // DATA (lettre always writes it; RFC 5321 counts it as the last line's end). Parsing
        // exactly that makes the local copy's body equal to Gmail's.
        let mut bytes = outgoing.raw;
        bytes.extend_from_slice(b"\r\n");
        let raw = RawMessage {
            origin: "sent".into(),
            source_bytes: bytes.len() as u64,
            bytes,
            seen: Some(true),
            internal_date: None,
        };
        let internal = |what: &str| CoreError::Internal(format!("the sent message {what}"));
        let mail = parse(&raw.bytes).map_err(|_| internal("does not parse"))?;
        let (mut msg, _doc) =
            to_new_message(self.tenant, inbox, &raw, mail).map_err(|_| internal("is rejected"))?;
        let bare = outgoing
            .message_id
            .trim_start_matches('<')
            .trim_end_matches('>');
        if msg.message_id.as_deref() != Some(bare) {
            return Err(internal("lost its Message-ID"));
        }
        msg.dedupe_key = [b"mid:".as_slice(), bare.as_bytes()].concat();
        msg.labels = vec![copy.label.to_owned()];
        msg.unread = copy.unread;
        msg.gmail_id = None;
        msg.gmail_thread_id = gmail_thread_id;
        let tenant = self.tenant;
        let outcome = self.indexed_change(|vault| Ok(vault.insert_messages(tenant, &[msg])?))?;
        let (id, thread_id) = match outcome.first() {
            Some(InsertOutcome::Inserted { id, thread_id }) => (*id, *thread_id),
            _ => {
                return Err(CoreError::AlreadyExists(format!(
                    "{} was already stored",
                    copy.what
                )))
            }
        };
        Ok(SentView {
            id,
            thread_id,
            message_id: outgoing.message_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type_for("report.PDF"), "application/pdf");
        assert_eq!(content_type_for("notes.txt"), "text/plain");
        assert_eq!(content_type_for("photo.jpeg"), "image/jpeg");
        assert_eq!(content_type_for("blob.bin"), "application/octet-stream");
        assert_eq!(content_type_for("README"), "application/octet-stream");
    }

    #[test]
    fn bad_addresses_name_the_flag_and_position_only() {
        let e = mailboxes(&["a@x.org".into(), "nobody-at-all".into()], "--cc").unwrap_err();
        let text = e.to_string();
        assert_eq!(e.code(), "invalid_input");
        assert!(text.contains("--cc address #2"), "{text}");
        assert!(!text.contains("nobody-at-all"), "{text}");
        assert_eq!(
            mailboxes(&["Ana <ana@x.org>".into()], "--to").unwrap()[0]
                .email
                .to_string(),
            "ana@x.org"
        );
    }

    #[test]
    fn built_messages_carry_the_reply_headers_and_parse_back() {
        let reply = ReplyHeaders::to(Parent {
            message_id: Some("p@x"),
            references: &["root@x".to_owned()],
            in_reply_to: &[],
            subject: "Plan",
        });
        let out = build(
            Addressed {
                from: "user@example.com".parse().unwrap(),
                to: vec!["Bob <bob@example.org>".parse().unwrap()],
                cc: vec!["carol@example.org".parse().unwrap()],
                bcc: vec![
                    "hidden@example.org".parse().unwrap(),
                    "BOB@example.org".parse().unwrap(),
                ],
            },
            reply.subject.clone(),
            "Hello there".into(),
            Some(&reply),
            vec![(
                "a.txt".into(),
                ContentType::parse("text/plain").unwrap(),
                b"attached words".to_vec(),
            )],
            None,
        )
        .unwrap();
        assert_eq!(
            out.recipients,
            ["bob@example.org", "carol@example.org", "hidden@example.org"]
        );
        assert!(
            !String::from_utf8_lossy(&out.raw).contains("hidden@"),
            "a blind copy is not in the headers"
        );
        let mail = parse(&out.raw).unwrap();
        assert_eq!(mail.subject, "Re: Plan");
        assert_eq!(mail.headers.in_reply_to, ["p@x"]);
        assert_eq!(mail.headers.references, ["root@x", "p@x"]);
        assert_eq!(
            format!("<{}>", mail.headers.message_id.unwrap()),
            out.message_id
        );
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].name, "a.txt");
        assert_eq!(mail.attachments[0].data, b"attached words");
        assert!(mail.text.contains("Hello there"));
    }
}
