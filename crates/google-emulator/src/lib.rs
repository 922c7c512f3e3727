//! google-emulator: a local stand-in for the Google surface helpr uses, for tests and demo
//! mode (DESIGN §7): signing keys with rotation (`keys`); the listeners (`server` starts them,
//! `listen` serves HTTP and HTTPS, `tls` generates the test CA and leaf, `urls` gives the
//! HTTPS URLs, the CA and the helpr configuration TOML); OAuth for installed apps (`oauth`:
//! authorize with consent, token, revoke; `clock` lets tests move time); the Gmail REST
//! over a seeded mailbox (`gmail`: reads, writes, history, watch/stop, quota, faults); SMTP
//! submission with XOAUTH2 (`smtp`); Pub/Sub push tokens and bodies (`pubsub`) and the push
//! sender with its fault knobs (`push`); seeding from the generator (`generate`), a Maildir
//! or an mbox (`mbox`). `src/bin/google-emulator.rs` runs it as a process. It is test and
//! demo infrastructure: no release default points at it.

mod clock;
pub mod generate;
pub mod gmail;
pub mod keys;
mod listen;
pub mod mbox;
pub mod oauth;
pub mod pubsub;
pub mod push;
pub mod server;
pub mod smtp;
pub mod tls;
pub mod urls;

pub use keys::{KeyError, KeyRing, SigningKey};
pub use oauth::{Account, AuthError, OAuthClient, OAuthConfig};
pub use pubsub::{Delivery, HistoryIdForm, Notification, PushClaims};
pub use server::{Config, Emulator, Ports, StartError};
pub use smtp::SentMessage;
pub use tls::{TestCa, TlsError};
