//! The files of a data dir: `vault.json` (vault id and format, no secrets, no content) and the
//! SQLCipher database `vault.db` (with its `-wal`/`-shm` companions).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, VaultError};

pub const INFO_FILE: &str = "vault.json";
pub const DB_FILE: &str = "vault.db";

/// What `vault.json` holds: enough to find the keychain entry, nothing sensitive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VaultInfo {
    pub format: u32,
    pub vault_id: Uuid,
    /// The KEK's check value ([`helpr_crypto::Kek::check_value`]); absent in vaults made
    /// before it existed, added at their next unlock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<String>,
}

pub fn info_path(dir: &Path) -> PathBuf {
    dir.join(INFO_FILE)
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

/// Whether anything of a vault is in `dir` already.
/// SQLite's write-ahead log beside the database file `db`.
pub fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

pub fn exists(dir: &Path) -> bool {
    info_path(dir).exists() || db_path(dir).exists()
}

pub fn read_info(dir: &Path) -> Result<VaultInfo> {
    let path = info_path(dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(VaultError::NotInitialized(dir.display().to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    let info: VaultInfo = serde_json::from_slice(&bytes)
        .map_err(|e| VaultError::Meta(format!("{} is not valid: {e}", path.display())))?;
    if info.format != 1 {
        return Err(VaultError::Meta(format!(
            "unknown vault format {} in {}",
            info.format,
            path.display()
        )));
    }
    Ok(info)
}

/// Writes `vault.json` atomically (temp file + rename in the same dir).
pub fn write_info(dir: &Path, info: &VaultInfo) -> Result<()> {
    let tmp = dir.join(".vault.json.tmp");
    let json = serde_json::to_vec_pretty(info).map_err(|e| VaultError::Meta(e.to_string()))?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, info_path(dir))?;
    Ok(())
}
