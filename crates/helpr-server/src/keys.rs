//! The server's root key (KEK): in the OS keychain (account `vault-<server id>`, as a desktop
//! vault's) or, for a headless server, in a 0600 key file. It keys the SQLite database
//! (SQLCipher) and, later, seals Gmail tokens and keys the audit trail's identifiers.
//!
//! The rules are the desktop's: the key is made only when the server's data directory is new;
//! once a database exists, a missing, locked or malformed key locks the server, and nothing
//! is wiped or made anew.

use std::fs;
use std::path::{Path, PathBuf};

use helpr_crypto::{key_file, keychain, Kek, KeyStore};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where the key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Keychain,
    File(PathBuf),
}

/// Why the server stays locked.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("server locked: {0}")]
    Keychain(#[from] helpr_crypto::KeychainError),
    #[error("server locked: {0}")]
    File(#[from] helpr_crypto::key_file::KeyFileError),
    #[error("server data directory: {0}")]
    Io(String),
}

/// `D/server.json`: the server's id, which names its keychain entry.
#[derive(Debug, Serialize, Deserialize)]
struct Identity {
    id: Uuid,
}

/// Loads the server's key, making it (and the server's id) when `data_dir` holds no server yet.
pub fn load_or_make(data_dir: &Path, source: &KeySource) -> Result<KeyStore, KeyError> {
    let io = |e: std::io::Error| KeyError::Io(e.to_string());
    fs::create_dir_all(data_dir).map_err(io)?;
    let identity_path = data_dir.join("server.json");
    let fresh = !identity_path.exists() && !data_dir.join("server.db").exists();
    let identity: Identity = if fresh {
        let identity = Identity { id: Uuid::new_v4() };
        let text =
            serde_json::to_string_pretty(&identity).map_err(|e| KeyError::Io(e.to_string()))?;
        fs::write(&identity_path, text).map_err(io)?;
        identity
    } else {
        let text = fs::read_to_string(&identity_path).map_err(|e| {
            KeyError::Io(format!(
                "{}: {e} (the server's identity is missing)",
                identity_path.display()
            ))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| KeyError::Io(format!("{}: {e}", identity_path.display())))?
    };
    let kek: Kek = match (source, fresh) {
        (KeySource::Keychain, true) => keychain::make_and_store_kek(&identity.id)?,
        (KeySource::Keychain, false) => keychain::load_kek(&identity.id)?,
        (KeySource::File(path), true) if !path.exists() => key_file::make_and_store_kek(path)?,
        (KeySource::File(path), _) => key_file::load_kek(path)?,
    };
    Ok(KeyStore::new(kek))
}
