//! The Gmail broker's bodies (the server holds each inbox's Google grant; desktops never do):
//! connecting an inbox's account (an admin's desktop receives Google's code at its loopback
//! and hands it to the server, which exchanges it with the PKCE verifier it kept), the
//! account's state, and mail sent through the server. Reading goes through a Gmail-API-shaped
//! proxy whose bodies are Gmail's own, so they are not here.

use helpr_policy::InboxId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/inboxes/{id}/gmail/connect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartGmailConnect {
    /// Where Google sends the admin's browser back: `http://127.0.0.1:PORT/…` or
    /// `http://[::1]:PORT/…`, where the admin's desktop listens.
    pub redirect_uri: String,
}

/// The answer: open `authorization_url` in the admin's browser; the redirect must carry
/// `state` back (compare it before handing the code on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GmailAuthorization {
    pub authorization_url: String,
    pub state: String,
    /// Unix seconds; after this the server has forgotten the attempt.
    pub expires_at: i64,
}

/// `POST /api/v1/inboxes/{id}/gmail/connect/finish`: what Google's redirect carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishGmailConnect {
    pub state: String,
    pub code: String,
}

/// An inbox's Gmail account, for those who connect it (owners and admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GmailAccountView {
    pub inbox: InboxId,
    pub connected: bool,
    /// The account's address (only when connected).
    pub address: Option<String>,
    /// Google refused the stored grant: an admin must connect the account again.
    pub reconnect_needed: bool,
    /// The last mailbox history id the server processed (push), when connected.
    pub history_id: Option<u64>,
    /// Unix seconds.
    pub connected_at: Option<i64>,
}

/// `POST /api/v1/inboxes/{id}/gmail/send`: one message, submitted from the inbox's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMail {
    /// The RFC 5322 message, base64url (padded or not). Its `To`, `Cc` and `Bcc` headers are
    /// the recipients; a `Bcc` header is removed before submission; it needs a `Message-ID`.
    pub raw: String,
    /// The conversation it answers; none for a new conversation.
    #[serde(default)]
    pub thread_id: Option<String>,
}

/// What became of a sent message, as far as Gmail said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SentMail {
    /// Gmail's id of the sent copy, once Gmail lists it.
    pub message_id: Option<String>,
    /// The conversation it landed in, once Gmail lists it.
    pub thread_id: Option<String>,
    /// Whether the server recorded it as a new conversation started by the sender.
    pub started: bool,
}
