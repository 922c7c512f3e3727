//! The writes (google-protocols.md §2.6): messages.modify (`addLabelIds`, `removeLabelIds`,
//! ≤ 100 each, known labels only), messages.trash / untrash (add / remove `TRASH`; other
//! labels stay), messages.delete (permanent, 204) and labels.create (409 on a name a user or
//! system label has). Each writes history through the mailbox. modify, trash and untrash
//! answer `{id, threadId, labelIds}`.

use super::mailbox::Mailbox;
use super::{envelope, invalid, not_found, ok, Reply};
use hyper::StatusCode;
use serde_json::{json, Value};

const MAX_LABEL_CHANGES: usize = 100;

pub(crate) fn modify(mailbox: &mut Mailbox, id: &str, body: &[u8], now_ms: i64) -> Reply {
    let Some(body) = json_body(body) else {
        return invalid("Invalid JSON payload received.");
    };
    let (Some(add), Some(remove)) = (
        labels(&body, "addLabelIds"),
        labels(&body, "removeLabelIds"),
    ) else {
        return invalid("Invalid JSON payload received.");
    };
    if add.len() > MAX_LABEL_CHANGES || remove.len() > MAX_LABEL_CHANGES {
        return invalid("Too many label changes (at most 100 each)");
    }
    if let Some(bad) = add.iter().chain(&remove).find(|l| !mailbox.label_exists(l)) {
        return invalid(&format!("Invalid label: {bad}"));
    }
    change(mailbox, id, &add, &remove, now_ms)
}

pub(crate) fn trash(mailbox: &mut Mailbox, id: &str, now_ms: i64) -> Reply {
    change(mailbox, id, &["TRASH".to_owned()], &[], now_ms)
}

pub(crate) fn untrash(mailbox: &mut Mailbox, id: &str, now_ms: i64) -> Reply {
    change(mailbox, id, &[], &["TRASH".to_owned()], now_ms)
}

pub(crate) fn delete(mailbox: &mut Mailbox, id: &str, now_ms: i64) -> Reply {
    if !mailbox.delete(id, now_ms) {
        return not_found();
    }
    hyper::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(http_body_util::Full::new(hyper::body::Bytes::new()))
        .expect("a response from valid parts")
}

pub(crate) fn create_label(mailbox: &mut Mailbox, body: &[u8]) -> Reply {
    let Some(body) = json_body(body) else {
        return invalid("Invalid JSON payload received.");
    };
    let Some(name) = body["name"]
        .as_str()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return invalid("Invalid label name");
    };
    match mailbox.new_label(name) {
        Ok(id) => ok(&json!({
            "id": id,
            "name": name,
            "messageListVisibility": "show",
            "labelListVisibility": "labelShow",
            "type": "user",
        })),
        Err(_) => envelope(
            StatusCode::CONFLICT,
            "Label name exists or conflicts",
            "global",
            "duplicate",
        ),
    }
}

fn change(
    mailbox: &mut Mailbox,
    id: &str,
    add: &[String],
    remove: &[String],
    now_ms: i64,
) -> Reply {
    if mailbox.modify(id, add, remove, now_ms).is_none() {
        return not_found();
    }
    let m = mailbox.get(id).expect("just modified");
    ok(&json!({"id": m.id, "threadId": m.thread_id, "labelIds": m.label_ids}))
}

fn json_body(body: &[u8]) -> Option<Value> {
    if body.is_empty() {
        return Some(json!({}));
    }
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
}

/// The strings of `body[key]` (absent = none); `None` when it is not a list of strings.
fn labels(body: &Value, key: &str) -> Option<Vec<String>> {
    match &body[key] {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}
