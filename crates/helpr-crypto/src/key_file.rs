//! A root key (KEK) in a file, for a headless team server that has no OS keychain: 32 random
//! bytes, hex, in a file only its owner may read (0600). The rules are the keychain's: a key
//! file that is missing (once a server exists), readable by others, or malformed locks the
//! server; nothing falls back to plaintext or makes a new key over an old one.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

use crate::kek::KEY_LEN;
use crate::Kek;

/// Why a key file could not give the key.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum KeyFileError {
    #[error("key file {0} does not exist")]
    Missing(String),
    #[error("key file {path} is readable or writable by others (mode {mode:o}); make it 0600")]
    TooOpen { path: String, mode: u32 },
    #[error("key file {0} is malformed: it must hold 64 hex digits")]
    Malformed(String),
    #[error("key file {path}: {message}")]
    Io { path: String, message: String },
    #[error("key file {0} already exists")]
    AlreadyExists(String),
}

fn io(path: &Path, e: std::io::Error) -> KeyFileError {
    KeyFileError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Makes a fresh KEK and writes it to `path` (created with mode 0600; refused if it exists).
pub fn make_and_store_kek(path: &Path) -> Result<Kek, KeyFileError> {
    let kek = Kek::make();
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            KeyFileError::AlreadyExists(path.display().to_string())
        }
        _ => io(path, e),
    })?;
    let text = Zeroizing::new(hex::encode(kek.expose()));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io(path, e))?;
    // Read back, as the keychain does: a key that cannot be read again must not be used.
    let back = load_kek(path)?;
    if back.expose() != kek.expose() {
        return Err(KeyFileError::Malformed(path.display().to_string()));
    }
    Ok(kek)
}

/// Loads the KEK from `path`, refusing a file others may read or write.
pub fn load_kek(path: &Path) -> Result<Kek, KeyFileError> {
    let shown = || path.display().to_string();
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => KeyFileError::Missing(shown()),
        _ => io(path, e),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::TooOpen {
                path: shown(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| io(path, e))?);
    let bytes =
        Zeroizing::new(hex::decode(text.trim()).map_err(|_| KeyFileError::Malformed(shown()))?);
    if bytes.len() != KEY_LEN {
        return Err(KeyFileError::Malformed(shown()));
    }
    Kek::from_bytes(&bytes).ok_or_else(|| KeyFileError::Malformed(shown()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_key_loads_back_the_same_and_is_not_made_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        let made = make_and_store_kek(&path).unwrap();
        assert_eq!(load_kek(&path).unwrap().expose(), made.expose());
        assert!(matches!(
            make_and_store_kek(&path),
            Err(KeyFileError::AlreadyExists(_))
        ));
        assert_eq!(load_kek(&path).unwrap().expose(), made.expose());
    }

    #[cfg(unix)]
    #[test]
    fn an_open_missing_or_malformed_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        assert!(matches!(load_kek(&path), Err(KeyFileError::Missing(_))));
        make_and_store_kek(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(
            load_kek(&path),
            Err(KeyFileError::TooOpen { mode: 0o640, .. })
        ));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, "abcd").unwrap();
        assert!(matches!(load_kek(&path), Err(KeyFileError::Malformed(_))));
    }
}
