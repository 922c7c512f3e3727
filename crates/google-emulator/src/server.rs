//! The emulator itself: start-up (signing key, test CA, listeners), the routes its HTTP and
//! HTTPS listeners serve (`/oauth2/v3/certs` JWKS, `/oauth2/v1/certs` PEM map, the OAuth
//! endpoints of [`crate::oauth`], the Gmail API's prefixes — REST, upload, batch — through
//! [`crate::gmail`], 404 else; the same routes on both, see [`crate::listen`]) and the knobs
//! and counters tests use. Every request body is read to its end before the answer, so every
//! answer leaves the connection usable (or says `Connection: close`). Dropping the
//! [`Emulator`] stops every listener.

use crate::gmail::mailbox::{ChangeSink, Mailbox};
use crate::gmail::{self, Gmail, QuotaRefusal};
use crate::keys::{KeyError, KeyRing, SigningKey};
use crate::oauth::{self, Account, AuthError, OAuth, OAuthConfig};
use crate::pubsub::PushClaims;
use crate::tls::{TestCa, TlsError};
use crate::{listen, push, smtp};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CACHE_CONTROL, CONNECTION, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Path of the JWKS (Google: `https://www.googleapis.com/oauth2/v3/certs`).
pub const JWKS_PATH: &str = "/oauth2/v3/certs";
/// Path of the PEM map (Google: `https://www.googleapis.com/oauth2/v1/certs`).
pub const PEM_PATH: &str = "/oauth2/v1/certs";

/// Largest request body read outside the Gmail API (token and consent forms are tiny).
const MAX_BODY: usize = 64 * 1024;
/// Largest Gmail API body: a 35 MB message base64url-encoded in a JSON `raw` (the media
/// upload limit is 36 MB), or a batch of calls.
const MAX_GMAIL_BODY: usize = 50 * 1024 * 1024;

/// Start-up settings. OAuth settings come apart, in [`OAuthConfig`]
/// ([`Emulator::start_with_oauth`]), so this struct's literal keeps compiling.
#[derive(Debug, Clone)]
pub struct Config {
    /// `Cache-Control: public, max-age=<n>` on both cert endpoints (Google serves hours).
    pub certs_max_age_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            certs_max_age_secs: 21_600,
        }
    }
}

/// Where the listeners bind on `127.0.0.1`; 0 (the default) = a random free port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ports {
    pub http: u16,
    pub https: u16,
    /// SMTP with implicit TLS (Google: 465).
    pub smtp_tls: u16,
    /// SMTP in plain text until STARTTLS (Google: 587).
    pub smtp_starttls: u16,
}

/// Why the emulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("emulator keys: {0}")]
    Key(KeyError),
    #[error("emulator TLS: {0}")]
    Tls(TlsError),
    #[error("emulator listener: {0}")]
    Bind(std::io::Error),
}

pub(crate) struct State {
    pub(crate) keys: RwLock<KeyRing>,
    max_age: AtomicU64,
    jwks_fetches: AtomicUsize,
    pem_fetches: AtomicUsize,
    pub(crate) oauth: OAuth,
    pub(crate) gmail: Gmail,
    pub(crate) tls: TestCa,
    pub(crate) smtp: smtp::Smtp,
    pub(crate) push: push::Hub,
}

/// A running emulator.
pub struct Emulator {
    pub(crate) addr: SocketAddr,
    pub(crate) https_addr: SocketAddr,
    pub(crate) smtp_tls_addr: SocketAddr,
    pub(crate) smtp_starttls_addr: SocketAddr,
    pub(crate) state: Arc<State>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Emulator {
    /// Generates a signing key and serves on `127.0.0.1:0`. Needs a Tokio runtime.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        let key = SigningKey::generate().map_err(StartError::Key)?;
        Self::start_with_key(config, key).await
    }

    /// Serves on `127.0.0.1:0` with `key` as the first signing key.
    pub async fn start_with_key(config: Config, key: SigningKey) -> Result<Self, StartError> {
        Self::start_with_key_and_oauth(config, key, OAuthConfig::default()).await
    }

    /// Generates a signing key (it signs ID tokens) and serves with `oauth` as the OAuth
    /// settings.
    pub async fn start_with_oauth(config: Config, oauth: OAuthConfig) -> Result<Self, StartError> {
        let key = SigningKey::generate().map_err(StartError::Key)?;
        Self::start_with_key_and_oauth(config, key, oauth).await
    }

    /// Serves on random `127.0.0.1` ports with `key` as the first signing key and `oauth` as
    /// the OAuth settings.
    pub async fn start_with_key_and_oauth(
        config: Config,
        key: SigningKey,
        oauth: OAuthConfig,
    ) -> Result<Self, StartError> {
        Self::start_on(config, key, oauth, Ports::default()).await
    }

    /// Serves on the `ports` given (0 = random) with `key` as the first signing key and
    /// `oauth` as the OAuth settings. Generates the test CA first.
    pub async fn start_on(
        config: Config,
        key: SigningKey,
        oauth: OAuthConfig,
        ports: Ports,
    ) -> Result<Self, StartError> {
        let tls = TestCa::generate().map_err(StartError::Tls)?;
        let http = bind(ports.http).await?;
        let https = bind(ports.https).await?;
        let smtp_tls = bind(ports.smtp_tls).await?;
        let smtp_starttls = bind(ports.smtp_starttls).await?;
        let addr = http.local_addr().map_err(StartError::Bind)?;
        let https_addr = https.local_addr().map_err(StartError::Bind)?;
        let smtp_tls_addr = smtp_tls.local_addr().map_err(StartError::Bind)?;
        let smtp_starttls_addr = smtp_starttls.local_addr().map_err(StartError::Bind)?;
        let acceptor = tls.acceptor();
        let (hub, push_queue) = push::Hub::new();
        let state = Arc::new(State {
            keys: RwLock::new(KeyRing::new(key)),
            max_age: AtomicU64::new(config.certs_max_age_secs),
            jwks_fetches: AtomicUsize::new(0),
            pem_fetches: AtomicUsize::new(0),
            oauth: OAuth::new(oauth),
            gmail: Gmail::default(),
            tls,
            smtp: smtp::Smtp::default(),
            push: hub,
        });
        // Weak: the mailbox lives in the state the sink reports to.
        let weak = Arc::downgrade(&state);
        state
            .gmail
            .mailbox
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .set_sink(ChangeSink(Arc::new(move |record, now_ms| {
                if let Some(state) = weak.upgrade() {
                    state.push.changed(record, now_ms);
                }
            })));
        let tasks = vec![
            tokio::spawn(listen::http(http, state.clone(), None)),
            tokio::spawn(listen::http(https, state.clone(), Some(acceptor.clone()))),
            tokio::spawn(smtp::listen(
                smtp_tls,
                state.clone(),
                smtp::Mode::ImplicitTls,
            )),
            tokio::spawn(smtp::listen(
                smtp_starttls,
                state.clone(),
                smtp::Mode::StartTls,
            )),
            tokio::spawn(push::run_sender(state.clone(), push_queue)),
        ];
        Ok(Self {
            addr,
            https_addr,
            smtp_tls_addr,
            smtp_starttls_addr,
            state,
            tasks,
        })
    }

    /// `http://127.0.0.1:<port>`: the plain-HTTP listener (the browser-facing authorize page
    /// belongs here; every other route is also on [`Emulator::https_base_url`]).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.base_url())
    }

    pub fn pem_url(&self) -> String {
        format!("{}{PEM_PATH}", self.base_url())
    }

    /// The authorization endpoint (Google: `https://accounts.google.com/o/oauth2/v2/auth`).
    pub fn auth_url(&self) -> String {
        format!("{}{}", self.base_url(), oauth::AUTH_PATH)
    }

    /// The token endpoint (Google: `https://oauth2.googleapis.com/token`).
    pub fn token_url(&self) -> String {
        format!("{}{}", self.base_url(), oauth::TOKEN_PATH)
    }

    /// The revocation endpoint (Google: `https://oauth2.googleapis.com/revoke`).
    pub fn revoke_url(&self) -> String {
        format!("{}{}", self.base_url(), oauth::REVOKE_PATH)
    }

    /// The account a bearer access token acts for; expired, revoked or never-issued tokens
    /// are refused (the Gmail endpoints answer 401).
    pub fn check_access_token(&self, token: &str) -> Result<Account, AuthError> {
        self.state.oauth.check_access_token(token)
    }

    /// The Gmail API base for the signed-in account: `http://127.0.0.1:<port>/gmail/v1/users/me`.
    pub fn gmail_url(&self) -> String {
        format!("{}{}me", self.base_url(), gmail::USERS_PATH)
    }

    /// Seeds the mailbox with RFC 822 messages (labels `INBOX` + `UNREAD`, or `SENT` when
    /// `From` is the account); returns their ids in the order given.
    pub fn seed_messages(&self, raw: Vec<Vec<u8>>) -> Vec<String> {
        let account = self.state.oauth.config().account.email.clone();
        let now_ms = self.now_ms();
        self.mailbox_mut().seed(&account, raw, now_ms)
    }

    /// Seeds the mailbox with every file of a Maildir's `cur/` and `new/`.
    pub fn seed_maildir(&self, dir: &std::path::Path) -> std::io::Result<Vec<String>> {
        Ok(self.seed_messages(gmail::read_maildir(dir)?))
    }

    /// Adds one message carrying exactly `label_ids` (system ids or ids from
    /// [`Emulator::create_label`]), as new mail arriving (a `messagesAdded` record); returns
    /// its id.
    pub fn add_message(&self, raw: Vec<u8>, label_ids: &[&str]) -> String {
        let now_ms = self.now_ms();
        self.mailbox_mut().add(raw, label_ids, now_ms)
    }

    /// Creates a user label (`Label_<n>`) or returns the id of the one with that name.
    pub fn create_label(&self, name: &str) -> String {
        self.mailbox_mut().create_label(name)
    }

    /// The mailbox's current history id.
    pub fn history_id(&self) -> u64 {
        self.mailbox().history_id()
    }

    /// A copy of a stored message, or `None` for an unknown id.
    pub fn message(&self, id: &str) -> Option<gmail::mailbox::StoredMessage> {
        self.mailbox().get(id).cloned()
    }

    /// Deletes a message for good, as if from another client (a `messagesDeleted` record);
    /// `false` for an unknown id.
    pub fn delete_message(&self, id: &str) -> bool {
        let now_ms = self.now_ms();
        self.mailbox_mut().delete(id, now_ms)
    }

    /// Adds and removes labels, as if from another client (history records as modify
    /// writes them); `false` for an unknown id.
    pub fn modify_message(&self, id: &str, add: &[&str], remove: &[&str]) -> bool {
        let now_ms = self.now_ms();
        let add: Vec<String> = add.iter().map(|l| (*l).to_owned()).collect();
        let remove: Vec<String> = remove.iter().map(|l| (*l).to_owned()).collect();
        self.mailbox_mut()
            .modify(id, &add, &remove, now_ms)
            .is_some()
    }

    /// The history records still retained, oldest first.
    pub fn history(&self) -> Vec<gmail::Record> {
        self.mailbox().history().to_vec()
    }

    /// Seeds the 1..=3 steps between history ids (before the changes it should shape).
    pub fn set_history_seed(&self, seed: u64) {
        self.mailbox_mut().set_history_seed(seed);
    }

    /// Retention knob: history.list with `startHistoryId` below `floor` answers 404, and the
    /// records at or below it are forgotten. Never lowers the floor.
    pub fn set_history_floor(&self, floor: u64) {
        self.mailbox_mut().set_history_floor(floor);
    }

    /// Forgets history written more than `age` ago on the emulator's clock (the floor
    /// becomes the newest forgotten id), as Google expires history after about a week.
    pub fn expire_history_older_than(&self, age: Duration) {
        let age_ms = u64::try_from(age.as_millis()).unwrap_or(u64::MAX);
        let cutoff = self.state.oauth.clock.now_ms().saturating_sub(age_ms);
        self.mailbox_mut().expire_history_before(cutoff);
    }

    /// The retention floor (see [`Emulator::set_history_floor`]).
    pub fn history_floor(&self) -> u64 {
        self.mailbox().history_floor()
    }

    /// Quota knob: units per user per second (default
    /// [`gmail::DEFAULT_UNITS_PER_SECOND`]), `None` = no quota.
    pub fn set_quota(&self, units_per_second: Option<u32>) {
        self.state.gmail.limits().units_per_second = units_per_second;
    }

    /// What an over-quota request gets (default 429).
    pub fn set_quota_refusal(&self, refusal: QuotaRefusal) {
        self.state.gmail.limits().refusal = refusal;
    }

    /// Fault knob: extra latency before every Gmail request is answered.
    pub fn set_latency(&self, latency: Duration) {
        self.state.gmail.limits().latency = latency;
    }

    /// Fault knob: the share (0.0..=1.0) of Gmail operations answered 500 or 503 instead,
    /// drawn from a seeded generator ([`Emulator::set_fault_seed`]).
    pub fn set_server_error_rate(&self, rate: f64) {
        self.state.gmail.limits().error_rate = rate.clamp(0.0, 1.0);
    }

    /// Seeds the 5xx draw.
    pub fn set_fault_seed(&self, seed: u64) {
        self.state.gmail.limits().set_fault_seed(seed);
    }

    /// Stops the emulator's clock at its current reading; [`Emulator::advance_clock`] still
    /// moves it. For tests that count requests per second.
    pub fn freeze_clock(&self) {
        self.state.oauth.clock.freeze();
    }

    fn now_ms(&self) -> i64 {
        i64::try_from(self.state.oauth.clock.now_ms()).unwrap_or(i64::MAX)
    }

    pub(crate) fn mailbox(&self) -> std::sync::RwLockReadGuard<'_, Mailbox> {
        self.state
            .gmail
            .mailbox
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn mailbox_mut(&self) -> std::sync::RwLockWriteGuard<'_, Mailbox> {
        self.state
            .gmail
            .mailbox
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Consent without a page (`true`) or the consent page (`false`) from now on.
    pub fn set_auto_approve(&self, on: bool) {
        self.state.oauth.config_mut().auto_approve = on;
    }

    /// Fault knob: `expires_in` and lifetime of access tokens issued from now on.
    pub fn set_access_token_lifetime(&self, secs: u64) {
        self.state.oauth.config_mut().access_token_lifetime_secs = secs;
    }

    /// Refreshes return a new refresh token and invalidate the old one (`true`), or return
    /// none, as Google does by default (`false`).
    pub fn set_refresh_token_rotation(&self, on: bool) {
        self.state.oauth.config_mut().rotate_refresh_tokens = on;
    }

    /// Moves the emulator's clock forward (codes, access and refresh tokens expire by it),
    /// so tests need not sleep.
    pub fn advance_clock(&self, by: Duration) {
        self.state.oauth.clock.advance(by);
    }

    /// How many times the JWKS has been served.
    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    /// How many times the PEM map has been served.
    pub fn pem_fetches(&self) -> usize {
        self.state.pem_fetches.load(Ordering::SeqCst)
    }

    /// Changes the `max-age` the cert endpoints send from now on.
    pub fn set_certs_max_age(&self, secs: u64) {
        self.state.max_age.store(secs, Ordering::SeqCst);
    }

    /// The `kid` that signs new tokens.
    pub fn active_kid(&self) -> String {
        self.keys().active().kid().to_owned()
    }

    /// The published `kid`s, oldest first.
    pub fn published_kids(&self) -> Vec<String> {
        self.keys().kids()
    }

    /// Publishes a freshly generated key and signs with it from now on; the old key stays
    /// published until [`Emulator::retire_old_keys`]. Returns the new `kid`.
    pub fn rotate_key(&self) -> Result<String, KeyError> {
        let key = SigningKey::generate()?;
        Ok(self.keys_mut().rotate(key))
    }

    /// Stops publishing every key but the active one; returns the retired `kid`s.
    pub fn retire_old_keys(&self) -> Vec<String> {
        self.keys_mut().retire_old()
    }

    /// A push OIDC token over `claims`, signed by the active key with its own `kid`.
    pub fn push_token(&self, claims: &PushClaims) -> Result<String, KeyError> {
        let keys = self.keys();
        let key = keys.active();
        key.sign_with_kid(claims, key.kid())
    }

    /// A push token signed by the active key but carrying header `kid` = `kid`.
    pub fn push_token_with_kid(&self, claims: &PushClaims, kid: &str) -> Result<String, KeyError> {
        self.keys().active().sign_with_kid(claims, kid)
    }

    /// A token over `claims` with `header` as given, signed by the active key.
    pub fn push_token_with_header(
        &self,
        header: &jsonwebtoken::Header,
        claims: &PushClaims,
    ) -> Result<String, KeyError> {
        self.keys().active().sign(header, claims)
    }

    /// The active key's public key as SPKI PEM (for forging key-confusion tokens in tests).
    pub fn active_public_pem(&self) -> String {
        self.keys().active().public_pem()
    }

    /// The active key's certificate as served in the PEM map (the same, for that attack's
    /// other common form).
    pub fn active_certificate_pem(&self) -> String {
        self.keys().active().certificate_pem().to_owned()
    }

    fn keys(&self) -> std::sync::RwLockReadGuard<'_, KeyRing> {
        self.state.keys.read().unwrap_or_else(|p| p.into_inner())
    }

    fn keys_mut(&self) -> std::sync::RwLockWriteGuard<'_, KeyRing> {
        self.state.keys.write().unwrap_or_else(|p| p.into_inner())
    }
}

async fn bind(port: u16) -> Result<TcpListener, StartError> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(StartError::Bind)
}

pub(crate) async fn route(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let path = parts.uri.path();
    let gmail_path = gmail::owns(path);
    // Every body is read to its end before answering, whatever the answer: a response sent
    // over an unread body makes hyper drop the connection without `Connection: close`, and a
    // client reusing it fails. A body over the limit is refused with `Connection: close`.
    let limit = if gmail_path { MAX_GMAIL_BODY } else { MAX_BODY };
    let Ok(collected) = Limited::new(body, limit).collect().await else {
        let mut reply = if gmail_path {
            gmail::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large",
                "uploadTooLarge",
            )
        } else {
            plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
        };
        reply
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return reply;
    };
    let body = collected.to_bytes();
    match (&parts.method, path) {
        (&Method::GET, JWKS_PATH | PEM_PATH) => certs(state, path),
        (&Method::GET, oauth::AUTH_PATH) => oauth::authorize::start(&state.oauth, &query),
        (&Method::POST, oauth::AUTH_PATH) => oauth::authorize::decide(&state.oauth, &body),
        (&Method::POST, oauth::TOKEN_PATH) => {
            let keys = state.keys.read().unwrap_or_else(|p| p.into_inner());
            oauth::token::handle(&state.oauth, &keys, &parts.headers, &body)
        }
        (&Method::POST, oauth::REVOKE_PATH) => oauth::revoke::handle(&state.oauth, &query, &body),
        _ if gmail_path => {
            gmail::handle(
                state,
                &gmail::ApiRequest {
                    method: &parts.method,
                    path,
                    query: &query,
                    headers: &parts.headers,
                    body: &body,
                },
            )
            .await
        }
        // Google answers a GET to /revoke with 404 (google-protocols.md §1.8).
        (_, oauth::REVOKE_PATH) => plain(StatusCode::NOT_FOUND, "not found"),
        (_, JWKS_PATH | PEM_PATH | oauth::AUTH_PATH | oauth::TOKEN_PATH) => {
            plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

fn certs(state: &State, path: &str) -> Response<Full<Bytes>> {
    let keys = state.keys.read().unwrap_or_else(|p| p.into_inner());
    let body = if path == JWKS_PATH {
        state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
        keys.jwks()
    } else {
        state.pem_fetches.fetch_add(1, Ordering::SeqCst);
        keys.pem_map()
    };
    let max_age = state.max_age.load(Ordering::SeqCst);
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json; charset=UTF-8")
        .header(CACHE_CONTROL, format!("public, max-age={max_age}"))
        .body(Full::new(Bytes::from(
            serde_json::to_vec(&body).expect("a JSON value serializes"),
        )))
        .expect("a response from valid parts")
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "text/plain")
        .body(Full::new(Bytes::from_static(text.as_bytes())))
        .expect("a response from valid parts")
}
