//! The vault's error type. Messages name what failed, never content, addresses or keys.

use helpr_crypto::{CryptoError, KeychainError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum VaultError {
    /// The vault cannot be unlocked; nothing was changed.
    #[error("vault locked: {0}")]
    Locked(String),
    #[error("no vault in {0} (run `helpr init` first)")]
    NotInitialized(String),
    #[error("a vault already exists in {0}; refusing to overwrite it")]
    AlreadyExists(String),
    #[error("the vault's schema version {found} is newer than this helpr understands ({known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("{0} not found")]
    NotFound(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("vault metadata: {0}")]
    Meta(String),
    /// A file of the vault does not read back as it was written (not a wrong key: that is
    /// `Locked`).
    #[error("the vault is damaged: {0}")]
    Damaged(String),
}

impl From<KeychainError> for VaultError {
    fn from(e: KeychainError) -> Self {
        VaultError::Locked(e.to_string())
    }
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;
