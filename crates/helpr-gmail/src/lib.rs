//! helpr-gmail: helpr's Gmail side (DESIGN §6). Data flows one way: Google → here → the
//! store helpr-core provides.
//!
//! - [`config`]: the Gmail configuration file (endpoints, client, SMTP, extra CA).
//! - [`oauth`]: installed-app OAuth (loopback + PKCE sign-in, refresh, revoke).
//! - [`token`]: the in-memory access token, refreshed once at a time; rotation and
//!   `invalid_grant` reported to the store.
//! - [`limiter`]: the per-user quota window and backoff with jitter.
//! - [`api`]: the Gmail REST calls sync makes, with 401/429/403/5xx handling.
//! - [`sync`]: full and incremental sync into a [`sync::SyncStore`].
//! - [`send`]: mail submission over SMTP with XOAUTH2 (refresh and retry once), and the
//!   reply threading headers.
//! - [`push`]: Pub/Sub push verification, for the team server.

pub mod api;
pub mod config;
mod http;
pub mod limiter;
pub mod oauth;
pub mod push;
pub mod send;
pub mod sync;
pub mod token;

pub use api::{ApiError, GmailApi};
pub use config::{ConfigError, GmailConfig, SmtpSecurity};
pub use oauth::{AuthorizationRequest, OAuthClient, OAuthConfig, OAuthError, Refreshed, Tokens};
pub use push::{
    BodyError, Clock, JwksError, Notification, Outcome, PushConfig, PushError, PushVerifier,
    SystemClock,
};
pub use send::{SendError, Sender, Submitted};
pub use sync::{SyncEngine, SyncError, SyncStore};
pub use token::{TokenSource, TokenStore};
