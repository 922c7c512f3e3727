//! history.list — `GET /gmail/v1/users/{userId}/history` (google-protocols.md §2.7) and the
//! record store behind it.
//!
//! Every mailbox change is one record with its own id; ids grow by a seeded 1..=3 per change
//! (label creation moves the counter without a record), so they have gaps as Google's do.
//! A modify that adds and removes labels writes a `labelsAdded` record, then a
//! `labelsRemoved` one. Records at or below the retention floor are gone: a
//! `startHistoryId` below the floor answers 404 (the "stale cursor, full sync" signal).
//! Filters: `historyTypes` (repeated; records of other types are left out), `labelId` (the
//! message carried it after the change, or the change added/removed it). Paging: `maxResults`
//! default 100, 1..=500; `pageToken` = the last served record id, in digits.

use super::mailbox::Mailbox;
use super::{invalid, not_found, ok, Query, Reply};
use serde_json::{json, Value};

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 500;

/// What a record says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    MessageAdded,
    MessageDeleted,
    LabelsAdded(Vec<String>),
    LabelsRemoved(Vec<String>),
}

impl Change {
    fn type_name(&self) -> &'static str {
        match self {
            Change::MessageAdded => "messageAdded",
            Change::MessageDeleted => "messageDeleted",
            Change::LabelsAdded(_) => "labelAdded",
            Change::LabelsRemoved(_) => "labelRemoved",
        }
    }
}

/// One history record.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: u64,
    /// The emulator's clock when it was written (ms), for [`Mailbox::expire_history_before`].
    pub at_ms: u64,
    pub message_id: String,
    pub thread_id: String,
    /// The message's labels after the change.
    pub label_ids: Vec<String>,
    pub change: Change,
}

impl Record {
    fn json(&self) -> Value {
        let short = json!({"id": self.message_id, "threadId": self.thread_id});
        let full =
            json!({"id": self.message_id, "threadId": self.thread_id, "labelIds": self.label_ids});
        let mut body = json!({"id": self.id.to_string(), "messages": [short]});
        match &self.change {
            Change::MessageAdded => body["messagesAdded"] = json!([{ "message": full }]),
            Change::MessageDeleted => body["messagesDeleted"] = json!([{ "message": full }]),
            Change::LabelsAdded(l) => {
                body["labelsAdded"] = json!([{ "message": full, "labelIds": l }]);
            }
            Change::LabelsRemoved(l) => {
                body["labelsRemoved"] = json!([{ "message": full, "labelIds": l }]);
            }
        }
        body
    }

    fn touches(&self, label: &str) -> bool {
        self.label_ids.iter().any(|l| l == label)
            || match &self.change {
                Change::LabelsAdded(l) | Change::LabelsRemoved(l) => l.iter().any(|x| x == label),
                _ => false,
            }
    }
}

const TYPES: [&str; 4] = [
    "messageAdded",
    "messageDeleted",
    "labelAdded",
    "labelRemoved",
];

pub(crate) fn list(mailbox: &Mailbox, query: &Query) -> Reply {
    let Some(start) = query
        .one("startHistoryId")
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return invalid("Missing/invalid parameter: startHistoryId");
    };
    let types = query.all("historyTypes");
    if let Some(bad) = types.iter().find(|t| !TYPES.contains(&t.as_str())) {
        return invalid(&format!("Invalid value at 'history_types' ({bad})"));
    }
    let page_size = match query.one("maxResults") {
        None => DEFAULT_PAGE,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(MAX_PAGE),
            _ => return invalid(&format!("Invalid value at 'max_results' ({v})")),
        },
    };
    let after = match query.one("pageToken").filter(|t| !t.is_empty()) {
        None => start,
        Some(t) => match t.parse::<u64>() {
            Ok(id) if id >= start => id,
            _ => return invalid("Invalid pageToken"),
        },
    };
    if start < mailbox.history_floor() {
        return not_found();
    }
    let label = query.one("labelId").filter(|l| !l.is_empty());
    let matching: Vec<&Record> = mailbox
        .history()
        .iter()
        .filter(|r| r.id > after)
        .filter(|r| types.is_empty() || types.iter().any(|t| t == r.change.type_name()))
        .filter(|r| label.is_none_or(|l| r.touches(l)))
        .collect();
    let page = &matching[..matching.len().min(page_size)];
    let mut body = json!({"historyId": mailbox.history_id().to_string()});
    if !page.is_empty() {
        body["history"] = Value::Array(page.iter().map(|r| r.json()).collect());
    }
    if matching.len() > page.len() {
        let last = page.last().expect("a short page is not empty");
        body["nextPageToken"] = json!(last.id.to_string());
    }
    ok(&body)
}
