//! helpr-proto: what the team server and the desktop say to each other, in one place, versioned.
//!
//! JSON over HTTPS for the API and over a WebSocket for live changes. Every type here derives
//! `utoipa::ToSchema`, so the server's OpenAPI document is generated from these definitions.
//! Additive changes (a new optional field, a new event kind a client may ignore) keep
//! [`PROTO_VERSION`]; anything else bumps it, and each side refuses a version it does not speak
//! with [`error::ErrorCode::UnsupportedVersion`].
//!
//! - [`error`]: the error body every refusal carries, `{code, message}`.
//! - [`views`]: organizations, users, teams, inboxes, members, sessions, conversation refs.
//! - [`requests`]: the bodies of changes (create, change, set) and a few answers.
//! - [`auth`]: sign-in from the desktop (the browser flow with PKCE and a loopback redirect).
//! - [`snapshot`]: what one session is entitled to, as of a sequence number.
//! - [`socket`]: the WebSocket's messages, sequenced per organization.
//! - [`gmail`]: the Gmail broker's bodies (connect an inbox's account, its state, send).
//! - [`secure`]: secure email: the protected thread, its reader's calls and its sender's.

pub mod auth;
pub mod error;
pub mod gmail;
pub mod requests;
pub mod secure;
pub mod snapshot;
pub mod socket;
pub mod views;

/// The wire version both sides speak.
pub const PROTO_VERSION: u32 = 1;

/// The header a desktop sends its wire version in (and the server answers with its own).
pub const VERSION_HEADER: &str = "helpr-proto-version";

/// How a server certificate's fingerprint is written (shown by the server at start, pinned by
/// the desktop): SHA-256 of its DER, as colon-separated upper-case hex pairs.
pub fn fingerprint(der: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
