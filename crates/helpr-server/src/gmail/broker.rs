//! The broker's shared state ([`Broker`]): the Gmail configuration (endpoints, client, extra
//! CA) when the server has one, the push verifier, the sealer, and one [`Connection`] per
//! connected inbox, made on first use from the sealed grant.
//!
//! A connection holds the inbox's access token in memory only ([`TokenSource`], refreshed
//! from the refresh token; a rotated refresh token is sealed and stored before use,
//! `invalid_grant` marks the inbox "reconnect needed"), Gmail's per-user quota shared by
//! every desktop's requests, and the typed [`GmailApi`] the server's own calls use. It is
//! dropped when the log says the inbox's account changed (on every replica: each applies the
//! log), or when Google refused its grant.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use helpr_gmail::limiter::{Backoff, Quota};
use helpr_gmail::{
    GmailApi, GmailConfig, OAuthClient, OAuthError, PushConfig, PushVerifier, TokenSource,
    TokenStore,
};
use helpr_policy::{InboxId, OrgId};
use helpr_proto::error::ErrorCode;
use reqwest::Method;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret as _, SecretString};

use super::sealing::{Sealer, ACCOUNT};
use crate::clock::Clock;
use crate::error::Failure;
use crate::org::hub::Hub;
use crate::org::record::Record;
use crate::store::gmail as rows;

/// How long one request to Google may take (a raw message can be tens of MB).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A refusal about Gmail, in the wire's shape (`upstream`).
pub fn upstream(status: StatusCode, message: impl Into<String>) -> Failure {
    Failure::new(status, ErrorCode::Upstream, message)
}

/// The server was started without `--gmail-config`.
pub fn unconfigured() -> Failure {
    upstream(
        StatusCode::SERVICE_UNAVAILABLE,
        "this server has no Gmail configuration (start it with --gmail-config)",
    )
}

/// The inbox has no Gmail account connected.
pub fn not_connected() -> Failure {
    upstream(
        StatusCode::CONFLICT,
        "this inbox has no Gmail account connected; an owner or admin connects it",
    )
}

/// Google refused the inbox's grant.
pub fn reconnect_needed() -> Failure {
    upstream(
        StatusCode::CONFLICT,
        "reconnect needed: Google refused this inbox's grant; an owner or admin connects it again",
    )
}

/// Google could not be reached or answered nonsense.
pub fn bad_gateway(what: &str) -> Failure {
    upstream(StatusCode::BAD_GATEWAY, format!("Gmail: {what}"))
}

/// Why the broker could not be set up at start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("Gmail configuration: {0}")]
    Config(#[from] helpr_gmail::ConfigError),
    #[error("Gmail OAuth client: {0}")]
    OAuth(#[from] OAuthError),
    #[error("Gmail push verifier: {0}")]
    Push(#[from] helpr_gmail::PushError),
    #[error("Gmail HTTP client: {0}")]
    Http(String),
    #[error("the Gmail push topic must be projects/<project>/topics/<topic>")]
    Topic,
    #[error("a Gmail push topic needs push configured (audience and service account)")]
    TopicWithoutPush,
}

/// The server's clock as the push verifier reads it (tests move both together).
struct VerifierClock(Clock);

impl helpr_gmail::Clock for VerifierClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.now().max(0) as u64)
    }
}

/// What talking to Google needs: present when the server has a Gmail configuration.
pub struct Upstream {
    pub config: GmailConfig,
    /// To Gmail's REST API: the extra CA trusted, no redirects, bounded.
    pub http: reqwest::Client,
    /// Pub/Sub push verification, when configured.
    pub verifier: Option<PushVerifier>,
    /// The Pub/Sub topic connected inboxes are watched on (`users.watch`), when configured
    /// (only with push).
    pub topic: Option<String>,
}

impl Upstream {
    /// A new OAuth client for the configured Google client.
    pub fn oauth(&self) -> Result<OAuthClient, Failure> {
        OAuthClient::new(self.config.oauth_config()).map_err(|e| {
            tracing::error!(error = %e, "Gmail OAuth client");
            Failure::internal()
        })
    }
}

/// The Gmail side of the server.
pub struct Broker {
    pub sealer: Sealer,
    upstream: Option<Upstream>,
    connections: Mutex<HashMap<InboxId, Arc<Connection>>>,
    /// One push is processed at a time per inbox.
    push_locks: Mutex<HashMap<InboxId, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("configured", &self.upstream.is_some())
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// The broker, configured when `config` is given (push too when `push` is, and watches on
    /// `topic` when that is given too).
    pub fn new(
        config: Option<GmailConfig>,
        push: Option<PushConfig>,
        topic: Option<String>,
        sealer: Sealer,
        clock: Clock,
    ) -> Result<Broker, BrokerError> {
        if let Some(topic) = &topic {
            if push.is_none() {
                return Err(BrokerError::TopicWithoutPush);
            }
            if !topic_shaped(topic) {
                return Err(BrokerError::Topic);
            }
        }
        let upstream = match config {
            None => None,
            Some(config) => {
                config.check()?;
                // Fails early on a bad client configuration.
                OAuthClient::new(config.oauth_config())?;
                let mut builder = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(REQUEST_TIMEOUT)
                    .connect_timeout(Duration::from_secs(10));
                if let Some(pem) = &config.tls.extra_ca_pem {
                    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                        .map_err(|e| BrokerError::Http(e.to_string()))?;
                    for cert in certs {
                        builder = builder.add_root_certificate(cert);
                    }
                }
                let http = builder
                    .build()
                    .map_err(|e| BrokerError::Http(e.to_string()))?;
                let verifier = push
                    .map(|push| {
                        PushVerifier::with_clock_and_ca(
                            push,
                            Arc::new(VerifierClock(clock.clone())),
                            config.tls.extra_ca_pem.as_deref(),
                        )
                    })
                    .transpose()?;
                Some(Upstream {
                    config,
                    http,
                    verifier,
                    topic,
                })
            }
        };
        Ok(Broker {
            sealer,
            upstream,
            connections: Mutex::new(HashMap::new()),
            push_locks: Mutex::new(HashMap::new()),
        })
    }

    /// Google's side, or the refusal that the server has none.
    pub fn upstream(&self) -> Result<&Upstream, Failure> {
        self.upstream.as_ref().ok_or_else(unconfigured)
    }

    /// Forgets the inbox's connection (its account changed, or was disconnected).
    pub fn forget(&self, inbox: InboxId) {
        self.connections
            .lock()
            .expect("connections lock")
            .remove(&inbox);
    }

    /// The lock one inbox's pushes are processed under.
    pub fn push_lock(&self, inbox: InboxId) -> Arc<tokio::sync::Mutex<()>> {
        self.push_locks
            .lock()
            .expect("push locks")
            .entry(inbox)
            .or_default()
            .clone()
    }

    /// The inbox's live connection, made from its sealed grant when there is none.
    pub async fn connection(&self, org: OrgId, inbox: InboxId) -> Result<Arc<Connection>, Failure> {
        self.upstream()?;
        let cached = self
            .connections
            .lock()
            .expect("connections lock")
            .get(&inbox)
            .cloned();
        if let Some(c) = cached {
            if c.org == org && !c.refused.load(Ordering::Relaxed) {
                return Ok(c);
            }
            self.forget(inbox);
        }
        self.sealer.ready(org).await?;
        let row = self
            .sealer
            .db()
            .run(move |tx| rows::account_of(tx, inbox))
            .await?
            .filter(|r| r.org == org)
            .ok_or_else(not_connected)?;
        if row.reconnect_needed {
            return Err(reconnect_needed());
        }
        let connection = Arc::new(self.connect(&row)?);
        self.connections
            .lock()
            .expect("connections lock")
            .insert(inbox, connection.clone());
        Ok(connection)
    }

    /// A connection made from a stored grant, not kept: what [`Broker::connection`] caches,
    /// and a just-deleted inbox's last calls (stop, revoke) use. The tenant key must be
    /// loaded ([`Sealer::ready`]).
    pub fn connect(&self, row: &rows::AccountRow) -> Result<Connection, Failure> {
        let upstream = self.upstream()?;
        let (org, inbox) = (row.org, row.inbox);
        let refresh = self
            .sealer
            .open(org, ACCOUNT, inbox, "refresh_token", &row.refresh_token)?;
        let address = self
            .sealer
            .open(org, ACCOUNT, inbox, "address", &row.address)?;
        let refused = Arc::new(AtomicBool::new(false));
        let store = Arc::new(SealedTokens {
            sealer: self.sealer.clone(),
            org,
            inbox,
            refused: refused.clone(),
        });
        let tokens = Arc::new(TokenSource::new(
            upstream.oauth()?,
            SecretString::from(refresh.as_str().to_owned()),
            store,
        ));
        let quota = Arc::new(Quota::gmail());
        let base = upstream
            .config
            .gmail
            .api_url
            .trim_end_matches('/')
            .to_owned();
        let api = GmailApi::with_client(
            upstream.http.clone(),
            &base,
            tokens.clone(),
            quota.clone(),
            Backoff::default(),
        );
        Ok(Connection {
            org,
            inbox,
            address,
            tokens,
            quota,
            api,
            http: upstream.http.clone(),
            base,
            refused,
        })
    }

    /// Follows the log: a connection whose inbox's account changed (on this replica or
    /// another) is dropped, so the next request reads the new grant. Ends with the hub's
    /// broadcast, or when the broker is gone.
    pub fn follow(broker: Weak<Broker>, hub: &Hub) {
        let mut applied = hub.subscribe();
        tokio::spawn(async move {
            loop {
                let change = match applied.recv().await {
                    Ok(change) => change,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        // Missed some: start every connection afresh.
                        let Some(broker) = broker.upgrade() else {
                            return;
                        };
                        broker.connections.lock().expect("connections lock").clear();
                        continue;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                let Some(broker) = broker.upgrade() else {
                    return;
                };
                match &change.stored.record {
                    Record::GmailConnected { inbox }
                    | Record::GmailDisconnected { inbox }
                    | Record::InboxDeleted { inbox } => broker.forget(*inbox),
                    _ => {}
                }
            }
        });
    }
}

/// `projects/<project>/topics/<topic>`, both names non-empty and without `/`.
fn topic_shaped(topic: &str) -> bool {
    let parts: Vec<&str> = topic.split('/').collect();
    matches!(parts.as_slice(), ["projects", p, "topics", t] if !p.is_empty() && !t.is_empty())
}

/// One connected inbox's way to Gmail.
pub struct Connection {
    pub org: OrgId,
    pub inbox: InboxId,
    /// The account's address (the SMTP sender), in memory only.
    pub address: Zeroizing<String>,
    pub tokens: Arc<TokenSource>,
    pub quota: Arc<Quota>,
    /// Typed calls (history, profile) for the server's own use.
    pub api: GmailApi,
    http: reqwest::Client,
    /// `…/gmail/v1/users/me`.
    base: String,
    /// Google refused the grant: the connection is not reused.
    refused: Arc<AtomicBool>,
}

impl Connection {
    /// Sends one request to Gmail's REST API as the inbox (`path` under `users/me`), spending
    /// `units` of the account's quota. A 401 drops the access token and tries once more with
    /// a fresh one; every other answer is Gmail's, for the caller to pass on or read.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        json: Option<&[u8]>,
        units: u32,
    ) -> Result<reqwest::Response, Failure> {
        let url = format!("{}{path}", self.base);
        let mut refreshed = false;
        loop {
            self.quota.acquire(units).await;
            let bearer = self
                .tokens
                .bearer()
                .await
                .map_err(|e| self.token_failure(e))?;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .query(query)
                .bearer_auth(bearer.token.expose_secret());
            if let Some(json) = json {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(json.to_vec());
            }
            let response = request.send().await.map_err(|e| {
                tracing::warn!(timeout = e.is_timeout(), "Gmail request failed");
                bad_gateway("could not reach Google")
            })?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED {
                if !refreshed {
                    refreshed = true;
                    self.tokens.rejected(bearer.generation).await;
                    continue;
                }
                return Err(bad_gateway(
                    "Google refused this inbox's credentials twice (401)",
                ));
            }
            return Ok(response);
        }
    }

    /// An access token could not be had.
    pub fn token_failure(&self, e: OAuthError) -> Failure {
        match e {
            OAuthError::ReconnectNeeded => reconnect_needed(),
            e => {
                tracing::warn!(error = %e, inbox = self.inbox.0, "Gmail access token");
                bad_gateway("could not get an access token from Google")
            }
        }
    }
}

/// Where a connection's token source keeps a rotated refresh token (sealed, in the database)
/// and reports a refused grant.
struct SealedTokens {
    sealer: Sealer,
    org: OrgId,
    inbox: InboxId,
    refused: Arc<AtomicBool>,
}

impl SealedTokens {
    /// Runs a statement from the token source's synchronous callback: on a thread of its own,
    /// so neither an async worker nor a runtime-bound database client is blocked under it.
    fn write(
        &self,
        f: impl FnOnce(&mut dyn crate::store::Tx) -> Result<(), crate::store::StoreError> + Send,
    ) -> Result<(), String> {
        let db = self.sealer.db().clone();
        std::thread::scope(|scope| {
            scope
                .spawn(move || db.transaction(f))
                .join()
                .map_err(|_| "the database thread failed".to_owned())?
                .map_err(|e| e.to_string())
        })
    }
}

impl TokenStore for SealedTokens {
    fn replace_refresh_token(&self, new: &SecretString) -> Result<(), String> {
        let sealed = self
            .sealer
            .seal(
                self.org,
                ACCOUNT,
                self.inbox,
                "refresh_token",
                new.expose_secret().as_bytes(),
            )
            .map_err(|_| "sealing the refresh token failed".to_owned())?;
        let inbox = self.inbox;
        self.write(move |tx| rows::set_refresh_token(tx, inbox, &sealed))
    }

    fn reconnect_needed(&self) {
        self.refused.store(true, Ordering::Relaxed);
        let inbox = self.inbox;
        tracing::warn!(
            inbox = inbox.0,
            "Google refused the inbox's grant: reconnect needed"
        );
        if let Err(e) = self.write(move |tx| rows::set_reconnect_needed(tx, inbox)) {
            tracing::error!(error = %e, "marking the inbox reconnect-needed");
        }
    }
}
