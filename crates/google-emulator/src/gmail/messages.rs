//! messages.list, messages.get and messages.attachments.get (google-protocols.md §2.3–2.5).
//!
//! list: newest first (internal date, then id), selected and paged by [`super::listing`]
//! (`labelIds`, `includeSpamTrash`, `q`, `maxResults`, `pageToken`); `resultSizeEstimate` =
//! the exact count. get: `format` = `full` (default) | `metadata` (+ `metadataHeaders`) |
//! `minimal` | `raw`; [`message_json`] is the `Message` threads.get reuses.

use super::listing::{encode_token, Listing};
use super::mailbox::{Mailbox, StoredMessage};
use super::payload::{self, Body};
use super::{invalid, not_found, ok, Query, Reply};
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use serde_json::{json, Value};

pub(crate) fn list(mailbox: &Mailbox, query: &Query, now_ms: i64) -> Reply {
    let listing = match Listing::parse(query) {
        Ok(listing) => listing,
        Err(message) => return invalid(&message),
    };
    let matching: Vec<&StoredMessage> = mailbox
        .newest_first()
        .into_iter()
        .filter(|m| listing.selects(mailbox, m, now_ms))
        .collect();
    let after_cursor: Vec<&StoredMessage> = matching
        .iter()
        .copied()
        .filter(|m| listing.after_cursor(m.internal_date, &m.id))
        .collect();
    let page = &after_cursor[..after_cursor.len().min(listing.page_size)];
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
        body["nextPageToken"] = json!(encode_token(last.internal_date, &last.id));
    }
    ok(&body)
}

pub(crate) fn get(mailbox: &Mailbox, id: &str, query: &Query) -> Reply {
    let format = query.one("format").unwrap_or("full");
    if !matches!(format, "full" | "metadata" | "minimal" | "raw") {
        return invalid(&format!("Invalid value at 'format' ({format})"));
    }
    let Some(m) = mailbox.get(id) else {
        return not_found();
    };
    ok(&message_json(m, format, &query.all("metadataHeaders")))
}

/// The `Message` for `format` (`full`, `metadata`, `minimal` or `raw`, already checked); with
/// `metadata`, a non-empty `only` keeps just those headers.
pub(crate) fn message_json(m: &StoredMessage, format: &str, only: &[String]) -> Value {
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
                return body;
            };
            body["payload"] = if format == "full" {
                tree.full_json(&m.id)
            } else {
                json!({
                    "partId": tree.part_id,
                    "mimeType": tree.mime_type,
                    "filename": tree.filename,
                    "headers": tree.headers_json((!only.is_empty()).then_some(only)),
                    "body": {"size": 0},
                })
            };
        }
    }
    body
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
