//! helpr-team: the desktop's side of the team server, for core, the CLI and tests.
//!
//! - [`address`]: a server address the desktop accepts (HTTPS; plain HTTP only on loopback).
//! - [`pin`]: trust in one certificate by its fingerprint (first sign-in shows and pins it,
//!   like SSH), and reading a server's fingerprint before trusting it.
//! - [`sign_in`]: the browser flow: a loopback redirect, PKCE, the code traded for a session.
//! - [`client`]: the typed API, each refusal the server's `{code, message}`.
//! - [`socket`]: the live socket: hello with the last sequence number, then the server's messages.

pub mod address;
pub mod client;
pub mod pin;
pub mod sign_in;
pub mod socket;

pub use address::ServerAddress;
pub use client::{TeamClient, TeamError};
