//! Compose: drafts kept sealed in the vault while an agent writes, the reply, reply-all and
//! forward templates, and sending a draft.
//!
//! A [`Draft`] is sealed whole (recipients, subject, body, attachments) as one vault record on
//! every save ([`Helpr::save_draft`]; the desktop saves as the agent types), so a crash loses no
//! draft. [`Helpr::compose`] starts one: a reply goes to the parent's `Reply-To` (else its
//! sender), reply-all adds the parent's To and Cc without the inbox's own address, both quote
//! the parent; a forward carries the parent's text and its attachments. An unsent reply is
//! resumed, not started twice. [`Helpr::send_draft`] sends through [`Helpr::send`] and drops
//! the draft only once Gmail accepted the message; a draft marked secure goes as secure email
//! ([`Helpr::send_secure`]).

use helpr_mail::KeptHeaders;
use helpr_vault::{DraftPlace, StoredDraft};
use serde::{Deserialize, Serialize};

use crate::send::{OutgoingAttachment, SendRequest, SentView};
use crate::team::secure::SecureOptions;
use crate::{CoreError, Helpr};

/// Gmail's limit for one message's attachments (25 MB), checked before anything is saved.
pub const MAX_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;

/// What the agent is writing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// `None` until first saved.
    pub id: Option<i64>,
    /// The Gmail account it is sent from; `None` = the first connected one.
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub body: String,
    /// The local id of the message this answers (threading headers come from it).
    pub reply_to: Option<i64>,
    pub attachments: Vec<DraftAttachment>,
    /// Sent as secure email from a shared inbox (`None`: as ordinary mail).
    pub secure: Option<SecureChoice>,
    /// Seconds since the Unix epoch of the last save (set by the vault).
    pub updated_at: Option<i64>,
}

/// A secure message's options, as the agent set them in compose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecureChoice {
    /// Its life in days (1 to 366); `None`: 28.
    pub expires_in_days: Option<u32>,
    /// Opens allowed per reader; `None`: no limit.
    pub max_opens: Option<u32>,
}

/// One attachment of a draft; its bytes cross the IPC edge as base64.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAttachment {
    pub name: String,
    pub content_type: String,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

/// How a draft starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComposeMode {
    New,
    Reply,
    ReplyAll,
    Forward,
}

/// A draft in a list: no body, no attachment bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftSummary {
    pub id: i64,
    pub to: Vec<String>,
    pub subject: String,
    pub reply_to: Option<i64>,
    pub attachments: usize,
    pub updated_at: i64,
}

mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|_| serde::de::Error::custom("attachment data is not base64"))
    }
}

impl Draft {
    fn check(&self) -> Result<(), CoreError> {
        let total: usize = self.attachments.iter().map(|a| a.data.len()).sum();
        if total > MAX_ATTACHMENT_BYTES {
            return Err(CoreError::InvalidInput(format!(
                "attachments total {} MB; Gmail accepts at most 25 MB per message",
                total.div_ceil(1024 * 1024)
            )));
        }
        if self.attachments.iter().any(|a| a.name.trim().is_empty()) {
            return Err(CoreError::InvalidInput("an attachment has no name".into()));
        }
        Ok(())
    }

    fn from_stored(d: StoredDraft) -> Result<Draft, CoreError> {
        let mut draft: Draft = serde_json::from_slice(&d.content)
            .map_err(|_| CoreError::Integrity(format!("draft {}: does not decode", d.id)))?;
        draft.id = Some(d.id);
        draft.updated_at = Some(d.updated_at);
        Ok(draft)
    }

    fn into_request(self) -> SendRequest {
        SendRequest {
            from: self.from,
            to: self.to,
            cc: self.cc,
            bcc: self.bcc,
            subject: Some(self.subject).filter(|s| !s.trim().is_empty()),
            body: self.body,
            reply_to: self.reply_to,
            attachments: self
                .attachments
                .into_iter()
                .map(|a| OutgoingAttachment::Bytes {
                    name: a.name,
                    content_type: Some(a.content_type).filter(|t| !t.is_empty()),
                    data: a.data,
                })
                .collect(),
        }
    }
}

/// `Re: subject` unless it already starts so (any case); likewise `Fwd: `.
fn prefixed(prefix: &str, subject: &str) -> String {
    let has = subject
        .get(..prefix.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(prefix));
    if has {
        subject.to_owned()
    } else {
        format!("{prefix}{subject}")
    }
}

fn when(date: i64) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day padding:none] [month repr:short] [year] at [hour]:[minute] UTC"
    );
    time::OffsetDateTime::from_unix_timestamp(date)
        .ok()
        .and_then(|d| d.format(&format).ok())
        .unwrap_or_default()
}

fn quote(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| {
            if l.is_empty() {
                ">".into()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Adds each of `from` whose address is not `own` and not yet in `into` (case-insensitive).
fn add_unique(into: &mut Vec<String>, seen: &mut Vec<String>, from: &[helpr_mail::Mailbox]) {
    for m in from {
        let key = m.address.to_lowercase();
        if !seen.contains(&key) {
            seen.push(key);
            into.push(m.to_string());
        }
    }
}

impl Helpr {
    /// A new draft: empty, or answering / forwarding message `of` (required unless `New`).
    /// A reply whose draft already exists resumes that draft. Nothing is saved until
    /// [`Helpr::save_draft`].
    pub async fn compose(&self, mode: ComposeMode, of: Option<i64>) -> Result<Draft, CoreError> {
        let Some(id) = of else {
            return match mode {
                ComposeMode::New => Ok(Draft::default()),
                _ => Err(CoreError::InvalidInput(
                    "a reply or forward names the message it answers".into(),
                )),
            };
        };
        if mode != ComposeMode::Forward {
            if let Some(existing) = self
                .with_vault(move |h| {
                    Ok(h.vault
                        .drafts(h.tenant)?
                        .into_iter()
                        .find(|d| d.reply_to == Some(id)))
                })
                .await?
            {
                return Draft::from_stored(existing);
            }
        }
        let parent = self
            .with_vault(move |h| Ok(h.vault.get_message(&h.scope()?, id)?))
            .await?;
        let own = self
            .accounts()
            .await?
            .into_iter()
            .find(|a| a.inbox_id == parent.summary.inbox_id);
        let headers: KeptHeaders = serde_json::from_slice(&parent.headers)
            .map_err(|_| CoreError::Integrity(format!("message {id}: headers do not decode")))?;
        let mut draft = Draft {
            from: own.as_ref().map(|a| a.address.clone()),
            ..Draft::default()
        };
        let mut seen: Vec<String> = own.iter().map(|a| a.address.to_lowercase()).collect();
        match mode {
            ComposeMode::New => return Ok(draft),
            ComposeMode::Reply | ComposeMode::ReplyAll => {
                let direct = if headers.reply_to.is_empty() {
                    &headers.from
                } else {
                    &headers.reply_to
                };
                add_unique(&mut draft.to, &mut seen, direct);
                if draft.to.is_empty() {
                    // Answering one's own message: it goes to the same people again.
                    add_unique(&mut draft.to, &mut Vec::new(), &headers.to);
                }
                if mode == ComposeMode::ReplyAll {
                    add_unique(&mut draft.to, &mut seen, &headers.to);
                    add_unique(&mut draft.cc, &mut seen, &headers.cc);
                }
                draft.reply_to = Some(id);
                draft.subject = prefixed("Re: ", &parent.summary.subject);
                draft.body = format!(
                    "\n\nOn {}, {} wrote:\n{}\n",
                    when(parent.summary.date),
                    parent.summary.sender,
                    quote(&parent.text)
                );
            }
            ComposeMode::Forward => {
                draft.subject = prefixed("Fwd: ", &parent.summary.subject);
                let list = |v: &[helpr_mail::Mailbox]| {
                    v.iter()
                        .map(|m| m.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                draft.body = format!(
                    "\n\n---------- Forwarded message ---------\nFrom: {}\nDate: {}\n\
                     Subject: {}\nTo: {}\n\n{}\n",
                    parent.summary.sender,
                    when(parent.summary.date),
                    parent.summary.subject,
                    list(&headers.to),
                    parent.text.trim_end()
                );
                for a in parent.attachments {
                    let data = self.read_attachment(a.id).await?;
                    draft.attachments.push(DraftAttachment {
                        name: a.name,
                        content_type: a.content_type,
                        data,
                    });
                }
            }
        }
        Ok(draft)
    }

    /// Seals `draft` into the vault (new, or replacing `draft.id`); returns it as saved.
    pub async fn save_draft(&self, mut draft: Draft) -> Result<Draft, CoreError> {
        draft.check()?;
        let inbox_id = match &draft.from {
            Some(from) => Some(self.account(from).await?.inbox_id),
            None => None,
        };
        let place = DraftPlace {
            inbox_id,
            reply_to: draft.reply_to,
        };
        let id = draft.id;
        draft.id = None;
        draft.updated_at = None;
        let content =
            serde_json::to_vec(&draft).map_err(|e| CoreError::Internal(format!("draft: {e}")))?;
        let stored = self
            .with_vault(move |h| {
                let id = h.vault.save_draft(h.tenant, id, place, &content)?;
                Ok(h.vault.draft(h.tenant, id)?)
            })
            .await?;
        Draft::from_stored(stored)
    }

    /// Every draft, most recently saved first.
    pub async fn drafts(&self) -> Result<Vec<DraftSummary>, CoreError> {
        let stored = self.with_vault(|h| Ok(h.vault.drafts(h.tenant)?)).await?;
        stored
            .into_iter()
            .map(|d| {
                let d = Draft::from_stored(d)?;
                Ok(DraftSummary {
                    id: d.id.unwrap_or_default(),
                    to: d.to,
                    subject: d.subject,
                    reply_to: d.reply_to,
                    attachments: d.attachments.len(),
                    updated_at: d.updated_at.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// One draft, whole.
    pub async fn draft(&self, id: i64) -> Result<Draft, CoreError> {
        Draft::from_stored(
            self.with_vault(move |h| Ok(h.vault.draft(h.tenant, id)?))
                .await?,
        )
    }

    /// Deletes a draft; `NotFound` when there is none with that id.
    pub async fn discard_draft(&self, id: i64) -> Result<(), CoreError> {
        let existed = self
            .with_vault(move |h| Ok(h.vault.delete_draft(h.tenant, id)?))
            .await?;
        if existed {
            Ok(())
        } else {
            Err(CoreError::NotFound(format!("draft {id}")))
        }
    }

    /// Sends `draft` (its current content, saved or not; as secure email when it says so),
    /// then deletes its saved copy. A failed send keeps the draft as it was last saved.
    pub async fn send_draft(&self, draft: Draft) -> Result<SentView, CoreError> {
        draft.check()?;
        let id = draft.id;
        let sent = match draft.secure {
            Some(choice) => {
                if choice
                    .expires_in_days
                    .is_some_and(|d| !(1..=366).contains(&d))
                {
                    return Err(CoreError::InvalidInput(
                        "a secure message lives 1 to 366 days".into(),
                    ));
                }
                if choice.max_opens == Some(0) {
                    return Err(CoreError::InvalidInput(
                        "a secure message must be openable at least once".into(),
                    ));
                }
                let options = SecureOptions {
                    expires_at: choice
                        .expires_in_days
                        .map(|d| crate::clock::now() + i64::from(d) * 86_400),
                    max_opens: choice.max_opens,
                };
                self.send_secure(draft.into_request(), options)
                    .await?
                    .message
            }
            None => self.send(draft.into_request()).await?,
        };
        if let Some(id) = id {
            self.with_vault(move |h| Ok(h.vault.delete_draft(h.tenant, id)?))
                .await?;
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_prefixed_once() {
        assert_eq!(prefixed("Re: ", "Plan"), "Re: Plan");
        assert_eq!(prefixed("Re: ", "RE: Plan"), "RE: Plan");
        assert_eq!(prefixed("Fwd: ", "Re: Plan"), "Fwd: Re: Plan");
        assert_eq!(prefixed("Re: ", "Ré"), "Re: Ré");
    }

    #[test]
    fn quotes_mark_every_line() {
        assert_eq!(quote("a\n\nb\n"), "> a\n>\n> b");
    }

    #[test]
    fn dates_read_as_a_person_writes_them() {
        assert_eq!(when(0), "Thu, 1 Jan 1970 at 00:00 UTC");
    }

    #[test]
    fn attachment_bytes_cross_as_base64_and_bad_base64_is_refused() {
        let a = DraftAttachment {
            name: "a.bin".into(),
            content_type: "application/octet-stream".into(),
            data: vec![0, 255, 1],
        };
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"AP8B\""), "{json}");
        assert_eq!(serde_json::from_str::<DraftAttachment>(&json).unwrap(), a);
        let bad = json.replace("AP8B", "!!");
        assert!(serde_json::from_str::<DraftAttachment>(&bad).is_err());
    }

    #[test]
    fn oversized_or_nameless_attachments_are_refused() {
        let big = Draft {
            attachments: vec![DraftAttachment {
                name: "big".into(),
                content_type: String::new(),
                data: vec![0; MAX_ATTACHMENT_BYTES + 1],
            }],
            ..Draft::default()
        };
        assert_eq!(big.check().unwrap_err().code(), "invalid_input");
        let nameless = Draft {
            attachments: vec![DraftAttachment::default()],
            ..Draft::default()
        };
        assert_eq!(nameless.check().unwrap_err().code(), "invalid_input");
    }
}
