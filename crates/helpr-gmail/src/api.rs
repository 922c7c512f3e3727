//! [`GmailApi`]: the Gmail REST calls sync and the trash outbox make, and the team server's
//! users.watch/users.stop (google-protocols.md §2), each through the same path: spend the quota, attach the bearer token, send, and decide.
//!
//! - 2xx: decode.
//! - 401: the token is dropped and refreshed once, the call retried once; a second 401 is
//!   [`ApiError::Unauthorized`], visibly.
//! - 429, 403 `rateLimitExceeded`/`userRateLimitExceeded`, 500/502/503/504, network errors:
//!   back off with jitter (honouring `Retry-After`), pausing the whole account's quota, then
//!   retry, up to the [`Backoff`]'s attempts.
//! - 404: [`ApiError::NotFound`] (a gone message, or a too-old history start).
//! - anything else: [`ApiError::Refused`], not retried.

mod error;
pub mod types;

use error::safe_reason;
pub use error::ApiError;
use types::{
    ErrorEnvelope, HistoryPage, Label, LabelList, ListPage, Message, MessageRef, Profile,
    WatchResponse,
};

use crate::limiter::{cost, retry_after, Backoff, Quota};
use crate::oauth::OAuthError;
use crate::token::TokenSource;
use reqwest::Method;
use secrecy::ExposeSecret as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Per-request timeout (a raw message can be 25 MB+).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest page Gmail serves for list and history.
pub const MAX_PAGE: u32 = 500;

/// Counters for health and benchmarks.
#[derive(Debug, Default)]
pub struct ApiStats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub refreshes_after_401: AtomicU64,
}

/// One account's Gmail API.
#[derive(Debug, Clone)]
pub struct GmailApi {
    http: reqwest::Client,
    base: String,
    tokens: Arc<TokenSource>,
    quota: Arc<Quota>,
    backoff: Backoff,
    stats: Arc<ApiStats>,
}

enum Verdict {
    Retry(Option<Duration>, String),
    Fail(ApiError),
}

impl GmailApi {
    /// `base` is the users base (`…/gmail/v1/users/me`).
    pub fn new(
        base: &str,
        extra_ca_pem: Option<&str>,
        tokens: Arc<TokenSource>,
        quota: Arc<Quota>,
        backoff: Backoff,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: crate::http::client(extra_ca_pem, REQUEST_TIMEOUT)?,
            base: base.trim_end_matches('/').to_owned(),
            tokens,
            quota,
            backoff,
            stats: Arc::new(ApiStats::default()),
        })
    }

    /// An API over a client the caller built: a desktop reaching Gmail through its team
    /// server's broker passes the client that pins the server's certificate, `base` =
    /// `https://server/api/v1/inboxes/{id}/gmail/v1/users/me` and a
    /// [fixed](TokenSource::fixed) token source holding its session token. The client should
    /// follow no redirect and time out (as [`GmailApi::new`]'s does).
    pub fn with_client(
        http: reqwest::Client,
        base: &str,
        tokens: Arc<TokenSource>,
        quota: Arc<Quota>,
        backoff: Backoff,
    ) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            tokens,
            quota,
            backoff,
            stats: Arc::new(ApiStats::default()),
        }
    }

    pub fn stats(&self) -> &ApiStats {
        &self.stats
    }

    pub fn tokens(&self) -> &Arc<TokenSource> {
        &self.tokens
    }

    pub async fn profile(&self) -> Result<Profile, ApiError> {
        self.get("getProfile", cost::GET_PROFILE, "/profile", &[])
            .await
    }

    pub async fn labels(&self) -> Result<LabelList, ApiError> {
        self.get("labels.list", cost::LABELS_LIST, "/labels", &[])
            .await
    }

    /// Creates a user label shown in Gmail's label list and message list (`labels.create`).
    pub async fn create_label(&self, name: &str) -> Result<Label, ApiError> {
        let body = serde_json::json!({
            "name": name,
            "labelListVisibility": "labelShow",
            "messageListVisibility": "show",
        });
        self.call(
            Method::POST,
            "labels.create",
            cost::LABELS_CREATE,
            "/labels",
            &[],
            Some(&body),
        )
        .await
    }

    /// One page of message ids (newest first), SPAM and TRASH left out as Gmail does.
    pub async fn list_messages(&self, page_token: Option<&str>) -> Result<ListPage, ApiError> {
        let mut q = vec![("maxResults", MAX_PAGE.to_string())];
        if let Some(t) = page_token {
            q.push(("pageToken", t.to_owned()));
        }
        self.get("messages.list", cost::MESSAGES_LIST, "/messages", &q)
            .await
    }

    /// A message with its RFC 5322 bytes (`format=raw`).
    pub async fn get_raw(&self, id: &str) -> Result<Message, ApiError> {
        self.get_message(id, "raw").await
    }

    /// A message's ids and labels only (`format=minimal`).
    pub async fn get_minimal(&self, id: &str) -> Result<Message, ApiError> {
        self.get_message(id, "minimal").await
    }

    async fn get_message(&self, id: &str, format: &str) -> Result<Message, ApiError> {
        let path = format!("/messages/{}", path_segment(id));
        self.get(
            "messages.get",
            cost::MESSAGES_GET,
            &path,
            &[("format", format.into())],
        )
        .await
    }

    /// Moves a message to Gmail's Trash (`messages.trash`); returns it with its new labels.
    pub async fn trash(&self, id: &str) -> Result<MessageRef, ApiError> {
        let path = format!("/messages/{}/trash", path_segment(id));
        self.call(
            Method::POST,
            "messages.trash",
            cost::MESSAGES_TRASH,
            &path,
            &[],
            None,
        )
        .await
    }

    /// Takes a message out of Gmail's Trash (`messages.untrash`).
    pub async fn untrash(&self, id: &str) -> Result<MessageRef, ApiError> {
        let path = format!("/messages/{}/untrash", path_segment(id));
        self.call(
            Method::POST,
            "messages.untrash",
            cost::MESSAGES_TRASH,
            &path,
            &[],
            None,
        )
        .await
    }

    /// Adds and removes labels of a message (`messages.modify`, e.g. `UNREAD`).
    pub async fn modify(
        &self,
        id: &str,
        add: &[&str],
        remove: &[&str],
    ) -> Result<MessageRef, ApiError> {
        let path = format!("/messages/{}/modify", path_segment(id));
        let body = serde_json::json!({ "addLabelIds": add, "removeLabelIds": remove });
        self.call(
            Method::POST,
            "messages.modify",
            cost::MESSAGES_MODIFY,
            &path,
            &[],
            Some(&body),
        )
        .await
    }

    /// One page of history after `start`.
    pub async fn history(
        &self,
        start: u64,
        page_token: Option<&str>,
    ) -> Result<HistoryPage, ApiError> {
        let mut q = vec![
            ("startHistoryId", start.to_string()),
            ("maxResults", MAX_PAGE.to_string()),
        ];
        for t in [
            "messageAdded",
            "messageDeleted",
            "labelAdded",
            "labelRemoved",
        ] {
            q.push(("historyTypes", t.to_owned()));
        }
        if let Some(t) = page_token {
            q.push(("pageToken", t.to_owned()));
        }
        self.get("history.list", cost::HISTORY_LIST, "/history", &q)
            .await
    }

    /// Asks Gmail to push the mailbox's changes to the Pub/Sub `topic`
    /// (`projects/<project>/topics/<topic>`) (`users.watch`, §2.8): only changes touching
    /// `label_ids` when some are given (`labelFilterBehavior: include`), every change when
    /// none. Gmail publishes one notification at once; a watch lasts until `expiration`
    /// (seven days on), so it is renewed by calling this again. A new watch replaces the old.
    pub async fn watch(&self, topic: &str, label_ids: &[&str]) -> Result<WatchResponse, ApiError> {
        let mut body = serde_json::json!({ "topicName": topic });
        if !label_ids.is_empty() {
            body["labelIds"] = serde_json::json!(label_ids);
            body["labelFilterBehavior"] = serde_json::json!("include");
        }
        self.call(
            Method::POST,
            "users.watch",
            cost::WATCH,
            "/watch",
            &[],
            Some(&body),
        )
        .await
    }

    /// Stops push for the mailbox (`users.stop`, §2.8: 204, no body); notifications already
    /// on their way may still arrive.
    pub async fn stop(&self) -> Result<(), ApiError> {
        self.send(Method::POST, "users.stop", cost::STOP, "/stop", &[], None)
            .await?;
        Ok(())
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        units: u32,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        self.call(Method::GET, op, units, path, query, None).await
    }

    /// [`GmailApi::send`], the 2xx body decoded as JSON.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        op: &'static str,
        units: u32,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<T, ApiError> {
        let response = self.send(method, op, units, path, query, body).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|_| ApiError::BadResponse { op })?;
        serde_json::from_slice::<T>(&bytes).map_err(|_| ApiError::BadResponse { op })
    }

    /// One call with the quota, token, retry and refusal rules above; the 2xx answer, its body
    /// unread.
    async fn send(
        &self,
        method: Method,
        op: &'static str,
        units: u32,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<reqwest::Response, ApiError> {
        let url = format!("{}{path}", self.base);
        let mut failed = 0u32;
        let mut refreshed = false;
        loop {
            self.quota.acquire(units).await;
            let bearer = self.tokens.bearer().await.map_err(|e| match e {
                OAuthError::ReconnectNeeded => ApiError::ReconnectNeeded,
                e => ApiError::Token(e),
            })?;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let mut request = self
                .http
                .request(method.clone(), &url)
                .query(query)
                .bearer_auth(bearer.token.expose_secret());
            if let Some(body) = body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string());
            }
            let sent = request.send().await;
            let verdict = match sent {
                Err(e) => Verdict::Retry(None, network_kind(&e).to_owned()),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    match status {
                        200..=299 => return Ok(resp),
                        401 if !refreshed => {
                            refreshed = true;
                            self.stats
                                .refreshes_after_401
                                .fetch_add(1, Ordering::Relaxed);
                            self.tokens.rejected(bearer.generation).await;
                            continue;
                        }
                        401 => Verdict::Fail(ApiError::Unauthorized { op }),
                        404 => Verdict::Fail(ApiError::NotFound { op }),
                        429 | 500 | 502 | 503 | 504 => {
                            let after = retry_after(resp.headers());
                            Verdict::Retry(after, format!("HTTP {status}"))
                        }
                        403 => {
                            let after = retry_after(resp.headers());
                            let reason = reason(resp).await;
                            if reason == "rateLimitExceeded" || reason == "userRateLimitExceeded" {
                                Verdict::Retry(after, format!("HTTP 403 {reason}"))
                            } else {
                                Verdict::Fail(ApiError::Refused { op, status, reason })
                            }
                        }
                        _ => {
                            let reason = reason(resp).await;
                            Verdict::Fail(ApiError::Refused { op, status, reason })
                        }
                    }
                }
            };
            match verdict {
                Verdict::Fail(e) => return Err(e),
                Verdict::Retry(after, last) => {
                    failed += 1;
                    if failed >= self.backoff.attempts {
                        return Err(ApiError::GaveUp {
                            op,
                            attempts: failed,
                            last,
                        });
                    }
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    let wait = self.backoff.delay(failed, after);
                    if last.starts_with("HTTP 429") || last.starts_with("HTTP 403") {
                        self.quota.pause(wait);
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// The first error reason of Google's envelope.
async fn reason(resp: reqwest::Response) -> String {
    let body = resp.bytes().await.unwrap_or_default();
    let env: ErrorEnvelope = serde_json::from_slice(&body).unwrap_or_default();
    env.error
        .errors
        .first()
        .map(|e| safe_reason(&e.reason))
        .unwrap_or_else(|| "none".to_owned())
}

fn network_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "network error"
    }
}

/// Gmail ids are hex, but an id is never trusted into a path unescaped.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
