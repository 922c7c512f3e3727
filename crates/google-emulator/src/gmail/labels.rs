//! labels.list — `GET /gmail/v1/users/{userId}/labels` (google-protocols.md §2.6, §5): the
//! system labels, then the user labels, each with only `id, name, messageListVisibility,
//! labelListVisibility, type` (counts are labels.get's, not served yet).

use super::mailbox::{Mailbox, SYSTEM_LABELS};
use super::Reply;
use serde_json::{json, Value};

pub(crate) fn list(mailbox: &Mailbox) -> Reply {
    let mut labels: Vec<Value> = SYSTEM_LABELS
        .iter()
        .map(|(id, message_list, label_list)| {
            let mut label = json!({"id": id, "name": id, "type": "system"});
            if let Some(v) = message_list {
                label["messageListVisibility"] = json!(v);
            }
            if let Some(v) = label_list {
                label["labelListVisibility"] = json!(v);
            }
            label
        })
        .collect();
    labels.extend(mailbox.user_labels().iter().map(|l| {
        json!({
            "id": l.id,
            "name": l.name,
            "messageListVisibility": "show",
            "labelListVisibility": "labelShow",
            "type": "user",
        })
    }));
    super::ok(&json!({ "labels": labels }))
}
