//! helpr-gmail: helpr's Gmail side. This slice holds push verification (`push`), the
//! library function the team server will call on every Pub/Sub push, and installed-app
//! OAuth (`oauth`: sign-in over loopback + PKCE, refresh, revoke); sync and send come next
//! (issue 5).

pub mod oauth;
pub mod push;

pub use oauth::{OAuthClient, OAuthConfig, OAuthError, Refreshed, Tokens};
pub use push::{
    BodyError, Clock, JwksError, Notification, Outcome, PushConfig, PushError, PushVerifier,
    SystemClock,
};
