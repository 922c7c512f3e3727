//! helpr-crypto: the only crate that touches key bytes.
//!
//! - [`keychain`]: the 32-byte root key (KEK) in the OS keychain (service `helpr`,
//!   account `vault-<uuid>`), fail-closed errors.
//! - [`key_file`]: the KEK in a 0600 file instead, for a headless team server; the same
//!   fail-closed rules.
//! - [`kek`]: the KEK type and its HKDF-SHA256 sub-keys (SQLCipher, index, audit, fingerprint).
//! - [`envelope`]: the sealed-record format and its AAD (DESIGN §2).
//! - [`index_cipher`]: AES-256-GCM over chunks of search-index files (helpr-index).
//! - [`keystore`]: tenant DEKs by id (tenant, version), wrapped by the KEK, used to seal/open.
//! - `session_bus` (Linux): finds the per-user D-Bus bus for the keychain when the environment
//!   names none, as the distribution's libdbus would (helpr links its own).
//!
//! Callers hold tenant ids and key versions, never key bytes: no key type implements
//! `Debug`/`Display`/`Serialize` over its bytes.

pub mod envelope;
mod error;
pub mod index_cipher;
pub mod kek;
pub mod key_file;
pub mod keychain;
pub mod keystore;
#[cfg(target_os = "linux")]
pub mod session_bus;

pub use envelope::{RecordRef, SEALED_FORMAT_V1};
pub use error::{CryptoError, KeychainError};
pub use index_cipher::IndexCipher;
pub use kek::{Kek, SqlcipherKey};
pub use keystore::{KeyStore, TenantId, WrappedKey};
