//! Sending from an inbox (`POST /api/v1/inboxes/{inbox}/gmail/send {raw, thread_id}`): the
//! desktop composes the RFC 5322 message; the server submits it over SMTP with XOAUTH2
//! (helpr-gmail's [`Sender`]) with the inbox's token, keeping no copy.
//!
//! - Decided first: `Reply` on the conversation it answers; for a new conversation, `Reply`
//!   on the conversation the sender would start (no assignee, started by them), which is
//!   agent or above in the inbox, an assigned-only agent included.
//! - Recipients are the message's `To`, `Cc` and `Bcc`; the `Bcc` field is taken out of the
//!   submitted bytes (blind copies stay blind). A `Message-ID` is required: it is how Gmail's
//!   sent copy is found afterwards (`rfc822msgid:`), to learn its conversation.
//! - When the copy landed in a conversation of its own (only this message in it) that is not
//!   the one answered, `ConversationStarted {inbox, thread, by}` is appended, so an
//!   assigned-only sender keeps seeing what they started. A message Gmail threads into some
//!   other existing conversation is not recorded (that would open someone else's
//!   conversation to the sender).
//! - Once SMTP accepted the message the answer is success whatever the follow-up finds, so
//!   a desktop never sends twice.

use std::sync::Arc;
use std::time::Duration;

use crate::api::path::Path;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use helpr_gmail::{OAuthError, SendError, Sender};
use helpr_policy::{Action, InboxId};
use helpr_proto::error::{ApiError, ErrorCode};
use helpr_proto::gmail::{SendMail, SentMail};
use mail_parser::{HeaderName, MessageParser};
use reqwest::Method;
use secrecy::zeroize::Zeroizing;
use serde_json::Value;

use super::broker::{bad_gateway, reconnect_needed, upstream, Connection};
use super::{decide_new_conversation, decide_thread};
use crate::api::check;
use crate::app::App;
use crate::auth::session::Caller;
use crate::error::Failure;
use crate::org::record::Record;

/// The largest body the send endpoint takes (a message at Gmail's limit, base64 in JSON).
pub const MAX_SEND_BODY: usize = 50 << 20;
/// Gmail's SMTP `SIZE` (35 MB less framing).
pub const MAX_MESSAGE: usize = 35_882_577;
/// Gmail's units for threads.get.
const THREADS_GET: u32 = 10;

/// A message ready for submission: who gets it, its Message-ID, its bytes without `Bcc`.
#[derive(Debug)]
pub struct Outgoing {
    pub recipients: Vec<String>,
    pub message_id: String,
    pub bytes: Zeroizing<Vec<u8>>,
}

/// Where the line holding byte `at - 1` ends (just past its `\n`).
fn line_end(raw: &[u8], at: usize) -> usize {
    if at > 0 && raw.get(at - 1) == Some(&b'\n') {
        return at;
    }
    raw[at..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(raw.len(), |i| at + i + 1)
}

impl Outgoing {
    /// Reads the recipients and Message-ID of `raw` and takes its `Bcc` fields out.
    pub fn parse(raw: &[u8]) -> Result<Outgoing, Failure> {
        let message = MessageParser::new()
            .parse_headers(raw)
            .ok_or_else(|| Failure::invalid("the message has no headers"))?;
        let mut recipients: Vec<String> = Vec::new();
        for field in [message.to(), message.cc(), message.bcc()]
            .into_iter()
            .flatten()
        {
            for addr in field.iter() {
                if let Some(address) = addr.address() {
                    if !recipients.iter().any(|r| r.eq_ignore_ascii_case(address)) {
                        recipients.push(address.to_owned());
                    }
                }
            }
        }
        if recipients.is_empty() {
            return Err(Failure::invalid(
                "the message has no recipient (To, Cc or Bcc)",
            ));
        }
        let message_id = message
            .message_id()
            .filter(|m| {
                !m.is_empty()
                    && m.len() <= 250
                    && m.bytes()
                        .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
            })
            .ok_or_else(|| Failure::invalid("the message needs a Message-ID header"))?
            .to_owned();
        let mut bytes = Zeroizing::new(Vec::with_capacity(raw.len()));
        let mut from = 0;
        for header in message.headers() {
            if matches!(header.name, HeaderName::Bcc) {
                let start = header.offset_field as usize;
                let end = line_end(raw, header.offset_end as usize);
                if start < from || end > raw.len() {
                    return Err(Failure::invalid("the message's header is malformed"));
                }
                bytes.extend_from_slice(&raw[from..start]);
                from = end;
            }
        }
        bytes.extend_from_slice(&raw[from..]);
        Ok(Outgoing {
            recipients,
            message_id,
            bytes,
        })
    }
}

fn decode(raw: &str) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let raw = raw.trim();
    URL_SAFE_NO_PAD
        .decode(raw.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(raw))
        .or_else(|_| STANDARD.decode(raw))
        .map(Zeroizing::new)
        .map_err(|_| Failure::invalid("raw is not base64url"))
}

fn send_failure(e: SendError) -> Failure {
    match e {
        SendError::InvalidAddress(which) => {
            Failure::invalid(format!("{which} is not a valid email address"))
        }
        SendError::NoRecipients => Failure::invalid("the message has no recipient"),
        SendError::Token(OAuthError::ReconnectNeeded) => reconnect_needed(),
        SendError::Token(e) => {
            tracing::warn!(error = %e, "SMTP access token");
            bad_gateway("could not get an access token from Google; the message was not sent")
        }
        SendError::AuthRejected => bad_gateway(
            "Gmail's SMTP server refused the inbox's token twice; the message was not sent",
        ),
        SendError::Refused(code) => bad_gateway(&format!(
            "Gmail refused the message (SMTP {code}); it was not sent"
        )),
        SendError::Deferred(code) => upstream(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Gmail deferred the message (SMTP {code}); it was not sent, try again later"),
        ),
        SendError::Tls | SendError::Network(_) => {
            bad_gateway("could not talk to Gmail's SMTP server; the message was not sent")
        }
    }
}

/// Gmail's copy of the message `message_id` names: `(id, threadId)`, looked for a few times
/// over some seconds (Gmail files a submission shortly after accepting it).
async fn find_sent(connection: &Connection, message_id: &str) -> Option<(String, String)> {
    let q = [
        ("q".to_owned(), format!("rfc822msgid:{message_id}")),
        ("includeSpamTrash".to_owned(), "true".to_owned()),
    ];
    let mut wait = Duration::from_millis(100);
    for _ in 0..7 {
        let found = async {
            let response = connection
                .call(
                    Method::GET,
                    "/messages",
                    &q,
                    None,
                    helpr_gmail::limiter::cost::MESSAGES_LIST,
                )
                .await
                .ok()?;
            if !response.status().is_success() {
                return None;
            }
            let page: Value = serde_json::from_slice(&response.bytes().await.ok()?).ok()?;
            let first = page.get("messages")?.as_array()?.first()?;
            Some((
                first.get("id")?.as_str()?.to_owned(),
                first.get("threadId")?.as_str()?.to_owned(),
            ))
        }
        .await;
        if found.is_some() {
            return found;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
    None
}

/// Whether the conversation holds only this one message (it started it).
async fn only_message(connection: &Connection, thread: &str, message: &str) -> bool {
    let q = [("format".to_owned(), "minimal".to_owned())];
    let Ok(response) = connection
        .call(
            Method::GET,
            &format!("/threads/{thread}"),
            &q,
            None,
            THREADS_GET,
        )
        .await
    else {
        return false;
    };
    if !response.status().is_success() {
        return false;
    }
    let Some(body) = response
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    else {
        return false;
    };
    let ids: Vec<&str> = body
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("id").and_then(Value::as_str))
        .collect();
    ids == [message]
}

/// `POST /api/v1/inboxes/{inbox}/gmail/send`.
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/gmail/send", security(("session" = [])),
    request_body = SendMail, params(("inbox" = i64, Path)),
    responses((status = 200, body = SentMail), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 413, body = ApiError), (status = 502, body = ApiError),
        (status = 503, description = "no Gmail configuration, or Gmail deferred", body = ApiError)))]
pub async fn send(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<SentMail>, Failure> {
    let inbox = InboxId(inbox);
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooLarge,
                format!("the body is larger than {MAX_SEND_BODY} bytes"),
            )
        } else {
            Failure::invalid(e.body_text())
        }
    })?;
    let req: SendMail = serde_json::from_slice(&body)
        .map_err(|e| Failure::invalid(format!("the body does not fit: {e}")))?;
    drop(body);
    match &req.thread_id {
        Some(thread) => {
            check::thread(thread)?;
            decide_thread(&app, &caller, inbox, thread, Action::Reply)?;
        }
        None => decide_new_conversation(&app, &caller, inbox)?,
    }
    let upstream_side = app.gmail.upstream()?;
    let raw = decode(&req.raw)?;
    drop(req.raw);
    if raw.len() > MAX_MESSAGE {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("the message is larger than Gmail takes ({MAX_MESSAGE} bytes)"),
        ));
    }
    let outgoing = Outgoing::parse(&raw)?;
    drop(raw);
    let connection = app.gmail.connection(caller.org, inbox).await?;
    let sender = Sender::new(
        upstream_side.config.smtp.clone(),
        upstream_side.config.tls.extra_ca_pem.clone(),
    );
    sender
        .send_raw(
            &connection.tokens,
            &connection.address,
            &outgoing.recipients,
            &outgoing.bytes,
        )
        .await
        .map_err(send_failure)?;
    drop(outgoing.bytes);

    // Sent. What follows only learns where it landed.
    let found = find_sent(&connection, &outgoing.message_id).await;
    let mut started = false;
    if let Some((message, thread)) = &found {
        let new = req.thread_id.as_deref() != Some(thread.as_str())
            && check::thread(thread).is_ok()
            && only_message(&connection, thread, message).await;
        if new {
            let thread = thread.clone();
            let recorded = app
                .change(&caller, |s, me, now| {
                    let rec = check::inbox(s, inbox)?;
                    let theirs = helpr_policy::Conversation {
                        assignees: Default::default(),
                        started_by: Some(me.id),
                    };
                    helpr_policy::decide(
                        me,
                        Action::Reply,
                        helpr_policy::Object::Conversation(&rec.policy, &theirs),
                        now,
                    )?;
                    Ok(Record::ConversationStarted {
                        inbox,
                        thread: thread.clone(),
                        by: me.id,
                    }
                    .into())
                })
                .await;
            match recorded {
                Ok(_) => started = true,
                Err(f) => {
                    tracing::warn!(code = ?f.body.code, "recording a started conversation")
                }
            }
        }
    } else {
        tracing::info!(inbox = inbox.0, "sent; Gmail did not list its copy yet");
    }
    Ok(Json(SentMail {
        message_id: found.as_ref().map(|(m, _)| m.clone()),
        thread_id: found.map(|(_, t)| t),
        started,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_come_from_to_cc_and_bcc_and_bcc_is_taken_out() {
        let raw = b"From: Team <team@example.com>\r\n\
            To: Ann <ann@example.org>, bob@example.org\r\n\
            Bcc: secret@example.net,\r\n hidden@example.net\r\n\
            Cc: ANN@example.org, cat@example.org\r\n\
            Subject: Hello\r\n\
            Message-ID: <m1@example.com>\r\n\
            \r\n\
            Bcc: this line is body text\r\n";
        let out = Outgoing::parse(raw).unwrap();
        assert_eq!(
            out.recipients,
            [
                "ann@example.org",
                "bob@example.org",
                "cat@example.org",
                "secret@example.net",
                "hidden@example.net",
            ]
        );
        assert_eq!(out.message_id, "m1@example.com");
        let text = String::from_utf8(out.bytes.to_vec()).unwrap();
        assert_eq!(
            text,
            "From: Team <team@example.com>\r\n\
             To: Ann <ann@example.org>, bob@example.org\r\n\
             Cc: ANN@example.org, cat@example.org\r\n\
             Subject: Hello\r\n\
             Message-ID: <m1@example.com>\r\n\
             \r\n\
             Bcc: this line is body text\r\n"
        );
    }

    #[test]
    fn no_recipient_or_no_message_id_is_refused() {
        assert!(Outgoing::parse(b"Subject: x\r\nMessage-ID: <a@b>\r\n\r\nbody").is_err());
        assert!(Outgoing::parse(b"To: a@b.org\r\nSubject: x\r\n\r\nbody").is_err());
    }
}
