//! users.watch and users.stop (google-protocols.md §2.8): `POST …/watch` with `{topicName,
//! labelIds, labelFilterBehavior}` (the deprecated `labelFilterAction` is read when the new
//! field is absent; both in any case) → `{historyId, expiration}` as strings, expiration
//! seven days on (then it lapses: nothing more is published until the next watch); a
//! successful watch publishes one notification at once (through [`crate::push`]). `POST
//! …/stop` → 204. The topic only has to be shaped
//! `projects/<project>/topics/<topic>`: there is no Pub/Sub project to check it against.

use super::mailbox::Mailbox;
use super::{invalid, ok, Reply};
use crate::push::{Hub, Watch};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WatchRequest {
    topic_name: Option<String>,
    #[serde(default)]
    label_ids: Vec<String>,
    label_filter_behavior: Option<String>,
    label_filter_action: Option<String>,
}

pub(crate) fn watch(mailbox: &Mailbox, hub: &Hub, body: &[u8], now_ms: u64) -> Reply {
    let Ok(request) = serde_json::from_slice::<WatchRequest>(body) else {
        return invalid("Invalid JSON payload received.");
    };
    let Some(topic) = request.topic_name.filter(|t| topic_shaped(t)) else {
        return invalid("Invalid topicName does not match projects/*/topics/*");
    };
    let _ = topic;
    let behavior = request
        .label_filter_behavior
        .or(request.label_filter_action)
        .unwrap_or_else(|| "include".to_owned());
    let include = match behavior.to_ascii_lowercase().as_str() {
        "include" => true,
        "exclude" => false,
        _ => return invalid(&format!("Invalid labelFilterBehavior: {behavior}")),
    };
    if let Some(unknown) = request.label_ids.iter().find(|l| !mailbox.label_exists(l)) {
        return invalid(&format!("Invalid label: {unknown}"));
    }
    let history_id = mailbox.history_id();
    let expiration = hub.watch(
        Watch {
            label_ids: request.label_ids,
            include,
        },
        history_id,
        now_ms,
    );
    ok(&json!({
        "historyId": history_id.to_string(),
        "expiration": expiration.to_string(),
    }))
}

pub(crate) fn stop(hub: &Hub) -> Reply {
    hub.stop();
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Full::new(Bytes::new()))
        .expect("a response from valid parts")
}

/// `projects/<project>/topics/<topic>`, both parts non-empty and without `/`.
fn topic_shaped(topic: &str) -> bool {
    let parts: Vec<&str> = topic.split('/').collect();
    matches!(parts.as_slice(), ["projects", p, "topics", t] if !p.is_empty() && !t.is_empty())
}
