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
    match once_more_if_vanished(|| entry.get_secret()) {
        Ok(_) => return Err(KeychainError::AlreadyExists),
        Err(keyring::Error::NoEntry) => {}
        Err(e) => return Err(map_err(e)),
    }
    let kek = Kek::make();
    // Storing the same secret twice leaves the same entry, so a retry is safe.
    once_more_if_vanished(|| entry.set_secret(kek.expose())).map_err(map_err)?;
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

/// Runs a keychain call that is safe to repeat (a read, storing the same secret, deleting), and
/// runs it once more after a short pause when the service vanished mid-call. Any other failure,
/// or a second one, is final.
fn once_more_if_vanished<T>(call: impl Fn() -> keyring::Result<T>) -> keyring::Result<T> {
    match call() {
        Err(e) if vanished_mid_call(&e) => {
            std::thread::sleep(std::time::Duration::from_millis(100));
            call()
        }
        other => other,
    }
}

/// Loads the vault's KEK; any failure is a reason to stay locked. A keychain service that
/// vanished mid-call is asked once more.
pub fn load_kek(vault_id: &Uuid) -> Result<Kek, KeychainError> {
    let entry = entry(vault_id)?;
    let secret = once_more_if_vanished(|| entry.get_secret());
    let secret = zeroize::Zeroizing::new(secret.map_err(map_err)?);
    if secret.len() != KEY_LEN {
        return Err(KeychainError::Malformed);
    }
    Kek::from_bytes(&secret).ok_or(KeychainError::Malformed)
}

/// Removes the vault's KEK from the keychain (used to undo a failed `init`).
pub fn delete_kek(vault_id: &Uuid) -> Result<(), KeychainError> {
    let entry = entry(vault_id)?;
    match once_more_if_vanished(|| entry.delete_credential()) {
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

    #[test]
    fn a_vanished_service_is_asked_exactly_once_more() {
        let calls = std::cell::Cell::new(0);
        let vanishing = || {
            calls.set(calls.get() + 1);
            Err::<(), _>(platform("org.freedesktop.DBus.Error.NoReply"))
        };
        assert!(once_more_if_vanished(vanishing).is_err());
        assert_eq!(calls.get(), 2);

        calls.set(0);
        let recovering = || {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                Err(platform("org.freedesktop.DBus.Error.NoReply"))
            } else {
                Ok(7)
            }
        };
        assert_eq!(once_more_if_vanished(recovering).unwrap(), 7);

        calls.set(0);
        let missing = || {
            calls.set(calls.get() + 1);
            Err::<(), _>(keyring::Error::NoEntry)
        };
        assert!(matches!(
            once_more_if_vanished(missing),
            Err(keyring::Error::NoEntry)
        ));
        assert_eq!(calls.get(), 1);
    }
}
