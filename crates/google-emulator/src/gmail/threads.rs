//! threads.list and threads.get — `GET /gmail/v1/users/{userId}/threads[/{id}]` (Gmail
//! discovery `Thread`, `ListThreadsResponse`). A thread is every message sharing a `threadId`
//! (the mailbox's threading), so a thread id is always some message's `threadId`.
//!
//! list: a thread is listed when one of its messages is selected by [`super::listing`]
//! (`labelIds`, `includeSpamTrash`, `q`); newest first by its newest selected message, paged
//! by that message's sort key; each item is `{id, snippet, historyId}` (the newest message's
//! snippet, the thread's highest message `historyId`); `threads` is omitted when empty.
//! get: `{id, historyId, messages}` with every message of the thread, oldest first, in
//! `format` `full` (default) | `metadata` (+ `metadataHeaders`) | `minimal` (`raw` → 400,
//! as the discovery enum has no `raw` here); an unknown id → 404.

use super::listing::{encode_token, Listing};
use super::mailbox::{Mailbox, StoredMessage};
use super::messages::message_json;
use super::{invalid, not_found, ok, Query, Reply};
use serde_json::{json, Value};
use std::collections::HashSet;

pub(crate) fn list(mailbox: &Mailbox, query: &Query, now_ms: i64) -> Reply {
    let listing = match Listing::parse(query) {
        Ok(listing) => listing,
        Err(message) => return invalid(&message),
    };
    // Newest first, so each thread's first selected message is its newest.
    let mut seen = HashSet::new();
    let heads: Vec<&StoredMessage> = mailbox
        .newest_first()
        .into_iter()
        .filter(|m| {
            !seen.contains(&m.thread_id)
                && listing.selects(mailbox, m, now_ms)
                && seen.insert(m.thread_id.clone())
        })
        .collect();
    let after_cursor: Vec<&StoredMessage> = heads
        .iter()
        .copied()
        .filter(|m| listing.after_cursor(m.internal_date, &m.id))
        .collect();
    let page = &after_cursor[..after_cursor.len().min(listing.page_size)];
    let mut body = json!({ "resultSizeEstimate": heads.len() });
    if !page.is_empty() {
        body["threads"] = Value::Array(
            page.iter()
                .map(|head| {
                    json!({
                        "id": head.thread_id,
                        "snippet": head.snippet,
                        "historyId": thread_history_id(mailbox, &head.thread_id).to_string(),
                    })
                })
                .collect(),
        );
    }
    if after_cursor.len() > page.len() {
        let last = page.last().expect("a short page is not empty");
        body["nextPageToken"] = json!(encode_token(last.internal_date, &last.id));
    }
    ok(&body)
}

pub(crate) fn get(mailbox: &Mailbox, id: &str, query: &Query) -> Reply {
    let format = query.one("format").unwrap_or("full");
    if !matches!(format, "full" | "metadata" | "minimal") {
        return invalid(&format!("Invalid value at 'format' ({format})"));
    }
    let messages = mailbox.thread(id);
    if messages.is_empty() {
        return not_found();
    }
    let only = query.all("metadataHeaders");
    ok(&json!({
        "id": id,
        "historyId": thread_history_id(mailbox, id).to_string(),
        "messages": messages
            .iter()
            .map(|m| message_json(m, format, &only))
            .collect::<Vec<_>>(),
    }))
}

/// The highest `historyId` among the thread's messages.
fn thread_history_id(mailbox: &Mailbox, thread_id: &str) -> u64 {
    mailbox
        .thread(thread_id)
        .iter()
        .map(|m| m.history_id)
        .max()
        .unwrap_or_default()
}
