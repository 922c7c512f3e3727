//! Secure email (issue 17; the protocol is `docs/secure-email.md`): protected threads kept
//! sealed under a key the server never holds whole. The desktop seals each entry with
//! `K = HKDF(K_link ‖ K_server)` (crate helpr-secure) and hands the server the parts and
//! `K_server`; `K_link` stays in the link's fragment. The server keeps `K_server` sealed with
//! the organization's key and releases it only to a browser that proved control of a
//! recipient's address with a one-time code. Revoking or expiry deletes it and the parts.
//!
//! - [`sender`]: the agents' endpoints (create, bind to a conversation, status, entries,
//!   answer, revoke, unlock), each decided by the policy like the rest of the API.
//! - [`reader`]: the recipient's endpoints: a code mailed, the code checked, the key
//!   released, the thread and its parts, a reply.
//! - [`codes`]: one-time codes (made, keyed-hashed, compared in constant time), readers'
//!   tokens, and the per-address and per-client limits.
//! - [`mail`]: the code mails, sent from the message's inbox through its Gmail grant.
//! - [`page`]: the recipient's page, `/s/{id}`: static, its script and style by hash.
//! - [`sweep`]: expired messages lose their key and parts.

pub mod codes;
pub mod mail;
pub mod page;
pub mod reader;
pub mod sender;
pub mod sweep;

use axum::http::StatusCode;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use helpr_crypto::KeyStore;
use helpr_proto::error::ErrorCode;

use crate::app::App;
use crate::error::Failure;
use crate::store::secure::MessageRow;

/// The record kind the server's sealed fields of a secure message are bound to.
pub const KIND: &str = "secure_message";
/// How long a message lives unless its sender says otherwise: 28 days.
pub const DEFAULT_LIFETIME: i64 = 28 * 86_400;
/// The longest a sender may set: a year.
pub const MAX_LIFETIME: i64 = 366 * 86_400;
/// Recipients one message may have.
pub const MAX_RECIPIENTS: usize = 50;
/// Attachments one entry may have.
pub const MAX_ATTACHMENTS: usize = 50;
/// The largest body carrying an entry's parts (base64 in JSON): a message at Gmail's size.
pub const MAX_ENTRY_BODY: usize = 50 << 20;
/// An id's length: 16 bytes as base64url without padding.
const ID_LEN: usize = 22;

/// Whether a request to `path` carries an entry's parts (and may be as large as
/// [`MAX_ENTRY_BODY`]): a new message, an agent's answer, a reader's reply.
pub fn carries_entry(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    matches!(
        segments.as_slice(),
        ["inboxes", _, "secure"] | ["inboxes", _, "secure", _, "entries"] | ["secure", _, "reply"]
    )
}

/// The public id must be what the desktop makes: 16 bytes, base64url, unpadded.
pub fn check_id(id: &str) -> Result<(), Failure> {
    if id.len() == ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(Failure::not_found())
    }
}

/// The message with public id `id` (a malformed id is not found, like an unknown one).
pub async fn message(app: &App, id: &str) -> Result<MessageRow, Failure> {
    check_id(id)?;
    let owned = id.to_owned();
    app.hub
        .db()
        .run(move |tx| crate::store::secure::message_by_id(tx, &owned))
        .await?
        .ok_or_else(Failure::not_found)
}

/// A recipient's address, opened (call `app.gmail.sealer.ready(m.org)` first). Sealed as field
/// `address/{n}` of the message's record, so it opens nowhere else.
pub fn open_address(
    app: &App,
    m: &MessageRow,
    r: &crate::store::secure::RecipientRow,
) -> Result<secrecy::zeroize::Zeroizing<String>, Failure> {
    let bytes = app.gmail.sealer.open_record(
        m.org,
        KIND,
        m.row_id,
        &format!("address/{}", r.n),
        &r.address,
    )?;
    Ok(secrecy::zeroize::Zeroizing::new(
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

/// A byte field of a body (base64, standard alphabet, padded).
pub fn bytes_of(field: &str, text: &str) -> Result<Vec<u8>, Failure> {
    STANDARD
        .decode(text)
        .map_err(|_| Failure::invalid(format!("`{field}` is not base64")))
}

/// A 32-byte key (base64url, unpadded).
pub fn key_of(text: &str) -> Result<[u8; 32], Failure> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| Failure::invalid("`key_server` is not 32 bytes of base64url"))
}

/// An address as compared: trimmed, lower-cased.
pub fn normalize(address: &str) -> String {
    address.trim().to_lowercase()
}

/// Whether `address` looks like one (one `@`, something each side, no spaces or controls).
pub fn check_address(address: &str) -> Result<(), Failure> {
    let a = address.trim();
    let ok = a.len() <= 254
        && a.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
        && !a.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Failure::invalid("that is not an email address"))
    }
}

/// The keyed MAC a recipient's address is found by, salted with the message (the same
/// address in two messages is not linkable).
pub fn address_mac(keys: &KeyStore, message: &str, address: &str) -> Vec<u8> {
    let mut data = message.as_bytes().to_vec();
    data.push(0);
    data.extend_from_slice(normalize(address).as_bytes());
    keys.fingerprint(0, "helpr-server/secure-address", &data)
        .to_vec()
}

/// Who wrote an entry, as `me` (a reader; `None`: an agent) sees it: an agent's, theirs, or
/// another reader's.
pub fn author(recipient: Option<u32>, me: Option<u32>) -> helpr_proto::secure::Author {
    use helpr_proto::secure::Author;
    match recipient {
        None => Author::Sender,
        Some(r) if Some(r) == me => Author::You,
        Some(_) => Author::Recipient,
    }
}

/// 410: the message (or this reader's access to it) is over.
pub fn gone(message: &str) -> Failure {
    Failure::new(StatusCode::GONE, ErrorCode::Gone, message)
}

/// Refused unless the message can still be read at `now`.
pub fn check_live(m: &MessageRow, now: i64) -> Result<(), Failure> {
    if m.revoked_at.is_some() {
        return Err(gone("The sender revoked this secure message."));
    }
    if m.expires_at <= now || m.key_server.is_none() {
        return Err(gone("This secure message has expired."));
    }
    Ok(())
}
