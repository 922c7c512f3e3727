//! `CoreError`: what went wrong, with a stable code the edges branch on. Messages never carry
//! content, addresses, keys or tokens.

use helpr_vault::VaultError;
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CoreError {
    #[error("vault locked: {0}")]
    Locked(String),
    #[error("{0}")]
    NotInitialized(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidInput(String),
    /// Authentication of a sealed record failed: tampering or a wrong key; never wrong data.
    #[error("integrity error: {0}")]
    Integrity(String),
    #[error("storage error: {0}")]
    Storage(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// The Gmail account's grant is gone (`invalid_grant`): connect it again.
    #[error("reconnect needed: {0}")]
    ReconnectNeeded(String),
    /// Google (or the network to it) failed; `code` is helpr-gmail's stable code.
    #[error("{message}")]
    Remote { code: &'static str, message: String },
}

impl CoreError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Locked(_) => "vault_locked",
            CoreError::NotInitialized(_) => "not_initialized",
            CoreError::AlreadyExists(_) => "already_exists",
            CoreError::NotFound(_) => "not_found",
            CoreError::InvalidInput(_) => "invalid_input",
            CoreError::Integrity(_) => "integrity",
            CoreError::Storage(_) => "storage",
            CoreError::Internal(_) => "internal",
            CoreError::ReconnectNeeded(_) => "reconnect_needed",
            CoreError::Remote { code, .. } => code,
        }
    }
}

impl From<VaultError> for CoreError {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::Locked(r) => CoreError::Locked(r),
            e @ VaultError::NotInitialized(_) => CoreError::NotInitialized(e.to_string()),
            e @ VaultError::AlreadyExists(_) => CoreError::AlreadyExists(e.to_string()),
            e @ VaultError::NotFound(_) => CoreError::NotFound(e.to_string()),
            VaultError::Invalid(m) => CoreError::InvalidInput(m),
            VaultError::Crypto(c) => CoreError::Integrity(c.to_string()),
            e @ VaultError::Damaged(_) => CoreError::Integrity(e.to_string()),
            e => CoreError::Storage(e.to_string()),
        }
    }
}

/// The `{code, message}` shape errors take at the edges (Tauri, `--json`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

impl From<CoreError> for ErrorPayload {
    fn from(e: CoreError) -> Self {
        ErrorPayload {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

impl From<&CoreError> for ErrorPayload {
    fn from(e: &CoreError) -> Self {
        ErrorPayload {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}
