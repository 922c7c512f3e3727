//! Gmail's REST API for one inbox, under `/api/v1/inboxes/{inbox}/gmail/v1/users/me/`: exactly
//! the calls helpr-gmail's `GmailApi` makes for sync and the trash/label outbox, so a desktop's
//! sync runs unchanged against `https://server/api/v1/inboxes/{inbox}/gmail/v1/users/me` with
//! its session token as the bearer ([`helpr_gmail::TokenSource::fixed`]). The server adds the
//! inbox's access token, forwards, and passes Gmail's answer on without keeping any of it.
//!
//! Decided by the policy, like the rest of the API:
//!
//! | call | decided |
//! |---|---|
//! | `GET profile`, `GET labels` | `SeeInbox` |
//! | `GET messages`, `GET history` | `SeeInbox`; then each message kept only if its conversation may be read (`ReadConversation`) |
//! | `GET messages/{id}` (`raw`, `minimal`, `metadata`) | `SeeInbox`, then `ReadConversation` on the `threadId` Gmail answers, before any byte is passed on |
//! | `POST messages/{id}/modify`, `…/trash`, `…/untrash` | `SeeInbox`, then `Reply` on the message's conversation (asked of Gmail first) |
//! | `POST labels` | `Reply` on a conversation the caller would start (agent or above) |
//!
//! Only the query parameters those calls use are passed on (no `fields`, which could hide
//! the `threadId`). Gmail's refusals (404, 429, 5xx) come back as Gmail sent them, so the
//! desktop's retry and resync rules apply; the broker's own (no account, reconnect needed,
//! Google unreachable) are `upstream` errors. The quota spent is the inbox's, shared by every
//! desktop.

use std::collections::HashSet;
use std::sync::Arc;

use crate::api::path::Path;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use helpr_gmail::limiter::cost;
use helpr_policy::{can, Action, InboxId, Object};
use helpr_proto::error::ApiError;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::broker::{bad_gateway, Connection};
use super::scan::TopLevelString;
use super::{decide_inbox, decide_new_conversation, decide_thread};
use crate::api::body::Body;
use crate::api::check;
use crate::app::App;
use crate::auth::session::Caller;
use crate::error::Failure;

/// The most of a Gmail answer held before it is passed on (a 35 MB message is ~47 MB as
/// base64 in JSON).
const MAX_HELD: usize = 64 << 20;
/// The most of a list, history page, label list or error read whole.
const MAX_JSON: usize = 16 << 20;
const JSON: &str = "application/json; charset=UTF-8";

/// The query parameters passed on, checked against the call's own.
fn query(raw: Option<String>, allowed: &[&str]) -> Result<Vec<(String, String)>, Failure> {
    let raw = raw.unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Some((name, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        let shown = if name.len() <= 32 && name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            format!("`{name}`")
        } else {
            "a parameter".to_owned()
        };
        return Err(Failure::invalid(format!(
            "{shown} is not passed on to Gmail here (this call takes {})",
            allowed.join(", ")
        )));
    }
    Ok(pairs)
}

/// A Gmail message id in a path: 1 to 64 letters, digits, `-` or `_`.
fn message_id(id: &str) -> Result<&str, Failure> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(Failure::invalid(
            "a message id is 1 to 64 letters, digits, - or _",
        ))
    }
}

/// The inbox's connection, once the caller may see the inbox.
async fn open(
    app: &App,
    caller: &Caller,
    inbox: InboxId,
) -> Result<(Arc<Connection>, bool), Failure> {
    let access = decide_inbox(app, caller, inbox, Action::SeeInbox)?;
    let connection = app.gmail.connection(caller.org, inbox).await?;
    Ok((connection, access.is_some_and(|a| a.assigned_only)))
}

/// All of an answer's body, up to `limit`.
async fn whole(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk);
                if body.len() > limit {
                    return Err(bad_gateway("Gmail's answer is too large"));
                }
            }
            Ok(None) => return Ok(body),
            Err(_) => return Err(bad_gateway("Gmail's answer broke off")),
        }
    }
}

fn answer(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let mut response = (status, body.into()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Gmail's answer as it came (its status, its JSON, its `Retry-After`).
async fn relay(response: reqwest::Response) -> Result<Response, Failure> {
    let status = StatusCode::from_u16(response.status().as_u16())
        .map_err(|_| bad_gateway("Gmail answered an unknown status"))?;
    let retry_after = response.headers().get(RETRY_AFTER).cloned();
    let body = whole(response, MAX_JSON).await?;
    let mut out = answer(status, body);
    if let Some(v) = retry_after.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
        out.headers_mut().insert(RETRY_AFTER, v);
    }
    Ok(out)
}

/// A successful answer's JSON object.
async fn json(response: reqwest::Response) -> Result<serde_json::Map<String, Value>, Failure> {
    let body = whole(response, MAX_JSON).await?;
    match serde_json::from_slice(&body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(bad_gateway("Gmail's answer was not understood")),
    }
}

/// Which of `threads` the caller may read now.
fn readable<'a>(
    app: &App,
    caller: &Caller,
    inbox: InboxId,
    threads: impl Iterator<Item = &'a str>,
) -> Result<HashSet<String>, Failure> {
    let threads: HashSet<&str> = threads.collect();
    app.read(caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        Ok(threads
            .into_iter()
            .filter(|t| {
                let conversation = s.conversation(inbox, t);
                can(
                    me,
                    Action::ReadConversation,
                    Object::Conversation(&rec.policy, &conversation),
                    now,
                )
            })
            .map(str::to_owned)
            .collect())
    })
}

fn thread_of(message: &Value) -> Option<&str> {
    message.get("threadId").and_then(Value::as_str)
}

/// `GET …/gmail/v1/users/me/profile` (`users.getProfile`). An assigned-only caller is not told
/// the mailbox's totals.
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/profile", security(("session" = [])),
    params(("inbox" = i64, Path)),
    responses((status = 200, description = "Gmail's Profile", body = Object), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, description = "no such inbox", body = ApiError),
        (status = 409, description = "no account, or reconnect needed", body = ApiError)))]
pub async fn profile(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failure> {
    let inbox = InboxId(inbox);
    let (connection, assigned_only) = open(&app, &caller, inbox).await?;
    let q = query(raw, &[])?;
    let response = connection
        .call(Method::GET, "/profile", &q, None, cost::GET_PROFILE)
        .await?;
    if !response.status().is_success() {
        return relay(response).await;
    }
    let mut profile = json(response).await?;
    if assigned_only {
        profile.remove("messagesTotal");
        profile.remove("threadsTotal");
    }
    Ok(answer(StatusCode::OK, Value::Object(profile).to_string()))
}

/// `GET …/gmail/v1/users/me/labels` (`users.labels.list`).
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/labels", security(("session" = [])),
    params(("inbox" = i64, Path)),
    responses((status = 200, description = "Gmail's ListLabelsResponse", body = Object), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, description = "no such inbox", body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn labels(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failure> {
    let inbox = InboxId(inbox);
    let (connection, _) = open(&app, &caller, inbox).await?;
    let q = query(raw, &[])?;
    let response = connection
        .call(Method::GET, "/labels", &q, None, cost::LABELS_LIST)
        .await?;
    relay(response).await
}

/// `labels.create`'s body, as the outbox sends it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewLabel {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_list_visibility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_list_visibility: Option<String>,
}

/// `POST …/gmail/v1/users/me/labels` (`users.labels.create`): for those who may write to
/// the mailbox (agent or above).
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/labels", security(("session" = [])),
    request_body = NewLabel, params(("inbox" = i64, Path)),
    responses((status = 200, description = "Gmail's Label", body = Object), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, description = "no such inbox", body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn create_label(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    RawQuery(raw): RawQuery,
    Body(label): Body<NewLabel>,
) -> Result<Response, Failure> {
    let inbox = InboxId(inbox);
    decide_new_conversation(&app, &caller, inbox)?;
    let q = query(raw, &[])?;
    let connection = app.gmail.connection(caller.org, inbox).await?;
    let body = serde_json::to_vec(&label).map_err(|_| Failure::internal())?;
    let response = connection
        .call(
            Method::POST,
            "/labels",
            &q,
            Some(&body),
            cost::LABELS_CREATE,
        )
        .await?;
    relay(response).await
}

/// `GET …/gmail/v1/users/me/messages` (`users.messages.list`): the page's messages of
/// conversations the caller may read. For an assigned-only caller, the estimate is the
/// page's count.
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/messages", security(("session" = [])),
    params(("inbox" = i64, Path)),
    responses((status = 200, description = "Gmail's ListMessagesResponse, filtered", body = Object),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, description = "no such inbox", body = ApiError), (status = 409, body = ApiError)))]
pub async fn list_messages(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failure> {
    let inbox = InboxId(inbox);
    let (connection, assigned_only) = open(&app, &caller, inbox).await?;
    let q = query(
        raw,
        &["maxResults", "pageToken", "labelIds", "includeSpamTrash"],
    )?;
    let response = connection
        .call(Method::GET, "/messages", &q, None, cost::MESSAGES_LIST)
        .await?;
    if !response.status().is_success() {
        return relay(response).await;
    }
    let mut page = json(response).await?;
    let mut kept = 0;
    if let Some(Value::Array(messages)) = page.get_mut("messages") {
        let allowed = readable(&app, &caller, inbox, messages.iter().filter_map(thread_of))?;
        messages.retain(|m| thread_of(m).is_some_and(|t| allowed.contains(t)));
        kept = messages.len();
        if messages.is_empty() {
            page.remove("messages");
        }
    }
    if assigned_only {
        page.insert("resultSizeEstimate".into(), kept.into());
    }
    Ok(answer(StatusCode::OK, Value::Object(page).to_string()))
}

/// `GET …/gmail/v1/users/me/history` (`users.history.list`): each record keeps the
/// messages of conversations the caller may read (records themselves stay, so the page's
/// ids still checkpoint).
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/history", security(("session" = [])),
    params(("inbox" = i64, Path)),
    responses((status = 200, description = "Gmail's ListHistoryResponse, filtered", body = Object),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, description = "Gmail: the start is too old (sync in full)", body = Object),
        (status = 409, body = ApiError)))]
pub async fn history(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failure> {
    let inbox = InboxId(inbox);
    let (connection, _) = open(&app, &caller, inbox).await?;
    let q = query(
        raw,
        &[
            "startHistoryId",
            "maxResults",
            "pageToken",
            "historyTypes",
            "labelId",
        ],
    )?;
    let response = connection
        .call(Method::GET, "/history", &q, None, cost::HISTORY_LIST)
        .await?;
    if !response.status().is_success() {
        return relay(response).await;
    }
    let mut page = json(response).await?;
    if let Some(Value::Array(records)) = page.get_mut("history") {
        filter_history(&app, &caller, inbox, records)?;
    }
    Ok(answer(StatusCode::OK, Value::Object(page).to_string()))
}

/// The typed lists of a history record: `messages` holds messages, the others `{message}`.
const HISTORY_LISTS: [&str; 5] = [
    "messages",
    "messagesAdded",
    "messagesDeleted",
    "labelsAdded",
    "labelsRemoved",
];

fn history_thread<'a>(list: &str, entry: &'a Value) -> Option<&'a str> {
    if list == "messages" {
        thread_of(entry)
    } else {
        entry.get("message").and_then(thread_of)
    }
}

fn filter_history(
    app: &App,
    caller: &Caller,
    inbox: InboxId,
    records: &mut [Value],
) -> Result<(), Failure> {
    let threads: Vec<&str> = records
        .iter()
        .flat_map(|r| {
            HISTORY_LISTS.iter().flat_map(move |list| {
                r.get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(move |e| history_thread(list, e))
            })
        })
        .collect();
    let allowed = readable(app, caller, inbox, threads.into_iter())?;
    for record in records.iter_mut() {
        let Some(record) = record.as_object_mut() else {
            continue;
        };
        for list in HISTORY_LISTS {
            if let Some(Value::Array(entries)) = record.get_mut(list) {
                entries.retain(|e| history_thread(list, e).is_some_and(|t| allowed.contains(t)));
                if entries.is_empty() {
                    record.remove(list);
                }
            }
        }
    }
    Ok(())
}

/// `GET …/gmail/v1/users/me/messages/{message}` (`users.messages.get`, `format` = `raw`,
/// `minimal` or `metadata`): decided on the `threadId` Gmail answers, then streamed on.
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/messages/{message}", security(("session" = [])),
    params(("inbox" = i64, Path), ("message" = String, Path)),
    responses((status = 200, description = "Gmail's Message", body = Object), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, description = "Gmail: no such message", body = Object),
        (status = 409, body = ApiError)))]
pub async fn get_message(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, message)): Path<(i64, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failure> {
    let inbox = InboxId(inbox);
    let (connection, _) = open(&app, &caller, inbox).await?;
    let q = query(raw, &["format", "metadataHeaders"])?;
    let formats = ["raw", "minimal", "metadata"];
    let named: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str())
        .collect();
    if !matches!(named[..], [one] if formats.contains(&one)) {
        return Err(Failure::invalid(
            "name one format: raw, minimal or metadata",
        ));
    }
    let path = format!("/messages/{}", message_id(&message)?);
    let response = connection
        .call(Method::GET, &path, &q, None, cost::MESSAGES_GET)
        .await?;
    if !response.status().is_success() {
        return relay(response).await;
    }
    stream_decided(response, |thread| {
        decide_thread(&app, &caller, inbox, thread, Action::ReadConversation)
    })
    .await
}

/// Holds the answer back until its top-level `threadId` is read and `decide` allows it, then
/// streams it on (what was held first, the rest as it arrives). Nothing is kept after.
async fn stream_decided(
    mut response: reqwest::Response,
    decide: impl FnOnce(&str) -> Result<(), Failure>,
) -> Result<Response, Failure> {
    let mut held: Vec<u8> = Vec::new();
    let mut scan = TopLevelString::new("threadId");
    let found = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                held.extend_from_slice(&chunk);
                if let Some(found) = scan.feed(&held) {
                    break found;
                }
                if held.len() > MAX_HELD {
                    return Err(bad_gateway("Gmail's answer is too large"));
                }
            }
            Ok(None) => break scan.finish(),
            Err(_) => return Err(bad_gateway("Gmail's answer broke off")),
        }
    };
    let thread = found.map_err(|_| bad_gateway("Gmail's answer names no conversation"))?;
    decide(&thread)?;
    let rest = futures_util::stream::unfold(Some(response), |state| async move {
        let mut response = state?;
        match response.chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk), Some(response))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    });
    let first = futures_util::stream::once(std::future::ready(Ok::<Bytes, reqwest::Error>(
        Bytes::from(held),
    )));
    Ok(answer(
        StatusCode::OK,
        axum::body::Body::from_stream(first.chain(rest)),
    ))
}

/// Whose a message is, by Gmail.
enum Owner {
    /// Its conversation.
    Thread(String),
    /// Gmail's refusal (a gone message: 404), to pass on.
    Refused(Box<Response>),
}

/// The conversation a message belongs to, asked of Gmail (`format=minimal`).
async fn conversation_of(connection: &Connection, message: &str) -> Result<Owner, Failure> {
    let path = format!("/messages/{message}");
    let q = [("format".to_owned(), "minimal".to_owned())];
    let response = connection
        .call(Method::GET, &path, &q, None, cost::MESSAGES_GET)
        .await?;
    if !response.status().is_success() {
        return Ok(Owner::Refused(Box::new(relay(response).await?)));
    }
    let body = Value::Object(json(response).await?);
    thread_of(&body)
        .map(|t| Owner::Thread(t.to_owned()))
        .ok_or_else(|| bad_gateway("Gmail's answer names no conversation"))
}

/// A change to one message: `Reply` on its conversation, then Gmail's answer, which must be
/// about the same conversation.
async fn change_message(
    app: &App,
    caller: &Caller,
    inbox: InboxId,
    message: &str,
    verb: &str,
    body: Option<Vec<u8>>,
    units: u32,
) -> Result<Response, Failure> {
    let (connection, _) = open(app, caller, inbox).await?;
    let message = message_id(message)?;
    let thread = match conversation_of(&connection, message).await? {
        Owner::Thread(thread) => thread,
        Owner::Refused(answer) => return Ok(*answer),
    };
    decide_thread(app, caller, inbox, &thread, Action::Reply)?;
    let path = format!("/messages/{message}/{verb}");
    let response = connection
        .call(Method::POST, &path, &[], body.as_deref(), units)
        .await?;
    if !response.status().is_success() {
        return relay(response).await;
    }
    let answer_body = Value::Object(json(response).await?);
    if thread_of(&answer_body).is_some_and(|t| t != thread) {
        return Err(bad_gateway(
            "Gmail moved the message to another conversation",
        ));
    }
    Ok(answer(StatusCode::OK, answer_body.to_string()))
}

/// `messages.modify`'s body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModifyLabels {
    #[serde(default)]
    pub add_label_ids: Vec<String>,
    #[serde(default)]
    pub remove_label_ids: Vec<String>,
}

/// `POST …/gmail/v1/users/me/messages/{message}/modify` (`users.messages.modify`).
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/messages/{message}/modify", security(("session" = [])),
    request_body = ModifyLabels, params(("inbox" = i64, Path), ("message" = String, Path)),
    responses((status = 200, description = "Gmail's Message (ids and labels)", body = Object), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = Object), (status = 409, body = ApiError)))]
pub async fn modify(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, message)): Path<(i64, String)>,
    Body(change): Body<ModifyLabels>,
) -> Result<Response, Failure> {
    if change.add_label_ids.len() > 100 || change.remove_label_ids.len() > 100 {
        return Err(Failure::invalid(
            "at most 100 labels to add and 100 to remove",
        ));
    }
    let body = serde_json::to_vec(&change).map_err(|_| Failure::internal())?;
    change_message(
        &app,
        &caller,
        InboxId(inbox),
        &message,
        "modify",
        Some(body),
        cost::MESSAGES_MODIFY,
    )
    .await
}

/// `POST …/gmail/v1/users/me/messages/{message}/trash` (`users.messages.trash`).
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/messages/{message}/trash", security(("session" = [])),
    params(("inbox" = i64, Path), ("message" = String, Path)),
    responses((status = 200, description = "Gmail's Message (ids and labels)", body = Object), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = Object), (status = 409, body = ApiError)))]
pub async fn trash(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, message)): Path<(i64, String)>,
) -> Result<Response, Failure> {
    change_message(
        &app,
        &caller,
        InboxId(inbox),
        &message,
        "trash",
        None,
        cost::MESSAGES_TRASH,
    )
    .await
}

/// `POST …/gmail/v1/users/me/messages/{message}/untrash` (`users.messages.untrash`).
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/gmail/v1/users/me/messages/{message}/untrash", security(("session" = [])),
    params(("inbox" = i64, Path), ("message" = String, Path)),
    responses((status = 200, description = "Gmail's Message (ids and labels)", body = Object), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = Object), (status = 409, body = ApiError)))]
pub async fn untrash(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, message)): Path<(i64, String)>,
) -> Result<Response, Failure> {
    change_message(
        &app,
        &caller,
        InboxId(inbox),
        &message,
        "untrash",
        None,
        cost::MESSAGES_TRASH,
    )
    .await
}
