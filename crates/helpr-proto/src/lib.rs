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
//! - [`auth`]: sign-in from the desktop (the browser flow with PKCE and a loopback redirect).
//! - [`snapshot`]: what one session is entitled to, as of a sequence number.
//! - [`socket`]: the WebSocket's messages, sequenced per organization.

pub mod auth;
pub mod error;
pub mod snapshot;
pub mod socket;
pub mod views;

/// The wire version both sides speak.
pub const PROTO_VERSION: u32 = 1;

/// The header a desktop sends its wire version in (and the server answers with its own).
pub const VERSION_HEADER: &str = "helpr-proto-version";
