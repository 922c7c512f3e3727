//! messages.list, messages.get and messages.attachments.get (google-protocols.md §2.3–2.5).
//!
//! list: newest first (internal date, then id), `labelIds` (all must be carried),
//! `includeSpamTrash` (default false; SPAM/TRASH messages are also listed when `labelIds`
//! asks for SPAM or TRASH), `maxResults` (default 100, 1..=500), `pageToken` (an opaque cursor:
//! the sort key of the last message served, so a page never repeats or skips a message that
//! was there before), `resultSizeEstimate` = the exact count. `q` is not supported yet (400).
//! get: `format` = `full` (default) | `metadata` (+ `metadataHeaders`) | `minimal` | `raw`.

use super::mailbox::{Mailbox, StoredMessage};
use super::payload::{self, Body};
use super::{invalid, not_found, ok, Query, Reply};
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use serde_json::{json, Value};

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 500;

pub(crate) fn list(mailbox: &Mailbox, query: &Query) -> Reply {
    if query.one("q").is_some_and(|q| !q.is_empty()) {
        return invalid("The emulator does not support q yet");
    }
    let include_spam_trash = match query.flag("includeSpamTrash", false) {
        Ok(v) => v,
        Err(message) => return invalid(&message),
    };
    let page_size = match query.one("maxResults") {
        None => DEFAULT_PAGE,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(MAX_PAGE),
            _ => return invalid(&format!("Invalid value at 'max_results' ({v})")),
        },
    };
    let cursor = match query.one("pageToken").filter(|t| !t.is_empty()) {
        None => None,
        Some(token) => match decode_token(token) {
            Some(c) => Some(c),
            None => return invalid("Invalid pageToken"),
        },
    };
    let wanted = query.all("labelIds");
    let asks_spam_trash = wanted.iter().any(|l| l == "SPAM" || l == "TRASH");
    let matching: Vec<&StoredMessage> = mailbox
        .newest_first()
        .into_iter()
        .filter(|m| wanted.iter().all(|w| m.label_ids.contains(w)))
        .filter(|m| {
            include_spam_trash
                || asks_spam_trash
                || !m.label_ids.iter().any(|l| l == "SPAM" || l == "TRASH")
        })
        .collect();
    let after_cursor: Vec<&StoredMessage> = matching
        .iter()
        .copied()
        .filter(|m| {
            cursor
                .as_ref()
                .is_none_or(|(date, id)| (m.internal_date, m.id.as_str()) < (*date, id.as_str()))
        })
        .collect();
    let page = &after_cursor[..after_cursor.len().min(page_size)];
    let mut body = json!({ "resultSizeEstimate": matching.len() });
    if !page.is_empty() {
        body["messages"] = Value::Array(
            page.iter()
                .map(|m| json!({"id": m.id, "threadId": m.thread_id}))
                .collect(),
        );
    }
    if after_cursor.len() > page.len() {
        let last = page
            .last()
            .expect("a page shorter than the rest is not empty");
        body["nextPageToken"] = json!(encode_token(last));
    }
    ok(&body)
}

/// Digits only, like Google's: the internal date (20 digits, offset so it is never negative),
/// then the id as a decimal u64 (20 digits).
fn encode_token(m: &StoredMessage) -> String {
    let id = u64::from_str_radix(&m.id, 16).expect("ids are hex");
    let date = (i128::from(m.internal_date) - i128::from(i64::MIN)) as u128;
    format!("{date:020}{id:020}")
}

fn decode_token(token: &str) -> Option<(i64, String)> {
    if token.len() != 40 || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date: u128 = token[..20].parse().ok()?;
    let id: u64 = token[20..].parse().ok()?;
    let date = i64::try_from(i128::try_from(date).ok()? + i128::from(i64::MIN)).ok()?;
    Some((date, format!("{id:016x}")))
}

pub(crate) fn get(mailbox: &Mailbox, id: &str, query: &Query) -> Reply {
    let format = query.one("format").unwrap_or("full");
    if !matches!(format, "full" | "metadata" | "minimal" | "raw") {
        return invalid(&format!("Invalid value at 'format' ({format})"));
    }
    let Some(m) = mailbox.get(id) else {
        return not_found();
    };
    let mut body = json!({
        "id": m.id,
        "threadId": m.thread_id,
        "snippet": m.snippet,
        "sizeEstimate": m.raw.len(),
        "historyId": m.history_id.to_string(),
        "internalDate": m.internal_date.to_string(),
    });
    if !m.label_ids.is_empty() {
        body["labelIds"] = json!(m.label_ids);
    }
    match format {
        "raw" => body["raw"] = json!(URL_SAFE.encode(&m.raw)),
        "minimal" => {}
        _ => {
            let Some(tree) = payload::tree(&m.raw) else {
                return ok(&body);
            };
            body["payload"] = if format == "full" {
                tree.full_json(&m.id)
            } else {
                let only = query.all("metadataHeaders");
                json!({
                    "partId": tree.part_id,
                    "mimeType": tree.mime_type,
                    "filename": tree.filename,
                    "headers": tree.headers_json((!only.is_empty()).then_some(only.as_slice())),
                    "body": {"size": 0},
                })
            };
        }
    }
    ok(&body)
}

pub(crate) fn attachment(mailbox: &Mailbox, id: &str, attachment_id: &str) -> Reply {
    let Some(m) = mailbox.get(id) else {
        return not_found();
    };
    let part = payload::part_of_attachment(id, attachment_id).and_then(|part_id| {
        let tree = payload::tree(&m.raw)?;
        match &tree.find(&part_id)?.body {
            Body::Attachment(data) => Some(data.clone()),
            _ => None,
        }
    });
    match part {
        Some(data) => ok(&json!({"size": data.len(), "data": URL_SAFE.encode(&data)})),
        None => invalid("Invalid attachment token"),
    }
}
