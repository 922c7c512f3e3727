//! The Gmail REST API v1 as the emulator serves it (google-protocols.md §2, §5): the three
//! prefixes (`/gmail/v1/users/{userId}/…`, the media uploads under `/upload/gmail/v1/users/
//! {userId}/…`, and the batch endpoint, `batch`), the bearer check (through
//! [`crate::oauth::OAuth::check_access_token`]; the header, or the `access_token` /
//! `oauth_token` query parameter), the `userId` rule, the discovery's method table
//! (`routes`: served, not implemented → 501, unknown → 404), then quota and faults
//! (`limits`), the operation, and `fields=` on the answer (`fields`). Every error under the
//! prefixes is Google's envelope. The operations live one per file: `messages` (list, get,
//! attachments.get), `threads` (list, get), `send` (messages.send, with `upload` for the
//! upload protocols), `labels` (labels.list), `history` (history.list), `modify` (modify,
//! trash, untrash, delete, labels.create), `watch` (watch, stop), `batch`, and getProfile
//! here; `listing` is what list calls select (`q=` through `search`), `mailbox` holds the
//! data, `payload` the MIME tree, `multipart` splits batch and upload bodies.

pub(crate) mod batch;
pub(crate) mod fields;
pub(crate) mod history;
pub(crate) mod labels;
pub(crate) mod limits;
pub(crate) mod listing;
pub mod mailbox;
pub(crate) mod messages;
pub(crate) mod modify;
pub(crate) mod multipart;
pub(crate) mod payload;
pub(crate) mod routes;
pub(crate) mod search;
pub(crate) mod send;
pub(crate) mod threads;
pub(crate) mod upload;
pub(crate) mod watch;

use crate::oauth::form;
use crate::server::State;
use fields::Selection;
use http_body_util::BodyExt as _;
use hyper::body::Bytes;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{HeaderMap, Method, Response, StatusCode};
use limits::{Limits, Op};
use mailbox::Mailbox;
use routes::Endpoint;
use serde_json::{json, Value};
use std::sync::{Mutex, RwLock};

pub use history::{Change, Record};
pub use limits::{QuotaRefusal, DEFAULT_UNITS_PER_SECOND};
pub use mailbox::read_maildir;

/// Prefix of every Gmail path.
pub const USERS_PATH: &str = "/gmail/v1/users/";
/// Prefix of the media-upload paths (discovery `mediaUpload`).
pub const UPLOAD_USERS_PATH: &str = "/upload/gmail/v1/users/";
/// Gmail's batch endpoint (the batch guide's URL).
pub const BATCH_PATH: &str = "/batch/gmail/v1";
/// The discovery document's `batchPath` under the root URL, served the same.
pub const ROOT_BATCH_PATH: &str = "/batch";

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

/// Whether `path` is under one of the Gmail API's prefixes (so every answer there is
/// Google's JSON envelope).
pub(crate) fn owns(path: &str) -> bool {
    ["/gmail/", "/upload/gmail/", "/batch/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        || path == ROOT_BATCH_PATH
}

/// One request to the Gmail API (alone, or one call of a batch).
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: &'a Method,
    /// The path, without the query.
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// Handles a request under the Gmail prefixes ([`owns`]).
pub(crate) async fn handle(state: &State, request: &ApiRequest<'_>) -> Reply {
    if request.path == BATCH_PATH || request.path == ROOT_BATCH_PATH {
        if request.method != Method::POST {
            return not_found();
        }
        return batch::handle(state, request.headers, request.body).await;
    }
    serve(state, request).await
}

/// One call under `/gmail/v1/users/` or `/upload/gmail/v1/users/`: the whole pipeline, from
/// the bearer check to `fields=`.
pub(crate) async fn serve(state: &State, request: &ApiRequest<'_>) -> Reply {
    let (rest, upload) = if let Some(rest) = request.path.strip_prefix(USERS_PATH) {
        (rest, false)
    } else if let Some(rest) = request.path.strip_prefix(UPLOAD_USERS_PATH) {
        (rest, true)
    } else {
        return not_found();
    };
    let (oauth, gmail, push) = (&state.oauth, &state.gmail, &state.push);
    let latency = gmail.limits().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let query = Query::parse(request.query);
    let token = bearer(request.headers)
        .map(str::to_owned)
        .or_else(|| query.one("access_token").map(str::to_owned))
        .or_else(|| query.one("oauth_token").map(str::to_owned))
        .filter(|t| !t.is_empty());
    let account = match token.map(|t| oauth.check_access_token(&t)) {
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
    let op = match routes::find(request.method, &segments, upload) {
        None => return not_found(),
        Some(Endpoint::Unimplemented(id)) => {
            return envelope(
                StatusCode::NOT_IMPLEMENTED,
                &format!("The emulator does not implement gmail.{id}"),
                "global",
                "notImplemented",
            )
        }
        Some(Endpoint::Serve(op)) => op,
    };
    if let Some(alt) = query.one("alt").filter(|a| *a != "json") {
        return invalid(&format!(
            "The emulator answers only alt=json, not alt={alt}"
        ));
    }
    let selection = match query.one("fields").filter(|f| !f.is_empty()) {
        None => None,
        Some(selector) => match Selection::parse(selector) {
            Ok(selection) => Some(selection),
            Err(e) => return invalid(&e.to_string()),
        },
    };
    let uploaded = if upload {
        match upload::read(&query, request.headers, request.body) {
            Ok(uploaded) => Some(uploaded),
            Err(e) => return e.reply(),
        }
    } else {
        None
    };
    let now_ms = oauth.clock.now_ms();
    if let Some(refusal) = gmail.limits().admit(&account.email, op, now_ms) {
        return refusal;
    }
    let now_ms = i64::try_from(now_ms).unwrap_or(i64::MAX);
    let reply = if matches!(request.method, &Method::GET) {
        let mailbox = gmail.mailbox.read().unwrap_or_else(|p| p.into_inner());
        match segments.as_slice() {
            ["profile"] => ok(&json!({
                "emailAddress": account.email,
                "messagesTotal": mailbox.len(),
                "threadsTotal": mailbox.threads_total(),
                "historyId": mailbox.history_id().to_string(),
            })),
            ["labels"] => labels::list(&mailbox),
            ["history"] => history::list(&mailbox, &query),
            ["messages"] => messages::list(&mailbox, &query, now_ms),
            ["messages", id] => messages::get(&mailbox, id, &query),
            ["messages", id, "attachments", attachment] => {
                messages::attachment(&mailbox, id, attachment)
            }
            ["threads"] => threads::list(&mailbox, &query, now_ms),
            ["threads", id] => threads::get(&mailbox, id, &query),
            _ => not_found(),
        }
    } else {
        let mut mailbox = gmail.mailbox.write().unwrap_or_else(|p| p.into_inner());
        let body = request.body;
        match (op, segments.as_slice()) {
            (Op::LabelsCreate, _) => modify::create_label(&mut mailbox, body),
            (Op::MessagesModify, ["messages", id, _]) => {
                modify::modify(&mut mailbox, id, body, now_ms)
            }
            (Op::MessagesTrash, ["messages", id, _]) => modify::trash(&mut mailbox, id, now_ms),
            (Op::MessagesUntrash, ["messages", id, _]) => modify::untrash(&mut mailbox, id, now_ms),
            (Op::MessagesDelete, ["messages", id]) => modify::delete(&mut mailbox, id, now_ms),
            (Op::MessagesSend, _) => match uploaded {
                Some(up) => send::send(&mut mailbox, up.media, &up.metadata, now_ms),
                None => send::send_json(&mut mailbox, body, now_ms),
            },
            (Op::Watch, _) => watch::watch(&mailbox, push, body, now_ms.unsigned_abs()),
            (Op::Stop, _) => watch::stop(push),
            _ => not_found(),
        }
    };
    match selection {
        Some(selection) => partial(reply, &selection).await,
        None => reply,
    }
}

/// A successful JSON `reply` cut down to `selection`; anything else as it is.
async fn partial(reply: Reply, selection: &Selection) -> Reply {
    if !reply.status().is_success() {
        return reply;
    }
    let (parts, body) = reply.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, http_body_util::Full::new(bytes));
    };
    json_reply(parts.status, &selection.apply(&value))
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
    pub(crate) fn parse(input: &str) -> Self {
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
        StatusCode::NOT_IMPLEMENTED => "UNIMPLEMENTED",
        StatusCode::PAYLOAD_TOO_LARGE => "OUT_OF_RANGE",
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
