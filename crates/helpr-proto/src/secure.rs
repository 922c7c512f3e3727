//! Secure email (`docs/secure-email.md`): a protected thread the team server keeps sealed under a
//! key it never holds whole. Byte fields are base64 (standard, padded) but keys, which are
//! base64url without padding like the link's fragment. The reader's calls (no session: a
//! one-time code mailed to their address makes a reader's token) and the sender's (a team
//! session, decided by the policy) are both here.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who wrote an entry of a protected thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The inbox's agents (entry 0, and every answer).
    Sender,
    /// The reader asking (only in a reader's view).
    You,
    /// A recipient (in the sender's view; in a reader's, another recipient).
    Recipient,
}

/// `POST /api/v1/secure/{id}/code`: mail a one-time code to this address, if it may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub address: String,
}

/// The answer to a code request: the same whether or not the address may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CodeSent {
    pub sent: bool,
}

/// `POST /api/v1/secure/{id}/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyCode {
    pub address: String,
    pub code: String,
}

/// A reader's session, and the server's half of the key (base64url, no padding).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Released {
    /// `Authorization: Bearer {token}` on the reader's calls.
    pub token: String,
    pub key_server: String,
    /// Unix seconds; the token's end.
    pub expires_at: i64,
}

impl std::fmt::Debug for Released {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Released")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One entry of a protected thread as its reader gets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ThreadEntry {
    pub n: u32,
    pub from: Author,
    /// Unix seconds.
    pub at: i64,
    /// The sealed manifest, base64.
    pub manifest: String,
    /// Each sealed attachment's size in bytes (fetched one at a time).
    pub attachments: Vec<u64>,
}

/// `GET /api/v1/secure/{id}/thread`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReaderThread {
    pub entries: Vec<ThreadEntry>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A sealed entry going up: the reader's reply, or an agent's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    /// The number it was sealed as (the next one): refused with `conflict` when taken.
    pub n: u32,
    /// base64.
    pub manifest: String,
    /// base64 each.
    pub attachments: Vec<String>,
}

/// An entry stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntryStored {
    pub n: u32,
}

/// `POST /api/v1/inboxes/{inbox}/secure`: a new protected thread, sealed on the desktop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSecure {
    /// 16 random bytes, base64url without padding (22 characters), bound into every part.
    pub id: String,
    /// The conversation it answers, if any (else bound later, [`BindThread`]).
    #[serde(default)]
    pub thread_id: Option<String>,
    /// Who may read, each proving control of their address.
    pub recipients: Vec<String>,
    /// The server's half of the key, base64url without padding.
    pub key_server: String,
    /// Entry 0, sealed.
    pub manifest: String,
    pub attachments: Vec<String>,
    /// Unix seconds; default 28 days from now.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// How many times each recipient may open it (a key release each); default unlimited.
    #[serde(default)]
    pub max_opens: Option<u32>,
}

impl std::fmt::Debug for NewSecure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecure")
            .field("id", &self.id)
            .field("thread_id", &self.thread_id)
            .field("recipients", &self.recipients.len())
            .field("expires_at", &self.expires_at)
            .field("max_opens", &self.max_opens)
            .finish_non_exhaustive()
    }
}

/// `PUT /api/v1/inboxes/{inbox}/secure/{id}/thread`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindThread {
    pub thread_id: String,
}

/// Where a recipient stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecipientState {
    /// Not opened yet.
    Waiting,
    /// Opened at least once.
    Read,
    /// Too many wrong codes; the sender may unlock.
    Locked,
    /// The sender revoked their access.
    Revoked,
}

/// One recipient, for the sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecipientView {
    /// Their place in the message's list, from 0.
    pub n: u32,
    pub address: String,
    pub state: RecipientState,
    /// Each key release (a "read"), unix seconds, oldest first.
    pub reads: Vec<i64>,
    /// When they were locked out, if they are.
    pub locked_at: Option<i64>,
}

/// One entry, for the sender (its parts come from [`SecureView`]'s entry endpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntryView {
    pub n: u32,
    pub from: Author,
    /// The recipient who wrote it (for [`Author::Recipient`]).
    pub recipient: Option<u32>,
    pub at: i64,
}

/// A secure message's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecureView {
    pub id: String,
    pub thread_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub max_opens: Option<u32>,
    /// Revoked for all: the server's half of the key and the parts are gone.
    pub revoked: bool,
    /// Expired: the same.
    pub expired: bool,
    pub recipients: Vec<RecipientView>,
    pub entries: Vec<EntryView>,
}

/// `GET /api/v1/inboxes/{inbox}/secure?thread=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecureList {
    pub messages: Vec<SecureView>,
}

/// `GET /api/v1/inboxes/{inbox}/secure/{id}/entries/{n}`: an entry's sealed parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SealedEntry {
    pub n: u32,
    pub from: Author,
    pub at: i64,
    pub manifest: String,
    pub attachments: Vec<String>,
}

/// `POST /api/v1/inboxes/{inbox}/secure/{id}/revoke`: one recipient, or (none) all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    #[serde(default)]
    pub recipient: Option<u32>,
}

/// `POST /api/v1/inboxes/{inbox}/secure/{id}/unlock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Unlock {
    pub recipient: u32,
}
