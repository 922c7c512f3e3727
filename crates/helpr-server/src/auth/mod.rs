//! Who is asking. People sign in on the server's own page in their browser (the desktop opens
//! it, as Google's installed-app flow does, and gets back a one-time code at a loopback address
//! it trades with its PKCE verifier for a session); every API request and the socket then carry
//! the session's token as `Authorization: Bearer`.
//!
//! - [`password`]: argon2id hashes, verified off the async threads.
//! - [`token`]: random opaque tokens and the SHA-256 the server keeps instead.
//! - [`page`]: the sign-in page and its form (no script; strict CSP).
//! - [`pkce`]: the loopback redirect and the S256 challenge, checked.
//! - [`session`]: the request's session ([`session::Caller`]) and the token exchange.
//! - [`limit`]: sign-in attempts per address and per client address.

pub mod limit;
pub mod page;
pub mod password;
pub mod pkce;
pub mod session;
pub mod token;
