//! Error types of helpr-crypto. Messages never carry key bytes or plaintext.

use thiserror::Error;

/// Why the keychain could not give us the vault's root key. Each is a reason to stay locked.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeychainError {
    #[error("the OS keychain is unreachable ({0})")]
    Unreachable(String),
    #[error("the OS keychain is locked or refused access ({0})")]
    Locked(String),
    #[error("the keychain has no key for this vault")]
    Missing,
    #[error("the keychain entry for this vault is malformed")]
    Malformed,
    #[error("a keychain entry for this vault already exists")]
    AlreadyExists,
}

/// Failures of sealing/opening and key handling.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// Authentication failed: wrong key, tampered bytes, or a ciphertext moved to another record.
    #[error("decryption failed: the record was tampered with, moved, or the key is wrong")]
    Decrypt,
    #[error("sealed record is malformed: {0}")]
    Malformed(&'static str),
    #[error("unknown sealed-record format {0}")]
    UnknownFormat(u8),
    #[error("no key version {version} for tenant {tenant}")]
    UnknownKey { tenant: i64, version: u32 },
    #[error("tenant {0} has no active key")]
    NoActiveKey(i64),
}
