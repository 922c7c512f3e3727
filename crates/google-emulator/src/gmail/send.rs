//! messages.send — `POST /gmail/v1/users/{userId}/messages/send` with a JSON `Message`
//! (`raw`: the RFC 822 message, base64url, padded or not; `threadId` optional) and its upload
//! forms (the message as the media, `threadId` in the metadata; [`super::upload`]).
//!
//! The message must name a recipient (To, Cc or Bcc). It is stored as the account's sent mail
//! ([`Mailbox::add_sent_to`]): label `SENT`, dated now, a `messagesAdded` record; with a
//! `threadId` (which must exist, else 404) it joins that thread only when its
//! `In-Reply-To`/`References` name a message there with the same subject, as Gmail documents.
//! Answers `{id, threadId, labelIds}`.

use super::mailbox::Mailbox;
use super::{invalid, not_found, ok, Reply};
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use mail_parser::MessageParser;
use serde_json::{json, Value};

/// base64url with or without padding (standard-alphabet input is mapped onto it first).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// messages.send with a JSON body.
pub(crate) fn send_json(mailbox: &mut Mailbox, body: &[u8], now_ms: i64) -> Reply {
    let Some(message) = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
    else {
        return invalid("Invalid JSON payload received.");
    };
    let Some(raw) = message["raw"].as_str().filter(|r| !r.is_empty()) else {
        return invalid(
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
        );
    };
    let Ok(raw) = LENIENT.decode(raw.trim().replace('+', "-").replace('/', "_")) else {
        return invalid("Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed.");
    };
    send(mailbox, raw, &message, now_ms)
}

/// Stores `raw` as sent mail; `message` is the `Message` metadata (for `threadId`).
pub(crate) fn send(mailbox: &mut Mailbox, raw: Vec<u8>, message: &Value, now_ms: i64) -> Reply {
    let thread_id = message["threadId"].as_str().filter(|t| !t.is_empty());
    if thread_id.is_some_and(|t| mailbox.thread(t).is_empty()) {
        return not_found();
    }
    let has_recipient = MessageParser::default().parse(&raw).is_some_and(|m| {
        [m.to(), m.cc(), m.bcc()]
            .into_iter()
            .flatten()
            .any(|a| a.iter().any(|addr| addr.address().is_some()))
    });
    if !has_recipient {
        return invalid("Recipient address required");
    }
    let id = mailbox.add_sent_to(raw, thread_id, now_ms);
    let m = mailbox.get(&id).expect("just stored");
    ok(&json!({"id": m.id, "threadId": m.thread_id, "labelIds": m.label_ids}))
}
