//! The vault's root key in the OS keychain, through the `keyring` crate
//! (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
//!
//! Entry: service [`SERVICE`], account `vault-<uuid>`. Every failure maps to a
//! [`KeychainError`] that the vault reports as "vault locked: <reason>"; nothing here
//! ever falls back to a file or a plaintext key.

use keyring::Entry;
use uuid::Uuid;

use crate::{kek::KEY_LEN, Kek, KeychainError};

/// The keychain service name all helpr vaults use.
pub const SERVICE: &str = "helpr";

/// The keychain account name of one vault.
pub fn account(vault_id: &Uuid) -> String {
    format!("vault-{vault_id}")
}

fn entry(vault_id: &Uuid) -> Result<Entry, KeychainError> {
    Entry::new(SERVICE, &account(vault_id)).map_err(map_err)
}

/// Maps keyring's errors to fail-closed reasons. The platform's message is kept (it names the
/// failing service, never a secret) so the user can see why the vault stays locked.
fn map_err(e: keyring::Error) -> KeychainError {
    match e {
        keyring::Error::NoEntry => KeychainError::Missing,
        keyring::Error::NoStorageAccess(inner) => KeychainError::Locked(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => KeychainError::Unreachable(inner.to_string()),
        keyring::Error::BadEncoding(_) => KeychainError::Malformed,
        other => KeychainError::Unreachable(other.to_string()),
    }
}

/// Makes a fresh KEK and stores it under the vault's account. Refuses if an entry exists.
pub fn make_and_store_kek(vault_id: &Uuid) -> Result<Kek, KeychainError> {
    let entry = entry(vault_id)?;
    match entry.get_secret() {
        Ok(_) => return Err(KeychainError::AlreadyExists),
        Err(keyring::Error::NoEntry) => {}
        Err(e) => return Err(map_err(e)),
    }
    let kek = Kek::make();
    entry.set_secret(kek.expose()).map_err(map_err)?;
    // Read back: a keychain that accepted the write but cannot return it must not
    // leave us with a vault nobody can open.
    let back = load_kek(vault_id)?;
    if back.expose() != kek.expose() {
        return Err(KeychainError::Malformed);
    }
    Ok(kek)
}

/// True for a Secret Service that went away in the middle of answering (the bus's `NoReply`:
/// the daemon exited or crashed). The bus starts it again on the next call, so one retry of a
/// read is worth it; anything else is final.
fn vanished_mid_call(e: &keyring::Error) -> bool {
    match e {
        keyring::Error::PlatformFailure(inner) => {
            let text = inner.to_string();
            text.contains("disconnected from message bus without replying")
                || text.contains("org.freedesktop.DBus.Error.NoReply")
        }
        _ => false,
    }
}

/// Loads the vault's KEK; any failure is a reason to stay locked. A keychain service that
/// vanished mid-call is asked once more (a read, so retrying changes nothing).
pub fn load_kek(vault_id: &Uuid) -> Result<Kek, KeychainError> {
    let entry = entry(vault_id)?;
    let secret = match entry.get_secret() {
        Err(e) if vanished_mid_call(&e) => {
            std::thread::sleep(std::time::Duration::from_millis(100));
            entry.get_secret()
        }
        other => other,
    };
    let secret = zeroize::Zeroizing::new(secret.map_err(map_err)?);
    if secret.len() != KEY_LEN {
        return Err(KeychainError::Malformed);
    }
    Kek::from_bytes(&secret).ok_or(KeychainError::Malformed)
}

/// Removes the vault's KEK from the keychain (used to undo a failed `init`).
pub fn delete_kek(vault_id: &Uuid) -> Result<(), KeychainError> {
    match entry(vault_id)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(map_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(text: &str) -> keyring::Error {
        keyring::Error::PlatformFailure(text.to_owned().into())
    }

    #[test]
    fn only_a_service_that_vanished_mid_call_is_retried() {
        assert!(vanished_mid_call(&platform(
            "DBus error: Message recipient disconnected from message bus without replying"
        )));
        assert!(vanished_mid_call(&platform(
            "org.freedesktop.DBus.Error.NoReply"
        )));
        assert!(!vanished_mid_call(&platform(
            "DBus error: The name org.freedesktop.secrets was not provided by any .service files"
        )));
        assert!(!vanished_mid_call(&keyring::Error::NoEntry));
        assert!(!vanished_mid_call(&keyring::Error::NoStorageAccess(
            "locked".to_owned().into()
        )));
    }
}
