//! helpr-team: the desktop's side of the team server, for core, the CLI and tests.
//!
//! - [`address`]: a server address the desktop accepts (HTTPS; plain HTTP only on loopback).
//! - [`pin`]: trust in one certificate by its fingerprint (first sign-in shows and pins it,
//!   like SSH), and reading a server's fingerprint before trusting it.
//! - [`sign_in`]: the browser flow: a loopback redirect, PKCE, the code traded for a session.
//! - [`client`]: the typed API, each refusal the server's `{code, message}`.
//! - `testing` (feature `test-browser`): a stand-in browser for the sign-in page, for tests.
//! - [`socket`]: the live socket: hello with the last sequence number, then the server's messages.
//! - [`secure`]: secure email's calls from the sender's side, and the link a reader opens.

pub mod address;
pub mod client;
pub mod pin;
pub mod secure;
pub mod sign_in;
pub mod socket;
#[cfg(feature = "test-browser")]
pub mod testing;

pub use address::ServerAddress;
pub use client::{TeamClient, TeamError};
