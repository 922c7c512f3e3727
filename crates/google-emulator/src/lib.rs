//! google-emulator: a local stand-in for the Google surface helpr uses, for tests and demo
//! mode (DESIGN §7). This slice: signing keys with rotation (`keys`), the cert endpoints over
//! a real socket (`server`), Pub/Sub push tokens and bodies (`pubsub`) and OAuth for installed
//! apps (`oauth`: authorize with consent, token, revoke; `clock` lets tests move time) and the
//! Gmail REST over a seeded mailbox (`gmail`: reads, writes, history, quota, faults). It is
//! test and demo infrastructure: no release default points at it.

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
