//! history.list and the writes that feed it, from outside over a real socket
//! (google-protocols.md §2.6, §2.7): records for new mail, modify, trash, untrash and delete
//! in order with gapped ids; `historyTypes` and `labelId` filters; paging; the retention floor
//! (404) and a missing or garbled `startHistoryId` (400); what modify, trash, untrash and delete
//! do to list and get; labels.create and its 409.

mod common;

use common::{assert_envelope, message, Fixture};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

fn id_of(v: &Value) -> u64 {
    v.as_str().unwrap().parse().unwrap()
}

async fn current(f: &Fixture) -> String {
    let (_, profile) = f.get("profile", &[]).await;
    profile["historyId"].as_str().unwrap().to_owned()
}

/// The record's one typed field: its name and the label ids it names (if any).
fn kind(record: &Value) -> (String, Vec<String>) {
    for key in [
        "messagesAdded",
        "messagesDeleted",
        "labelsAdded",
        "labelsRemoved",
    ] {
        if let Some(items) = record[key].as_array() {
            let labels = items[0]["labelIds"]
                .as_array()
                .map(|l| l.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            return (key.to_owned(), labels);
        }
    }
    panic!("no typed field in {record}");
}

#[tokio::test]
async fn every_change_is_a_record_in_order_with_gapped_ids() {
    let f = Fixture::new().await;
    f.emulator.seed_messages(vec![message(1, "Old")]);
    let start = current(&f).await;

    let id = f
        .emulator
        .add_message(message(2, "New"), &["INBOX", "UNREAD"]);
    let (status, modified) = f
        .post(
            &format!("messages/{id}/modify"),
            &json!({"addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{modified}");
    assert_eq!(modified["labelIds"], json!(["INBOX", "STARRED"]));
    let (status, _) = f.post(&format!("messages/{id}/trash"), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = f.post(&format!("messages/{id}/untrash"), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = f.delete(&format!("messages/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);

    let (status, body) = f.get("history", &[("startHistoryId", &start)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let history = body["history"].as_array().unwrap();
    let kinds: Vec<(String, Vec<String>)> = history.iter().map(kind).collect();
    let expected = [
        ("messagesAdded", vec!["INBOX", "UNREAD"]),
        ("labelsAdded", vec!["STARRED"]),
        ("labelsRemoved", vec!["UNREAD"]),
        ("labelsAdded", vec!["TRASH"]),
        ("labelsRemoved", vec!["TRASH"]),
        ("messagesDeleted", vec![]),
    ];
    assert_eq!(kinds.len(), expected.len(), "{body}");
    for ((kind, labels), (want_kind, want_labels)) in kinds.iter().zip(expected) {
        assert_eq!(kind, want_kind, "{body}");
        if kind.starts_with("labels") {
            assert_eq!(labels, &want_labels, "{body}");
        }
    }
    // messagesAdded carries the message's labels; every record names the message.
    assert_eq!(
        history[0]["messagesAdded"][0]["message"]["labelIds"],
        json!(["INBOX", "UNREAD"])
    );
    for record in history {
        assert_eq!(record["messages"][0]["id"], id.as_str());
        assert_eq!(record["messages"][0]["threadId"], id.as_str());
    }
    let ids: Vec<u64> = history.iter().map(|r| id_of(&r["id"])).collect();
    assert!(ids[0] > id_of(&json!(start)));
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(
        ids.windows(2).any(|w| w[1] - w[0] > 1),
        "ids have gaps: {ids:?}"
    );
    assert_eq!(id_of(&body["historyId"]), *ids.last().unwrap());
    assert!(body.get("nextPageToken").is_none());
}

#[tokio::test]
async fn a_message_carries_the_id_of_its_last_change_and_nothing_new_is_just_the_id() {
    let f = Fixture::new().await;
    let id = f.emulator.add_message(message(1, "A"), &["INBOX"]);
    f.post(
        &format!("messages/{id}/modify"),
        &json!({"addLabelIds": ["IMPORTANT"]}),
    )
    .await;
    let now = current(&f).await;
    let (_, got) = f
        .get(&format!("messages/{id}"), &[("format", "minimal")])
        .await;
    assert_eq!(got["historyId"], now.as_str());

    // Adding a label it already has changes nothing and writes nothing.
    f.post(
        &format!("messages/{id}/modify"),
        &json!({"addLabelIds": ["IMPORTANT"]}),
    )
    .await;
    let (status, body) = f.get("history", &[("startHistoryId", &now)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"historyId": now}));
}

#[tokio::test]
async fn history_types_and_label_id_filter_records() {
    let f = Fixture::new().await;
    let start = current(&f).await;
    let a = f
        .emulator
        .add_message(message(1, "A"), &["INBOX", "UNREAD"]);
    let b = f.emulator.add_message(message(2, "B"), &["INBOX"]);
    assert!(f.emulator.modify_message(&a, &["STARRED"], &["UNREAD"]));
    assert!(f.emulator.modify_message(&b, &["IMPORTANT"], &[]));
    assert!(f.emulator.delete_message(&b));

    let (_, body) = f
        .get(
            "history",
            &[("startHistoryId", &start), ("historyTypes", "labelAdded")],
        )
        .await;
    let kinds: Vec<_> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("labelsAdded".to_owned(), vec!["STARRED".to_owned()]),
            ("labelsAdded".to_owned(), vec!["IMPORTANT".to_owned()]),
        ]
    );

    let (_, body) = f
        .get(
            "history",
            &[
                ("startHistoryId", &start),
                ("historyTypes", "messageAdded"),
                ("historyTypes", "messageDeleted"),
            ],
        )
        .await;
    let kinds: Vec<String> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| kind(r).0)
        .collect();
    assert_eq!(kinds, ["messagesAdded", "messagesAdded", "messagesDeleted"]);

    // labelId: records whose message carried the label, or whose change named it.
    let (_, body) = f
        .get(
            "history",
            &[("startHistoryId", &start), ("labelId", "UNREAD")],
        )
        .await;
    let records = body["history"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{body}");
    assert_eq!(kind(&records[0]).0, "messagesAdded");
    assert_eq!(
        kind(&records[1]),
        ("labelsRemoved".to_owned(), vec!["UNREAD".to_owned()])
    );
    assert!(records.iter().all(|r| r["messages"][0]["id"] == a.as_str()));

    let (status, body) = f
        .get(
            "history",
            &[("startHistoryId", &start), ("historyTypes", "labelMoved")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "INVALID_ARGUMENT", "global", "invalidArgument");
}

#[tokio::test]
async fn pages_cover_every_record_once_in_order() {
    let f = Fixture::new().await;
    let start = current(&f).await;
    for n in 0..12 {
        f.emulator.add_message(message(n, "Paged"), &["INBOX"]);
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("startHistoryId", start.as_str()), ("maxResults", "5")];
        if let Some(t) = &token {
            query.push(("pageToken", t));
        }
        let (status, body) = f.get("history", &query).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pages += 1;
        let records = body["history"].as_array().unwrap();
        assert!(records.len() <= 5);
        seen.extend(records.iter().map(|r| id_of(&r["id"])));
        match body["nextPageToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let all: Vec<u64> = f.emulator.history().iter().map(|r| r.id).collect();
    assert_eq!(seen, all);

    let (status, body) = f
        .get(
            "history",
            &[("startHistoryId", &start), ("pageToken", "abc")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "INVALID_ARGUMENT", "global", "invalidArgument");
}

#[tokio::test]
async fn a_start_below_the_retention_floor_is_404() {
    let f = Fixture::new().await;
    let start = current(&f).await;
    f.emulator.add_message(message(1, "A"), &["INBOX"]);
    let middle = current(&f).await;
    f.emulator.add_message(message(2, "B"), &["INBOX"]);

    f.emulator.set_history_floor(id_of(&json!(middle)));
    let (status, body) = f.get("history", &[("startHistoryId", &start)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_envelope(&body, 404, "NOT_FOUND", "global", "notFound");
    assert_eq!(body["error"]["message"], "Requested entity was not found.");
    let (status, body) = f.get("history", &[("startHistoryId", &middle)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["history"].as_array().unwrap().len(), 1);

    // Expiry by age on the emulator's clock (minutes here, about a week at Google; the
    // access token lives an hour).
    f.emulator.advance_clock(Duration::from_secs(120));
    f.emulator.add_message(message(3, "C"), &["INBOX"]);
    let recent = f.emulator.history().last().unwrap().id;
    f.emulator
        .expire_history_older_than(Duration::from_secs(60));
    assert_eq!(f.emulator.history().len(), 1);
    let (status, _) = f.get("history", &[("startHistoryId", &middle)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let floor = f.emulator.history_floor().to_string();
    let (status, body) = f.get("history", &[("startHistoryId", &floor)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(id_of(&body["history"][0]["id"]), recent);
}

#[tokio::test]
async fn a_missing_or_garbled_start_is_400() {
    let f = Fixture::new().await;
    for query in [vec![], vec![("startHistoryId", "soon")]] {
        let (status, body) = f.get("history", &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_envelope(&body, 400, "INVALID_ARGUMENT", "global", "invalidArgument");
        assert_eq!(
            body["error"]["message"],
            "Missing/invalid parameter: startHistoryId"
        );
    }
}

async fn listed(f: &Fixture, query: &[(&str, &str)]) -> Vec<String> {
    let (_, body) = f.get("messages", query).await;
    body["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn modify_trash_untrash_and_delete_show_in_list_and_get() {
    let f = Fixture::new().await;
    let ids = f
        .emulator
        .seed_messages(vec![message(1, "A"), message(2, "B")]);
    let (a, b) = (&ids[0], &ids[1]);

    let (_, body) = f
        .post(
            &format!("messages/{a}/modify"),
            &json!({"removeLabelIds": ["UNREAD"]}),
        )
        .await;
    assert_eq!(body, json!({"id": a, "threadId": a, "labelIds": ["INBOX"]}));
    assert_eq!(listed(&f, &[("labelIds", "UNREAD")]).await, vec![b.clone()]);

    let (_, trashed) = f.post(&format!("messages/{a}/trash"), &json!({})).await;
    assert_eq!(trashed["labelIds"], json!(["INBOX", "TRASH"]));
    assert_eq!(listed(&f, &[]).await, vec![b.clone()]);
    assert_eq!(listed(&f, &[("includeSpamTrash", "true")]).await.len(), 2);
    let (_, untrashed) = f.post(&format!("messages/{a}/untrash"), &json!({})).await;
    assert_eq!(untrashed["labelIds"], json!(["INBOX"]));
    assert_eq!(listed(&f, &[]).await.len(), 2);

    let (status, _) = f.delete(&format!("messages/{b}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = f.get(&format!("messages/{b}"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_envelope(&body, 404, "NOT_FOUND", "global", "notFound");
    assert_eq!(listed(&f, &[]).await, vec![a.clone()]);
    let (_, profile) = f.get("profile", &[]).await;
    assert_eq!(profile["messagesTotal"], 1);

    for (status, body) in [
        f.delete(&format!("messages/{b}")).await,
        f.post(&format!("messages/{b}/trash"), &json!({})).await,
        f.post(&format!("messages/{b}/modify"), &json!({})).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_envelope(&body, 404, "NOT_FOUND", "global", "notFound");
    }
    let (status, body) = f
        .post(
            &format!("messages/{a}/modify"),
            &json!({"addLabelIds": ["Label_9"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "INVALID_ARGUMENT", "global", "invalidArgument");
    let (status, _) = f
        .post(
            &format!("messages/{a}/modify"),
            &json!({"addLabelIds": "INBOX"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn labels_create_returns_the_label_and_409s_a_taken_name() {
    let f = Fixture::new().await;
    let before = id_of(&json!(current(&f).await));
    let (status, label) = f
        .post(
            "labels",
            &json!({"name": "Receipts", "labelListVisibility": "labelShow", "messageListVisibility": "show"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{label}");
    assert_eq!(label["name"], "Receipts");
    assert_eq!(label["type"], "user");
    let id = label["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("Label_"), "{id}");
    let (_, labels) = f.get("labels", &[]).await;
    assert!(labels["labels"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["id"] == id.as_str() && l["name"] == "Receipts"));
    // Creating a label writes no history record.
    assert!(f.emulator.history().is_empty());
    assert!(id_of(&json!(current(&f).await)) > before);

    for name in ["Receipts", "receipts", "INBOX"] {
        let (status, body) = f.post("labels", &json!({"name": name})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}");
        assert_envelope(&body, 409, "ALREADY_EXISTS", "global", "duplicate");
    }
    let (status, _) = f.post("labels", &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The new label is usable at once.
    let m = f.emulator.add_message(message(1, "A"), &["INBOX"]);
    let (status, body) = f
        .post(
            &format!("messages/{m}/modify"),
            &json!({"addLabelIds": [id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["labelIds"], json!(["INBOX", id]));
    assert_eq!(listed(&f, &[("labelIds", &id)]).await, vec![m]);
}
