//! SQLite's process-wide set-up, started early on a thread of its own.
//!
//! The first SQLite connection of a process initialises SQLite, and through it SQLCipher's
//! crypto provider, OpenSSL's libcrypto (Debian's, linked statically: loading the shared one cost
//! ~1 ms more): its providers and algorithm tables, ~1.3 ms of every command's start. None of it needs a key or touches a file, so
//! [`crate::Vault::open`] [`start`]s it before asking the keychain and [`wait`]s for it after.
//! (Starting it earlier, with the process, gained nothing measurable: on two cores the set-up's
//! allocations and the main thread's page faults contend for the same address space.)
//!
//! Three OpenSSL defaults are turned off, by asking for their opposite before SQLCipher's own
//! initialisation (OpenSSL sets each part up once per process, as its first caller asks):
//! - reading the system's `openssl.cnf` (~0.2 ms): it configures TLS defaults and optional
//!   providers, none of which SQLCipher's fixed cipher suite (AES-256-CBC, HMAC-SHA512 over each
//!   page, a raw key) uses; helpr's TLS is rustls and never reads it either;
//! - its table of error strings (~0.3 ms), text only for OpenSSL's own error log, which helpr
//!   silences (`cipher_log_level = NONE`) and never shows;
//! - its `atexit` handler, which frees every table as the process exits (memory the exit
//!   returns anyway), and would break a SQLCipher connection still closing on another thread.

use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use rusqlite::Connection;

/// The set-up thread, until someone waits for it.
static SETUP: OnceLock<Mutex<Option<JoinHandle<()>>>> = OnceLock::new();

/// Starts the set-up on a background thread; does nothing if it has been started.
pub fn start() {
    SETUP.get_or_init(|| Mutex::new(Some(std::thread::spawn(set_up))));
}

/// Waits until the set-up has run (starting it if needed). Nothing is reported: had it failed,
/// the next connection fails the same way and says why.
pub fn wait() {
    start();
    let handle = SETUP
        .get()
        .and_then(|slot| slot.lock().ok().and_then(|mut handle| handle.take()));
    if let Some(handle) = handle {
        let _ = handle.join();
    }
}

/// OpenSSL's options, then SQLite's initialisation through an in-memory connection, opened and
/// closed (it touches no file).
fn set_up() {
    let _phase = tracing::debug_span!(target: "helpr::phase", "sqlite_init").entered();
    openssl_options();
    drop(Connection::open_in_memory());
}

/// `OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS`, `OPENSSL_INIT_NO_LOAD_CONFIG` and
/// `OPENSSL_INIT_NO_ATEXIT` (openssl/crypto.h, OpenSSL 1.1.1b and later).
const OPENSSL_INIT_OPTIONS: u64 = 0x0000_0001 | 0x0000_0080 | 0x0008_0000;

fn openssl_options() {
    extern "C" {
        fn OPENSSL_init_crypto(opts: u64, settings: *const std::ffi::c_void) -> std::ffi::c_int;
    }
    // SAFETY: OPENSSL_init_crypto is thread-safe and takes a null settings pointer; it is the
    // libcrypto that SQLCipher's bundled build links. A failure changes nothing: SQLCipher's own
    // initialisation then runs with OpenSSL's defaults, as before.
    unsafe {
        OPENSSL_init_crypto(OPENSSL_INIT_OPTIONS, std::ptr::null());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_work_after_the_set_up_and_waiting_twice_is_harmless() {
        start();
        wait();
        wait();
        let conn = Connection::open_in_memory().unwrap();
        let cipher: String = conn
            .query_row("PRAGMA cipher_version", [], |row| row.get(0))
            .unwrap();
        assert!(!cipher.is_empty(), "SQLCipher answers after the set-up");
    }
}
