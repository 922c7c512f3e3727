//! OAuth 2.0 for installed apps as Google serves it (google-protocols.md §1, §7 items 1–3):
//! the configuration (clients, the signed-in account, knobs), the grant store behind the
//! endpoints, and [`OAuth::check_access_token`] for the Gmail endpoints to come. The HTTP
//! operations live one per file: `authorize` (consent), `token` (code and refresh grants),
//! `revoke`; `form` parses their parameters.

pub(crate) mod authorize;
pub(crate) mod form;
pub(crate) mod revoke;
pub(crate) mod token;

use crate::clock::Clock;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, RwLock};

/// Path of the authorization endpoint (Google: `https://accounts.google.com/o/oauth2/v2/auth`).
pub const AUTH_PATH: &str = "/o/oauth2/v2/auth";
/// Path of the token endpoint (Google: `https://oauth2.googleapis.com/token`).
pub const TOKEN_PATH: &str = "/token";
/// Path of the revocation endpoint (Google: `https://oauth2.googleapis.com/revoke`).
pub const REVOKE_PATH: &str = "/revoke";

/// The client id of [`OAuthConfig::default`]'s one client.
pub const DEFAULT_CLIENT_ID: &str = "123456789012-emulator.apps.googleusercontent.com";
/// That client's secret (desktop clients' secrets are not confidential).
pub const DEFAULT_CLIENT_SECRET: &str = "GOCSPX-emulator-secret";

/// A registered OAuth client (Google Cloud console "Desktop app").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub id: String,
    pub secret: String,
}

/// The Google account that signs in and consents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub email: String,
    /// Google's stable 21-digit user id.
    pub sub: String,
}

impl Account {
    /// An account with a `sub` derived from `email`.
    pub fn new(email: &str) -> Self {
        Self {
            email: email.to_owned(),
            sub: crate::pubsub::numeric_id(email),
        }
    }
}

/// OAuth settings at start-up; the knobs can also change while running.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub clients: Vec<OAuthClient>,
    pub account: Account,
    /// Grant consent without showing the page (the binary's `--auto-approve`).
    pub auto_approve: bool,
    /// `expires_in` of access tokens (Google: commonly 3599).
    pub access_token_lifetime_secs: u64,
    /// How long an authorization code can be redeemed.
    pub code_lifetime_secs: u64,
    /// `None`: refresh tokens live until revoked (Google's production apps).
    pub refresh_token_lifetime_secs: Option<u64>,
    /// Each refresh returns a new refresh token and invalidates the old one.
    pub rotate_refresh_tokens: bool,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            clients: vec![OAuthClient {
                id: DEFAULT_CLIENT_ID.to_owned(),
                secret: DEFAULT_CLIENT_SECRET.to_owned(),
            }],
            account: Account::new("user@example.com"),
            auto_approve: false,
            access_token_lifetime_secs: 3599,
            code_lifetime_secs: 600,
            refresh_token_lifetime_secs: None,
            rotate_refresh_tokens: false,
        }
    }
}

/// Why a bearer access token was refused (the Gmail endpoints answer 401 to both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// Never issued, or revoked.
    Unknown,
    Expired,
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthError::Unknown => write!(f, "access token unknown or revoked"),
            AuthError::Expired => write!(f, "access token expired"),
        }
    }
}

impl std::error::Error for AuthError {}

/// PKCE as recorded at authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeMethod {
    Plain,
    S256,
}

/// A validated authorization request, waiting for consent or turned into a code.
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub challenge: Option<(String, ChallengeMethod)>,
    pub offline: bool,
    /// `prompt=none`: no consent page may be shown.
    pub prompt_none: bool,
}

#[derive(Debug)]
pub(crate) struct Code {
    pub request: AuthRequest,
    pub account: Account,
    pub expires_at: u64,
    pub redeemed: bool,
}

/// What one consent grants: the refresh token (if offline) and its access tokens.
#[derive(Debug)]
pub(crate) struct Grant {
    pub client_id: String,
    pub account: Account,
    pub scopes: Vec<String>,
    pub refresh_expires_at: Option<u64>,
}

#[derive(Debug)]
pub(crate) struct AccessToken {
    pub grant: u64,
    pub expires_at: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Consent pages shown and not yet answered, by the page's request id.
    pub pending: HashMap<String, AuthRequest>,
    pub codes: HashMap<String, Code>,
    pub grants: HashMap<u64, Grant>,
    pub next_grant: u64,
    /// Live refresh tokens → grant.
    pub refresh: HashMap<String, u64>,
    pub access: HashMap<String, AccessToken>,
}

impl Store {
    /// Forgets a grant with its refresh token and every access token it issued.
    pub(crate) fn revoke_grant(&mut self, grant: u64) {
        self.grants.remove(&grant);
        self.refresh.retain(|_, g| *g != grant);
        self.access.retain(|_, t| t.grant != grant);
    }
}

/// The OAuth side of the emulator: settings, clock and store.
#[derive(Debug)]
pub(crate) struct OAuth {
    config: RwLock<OAuthConfig>,
    pub clock: Clock,
    store: Mutex<Store>,
}

impl OAuth {
    pub(crate) fn new(config: OAuthConfig) -> Self {
        Self {
            config: RwLock::new(config),
            clock: Clock::default(),
            store: Mutex::new(Store::default()),
        }
    }

    pub(crate) fn config(&self) -> std::sync::RwLockReadGuard<'_, OAuthConfig> {
        self.config.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn config_mut(&self) -> std::sync::RwLockWriteGuard<'_, OAuthConfig> {
        self.config.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client registered as `id`.
    pub(crate) fn client(&self, id: &str) -> Option<OAuthClient> {
        self.config().clients.iter().find(|c| c.id == id).cloned()
    }

    /// The account a live bearer `token` acts for.
    pub(crate) fn check_access_token(&self, token: &str) -> Result<Account, AuthError> {
        let now = self.clock.now();
        let store = self.store();
        let access = store.access.get(token).ok_or(AuthError::Unknown)?;
        if access.expires_at <= now {
            return Err(AuthError::Expired);
        }
        let grant = store.grants.get(&access.grant).ok_or(AuthError::Unknown)?;
        Ok(grant.account.clone())
    }
}

/// `prefix` + 32 random bytes, base64url: unguessable, and shaped like Google's
/// (`4/0A…` codes, `ya29.…` access tokens, `1//0…` refresh tokens).
pub(crate) fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}
