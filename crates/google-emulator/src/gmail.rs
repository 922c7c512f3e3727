//! The Gmail REST API v1 as the emulator serves it (google-protocols.md §2, §5): routing under
//! `/gmail/v1/users/{userId}/`, the bearer check (through [`OAuth::check_access_token`]),
//! the `userId` rule, Google's error envelope and query parsing. The operations live one per
//! file: `messages` (list, get, attachments.get), `labels` (labels.list) and getProfile here;
//! `mailbox` holds the data, `payload` the MIME tree.

pub(crate) mod labels;
pub mod mailbox;
pub(crate) mod messages;
pub(crate) mod payload;

use crate::oauth::{form, OAuth};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{HeaderMap, Response, StatusCode};
use mailbox::Mailbox;
use serde_json::{json, Value};
use std::sync::RwLock;

pub use mailbox::read_maildir;

/// Prefix of every Gmail path.
pub const USERS_PATH: &str = "/gmail/v1/users/";

type Reply = Response<http_body_util::Full<Bytes>>;

/// Handles a GET under [`USERS_PATH`]; `rest` is the path after it.
pub(crate) fn get(
    oauth: &OAuth,
    mailbox: &RwLock<Mailbox>,
    rest: &str,
    headers: &HeaderMap,
    query: &str,
) -> Reply {
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
    let query = Query::parse(query);
    let mailbox = mailbox.read().unwrap_or_else(|p| p.into_inner());
    let segments: Vec<&str> = tail.split('/').collect();
    match segments.as_slice() {
        ["profile"] => ok(&json!({
            "emailAddress": account.email,
            "messagesTotal": mailbox.len(),
            "threadsTotal": mailbox.threads_total(),
            "historyId": mailbox.history_id().to_string(),
        })),
        ["labels"] => labels::list(&mailbox),
        ["messages"] => messages::list(&mailbox, &query),
        ["messages", id] => messages::get(&mailbox, id, &query),
        ["messages", id, "attachments", attachment] => {
            messages::attachment(&mailbox, id, attachment)
        }
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
    let status_name = match status {
        StatusCode::BAD_REQUEST => "INVALID_ARGUMENT",
        StatusCode::UNAUTHORIZED => "UNAUTHENTICATED",
        StatusCode::FORBIDDEN => "PERMISSION_DENIED",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        _ => "UNKNOWN",
    };
    json_reply(
        status,
        &json!({"error": {
            "code": status.as_u16(),
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
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
