//! The Gmail REST API v1 as the emulator serves it (google-protocols.md §2, §5): routing under
//! `/gmail/v1/users/{userId}/`, the bearer check (through [`crate::oauth::OAuth::check_access_token`]),
//! the `userId` rule, then quota and faults (`limits`), Google's error envelope and query
//! parsing. The operations live one per file: `messages` (list, get, attachments.get),
//! `labels` (labels.list), `history` (history.list), `modify` (modify, trash, untrash,
//! delete, labels.create), `watch` (watch, stop) and getProfile here; `mailbox` holds the data, `payload` the MIME
//! tree.

pub(crate) mod history;
pub(crate) mod labels;
pub(crate) mod limits;
pub mod mailbox;
pub(crate) mod messages;
pub(crate) mod modify;
pub(crate) mod payload;
pub(crate) mod watch;

use crate::oauth::form;
use crate::server::State;
use hyper::body::Bytes;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{HeaderMap, Method, Response, StatusCode};
use limits::{Limits, Op};
use mailbox::Mailbox;
use serde_json::{json, Value};
use std::sync::{Mutex, RwLock};

pub use history::{Change, Record};
pub use limits::{QuotaRefusal, DEFAULT_UNITS_PER_SECOND};
pub use mailbox::read_maildir;

/// Prefix of every Gmail path.
pub const USERS_PATH: &str = "/gmail/v1/users/";

type Reply = Response<http_body_util::Full<Bytes>>;

/// The Gmail side of the emulator: the mailbox, quota and faults.
#[derive(Debug, Default)]
pub(crate) struct Gmail {
    pub(crate) mailbox: RwLock<Mailbox>,
    pub(crate) limits: Mutex<Limits>,
}

impl Gmail {
    pub(crate) fn limits(&self) -> std::sync::MutexGuard<'_, Limits> {
        self.limits.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Which operation `method` on `segments` (the path after `{userId}/`) is.
fn operation(method: &Method, segments: &[&str]) -> Option<Op> {
    Some(match (method, segments) {
        (&Method::GET, ["profile"]) => Op::GetProfile,
        (&Method::GET, ["labels"]) => Op::LabelsList,
        (&Method::POST, ["labels"]) => Op::LabelsCreate,
        (&Method::GET, ["history"]) => Op::HistoryList,
        (&Method::GET, ["messages"]) => Op::MessagesList,
        (&Method::GET, ["messages", _]) => Op::MessagesGet,
        (&Method::DELETE, ["messages", _]) => Op::MessagesDelete,
        (&Method::GET, ["messages", _, "attachments", _]) => Op::AttachmentsGet,
        (&Method::POST, ["messages", _, "modify"]) => Op::MessagesModify,
        (&Method::POST, ["messages", _, "trash"]) => Op::MessagesTrash,
        (&Method::POST, ["messages", _, "untrash"]) => Op::MessagesUntrash,
        (&Method::POST, ["watch"]) => Op::Watch,
        (&Method::POST, ["stop"]) => Op::Stop,
        _ => return None,
    })
}

/// Handles a request under [`USERS_PATH`]; `rest` is the path after it.
pub(crate) async fn handle(
    state: &State,
    method: &Method,
    rest: &str,
    headers: &HeaderMap,
    query: &str,
    body: &[u8],
) -> Reply {
    let (oauth, gmail, push) = (&state.oauth, &state.gmail, &state.push);
    let latency = gmail.limits().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let account = match bearer(headers).map(|t| oauth.check_access_token(t)) {
        Some(Ok(account)) => account,
        _ => return unauthenticated(),
    };
    let (user, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let user = form::decode(user);
    if user != "me" && !user.eq_ignore_ascii_case(&account.email) {
        // Gmail refuses another user's mailbox as delegation (observed; not in the reference).
        return error(
            StatusCode::FORBIDDEN,
            &format!("Delegation denied for {}", account.email),
            "forbidden",
        );
    }
    let segments: Vec<&str> = tail.split('/').collect();
    let Some(op) = operation(method, &segments) else {
        return not_found();
    };
    let now_ms = oauth.clock.now_ms();
    if let Some(refusal) = gmail.limits().admit(&account.email, op, now_ms) {
        return refusal;
    }
    let now_ms = i64::try_from(now_ms).unwrap_or(i64::MAX);
    let query = Query::parse(query);
    if matches!(method, &Method::GET) {
        let mailbox = gmail.mailbox.read().unwrap_or_else(|p| p.into_inner());
        return match segments.as_slice() {
            ["profile"] => ok(&json!({
                "emailAddress": account.email,
                "messagesTotal": mailbox.len(),
                "threadsTotal": mailbox.threads_total(),
                "historyId": mailbox.history_id().to_string(),
            })),
            ["labels"] => labels::list(&mailbox),
            ["history"] => history::list(&mailbox, &query),
            ["messages"] => messages::list(&mailbox, &query),
            ["messages", id] => messages::get(&mailbox, id, &query),
            ["messages", id, "attachments", attachment] => {
                messages::attachment(&mailbox, id, attachment)
            }
            _ => not_found(),
        };
    }
    let mut mailbox = gmail.mailbox.write().unwrap_or_else(|p| p.into_inner());
    match (op, segments.as_slice()) {
        (Op::LabelsCreate, _) => modify::create_label(&mut mailbox, body),
        (Op::MessagesModify, ["messages", id, _]) => modify::modify(&mut mailbox, id, body, now_ms),
        (Op::MessagesTrash, ["messages", id, _]) => modify::trash(&mut mailbox, id, now_ms),
        (Op::MessagesUntrash, ["messages", id, _]) => modify::untrash(&mut mailbox, id, now_ms),
        (Op::MessagesDelete, ["messages", id]) => modify::delete(&mut mailbox, id, now_ms),
        (Op::Watch, _) => watch::watch(&mailbox, push, body, now_ms.unsigned_abs()),
        (Op::Stop, _) => watch::stop(push),
        _ => not_found(),
    }
}

/// The token of `Authorization: Bearer <token>` (scheme in any case).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Query parameters with repeats kept in order (`labelIds=A&labelIds=B`).
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    fn parse(input: &str) -> Self {
        let mut pairs = Vec::new();
        for pair in input.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            pairs.push((form::decode(name), form::decode(value)));
        }
        Self(pairs)
    }

    /// The last value of `name`.
    pub(crate) fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A boolean parameter (`true`/`false`), `default` when absent; else the 400's message.
    pub(crate) fn flag(&self, name: &str, default: bool) -> Result<bool, String> {
        match self.one(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(format!("Invalid value at '{name}' ({other})")),
        }
    }
}

pub(crate) fn ok(body: &Value) -> Reply {
    json_reply(StatusCode::OK, body)
}

fn json_reply(status: StatusCode, body: &Value) -> Reply {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json; charset=UTF-8")
        .body(http_body_util::Full::new(Bytes::from(
            serde_json::to_vec(body).expect("a JSON value serializes"),
        )))
        .expect("a response from valid parts")
}

/// Google's error envelope (§2.9): `{error: {code, message, errors: [{message, domain,
/// reason}], status}}`.
pub(crate) fn error(status: StatusCode, message: &str, reason: &str) -> Reply {
    envelope(status, message, "global", reason)
}

/// [`error`] with the `errors[].domain` given (`usageLimits` for rate limits).
pub(crate) fn envelope(status: StatusCode, message: &str, domain: &str, reason: &str) -> Reply {
    let status_name = match status {
        StatusCode::BAD_REQUEST => "INVALID_ARGUMENT",
        StatusCode::UNAUTHORIZED => "UNAUTHENTICATED",
        StatusCode::FORBIDDEN => "PERMISSION_DENIED",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::CONFLICT => "ALREADY_EXISTS",
        StatusCode::TOO_MANY_REQUESTS => "RESOURCE_EXHAUSTED",
        StatusCode::INTERNAL_SERVER_ERROR => "INTERNAL",
        StatusCode::SERVICE_UNAVAILABLE => "UNAVAILABLE",
        _ => "UNKNOWN",
    };
    json_reply(
        status,
        &json!({"error": {
            "code": status.as_u16(),
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": status_name,
        }}),
    )
}

/// 401 as Gmail sends it for a missing, unknown, revoked or expired token (§2.9, observed).
fn unauthenticated() -> Reply {
    let mut reply = json_reply(
        StatusCode::UNAUTHORIZED,
        &json!({"error": {
            "code": 401,
            "message": "Request had invalid authentication credentials. Expected OAuth 2 \
                        access token, login cookie or other valid authentication credential. \
                        See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "errors": [{
                "message": "Invalid Credentials",
                "domain": "global",
                "reason": "authError",
                "location": "Authorization",
                "locationType": "header",
            }],
            "status": "UNAUTHENTICATED",
        }}),
    );
    reply.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\""),
    );
    reply
}

pub(crate) fn not_found() -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "Requested entity was not found.",
        "notFound",
    )
}

pub(crate) fn invalid(message: &str) -> Reply {
    error(StatusCode::BAD_REQUEST, message, "invalidArgument")
}
