//! Where the keychain's D-Bus session bus is, when the environment does not say.
//!
//! helpr links libdbus statically (the `dbus` crate's `vendored` feature): Debian's shared
//! libdbus pulls in libsystemd and its seven libraries, which cost every short command about half
//! a millisecond just to load. The vendored build lacks one thing the distribution build has: when
//! `DBUS_SESSION_BUS_ADDRESS` is unset, Debian's libdbus looks for the per-user bus at
//! `$XDG_RUNTIME_DIR/bus` (its compiled-in default `unix:runtime=yes`), the vendored one only tries
//! X11 autolaunch. [`use_runtime_bus_if_unset`] restores the distribution's behaviour by naming
//! that socket in the environment before anything reads it.
//!
//! Nothing here weakens fail-closed: with no bus found, the keychain is unreachable and the vault
//! stays locked, as before.

use std::ffi::OsStr;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// The environment variable libdbus reads for the session bus address.
pub const ADDRESS_VAR: &str = "DBUS_SESSION_BUS_ADDRESS";

/// The address of the per-user bus at `$XDG_RUNTIME_DIR/bus`, if the environment names no
/// address and that socket exists; `None` leaves libdbus to its own lookup.
pub fn runtime_bus_address(address: Option<&OsStr>, runtime_dir: Option<&OsStr>) -> Option<String> {
    if address.is_some_and(|a| !a.is_empty()) {
        return None;
    }
    let runtime_dir = runtime_dir.filter(|d| !d.is_empty())?;
    let socket = Path::new(runtime_dir).join("bus");
    let is_socket = std::fs::metadata(&socket)
        .map(|m| m.file_type().is_socket())
        .unwrap_or(false);
    is_socket.then(|| format!("unix:path={}", escape_value(socket.as_os_str())))
}

/// Sets `DBUS_SESSION_BUS_ADDRESS` to [`runtime_bus_address`] when that finds the bus.
///
/// # Safety
/// Changes the process environment: call it first thing in `main`, before any thread exists
/// (another thread reading the environment meanwhile is undefined behaviour).
pub unsafe fn use_runtime_bus_if_unset() {
    let address = runtime_bus_address(
        std::env::var_os(ADDRESS_VAR).as_deref(),
        std::env::var_os("XDG_RUNTIME_DIR").as_deref(),
    );
    if let Some(address) = address {
        std::env::set_var(ADDRESS_VAR, address);
    }
}

/// Escapes a D-Bus address value: bytes outside `[-0-9A-Za-z_/.\*]` become `%xx`.
fn escape_value(value: &OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-_/.\\*".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    #[test]
    fn a_named_address_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let _bus = UnixListener::bind(dir.path().join("bus")).unwrap();
        let named = OsStr::new("unix:path=/elsewhere");
        assert_eq!(
            runtime_bus_address(Some(named), Some(dir.path().as_os_str())),
            None
        );
    }

    #[test]
    fn the_runtime_socket_is_used_when_no_address_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let _bus = UnixListener::bind(dir.path().join("bus")).unwrap();
        let expected = format!("unix:path={}/bus", dir.path().display());
        for unset in [None, Some(OsStr::new(""))] {
            let found = runtime_bus_address(unset, Some(dir.path().as_os_str()));
            assert_eq!(found.as_deref(), Some(expected.as_str()));
        }
    }

    #[test]
    fn no_socket_means_no_address() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            runtime_bus_address(None, Some(dir.path().as_os_str())),
            None
        );
        std::fs::write(dir.path().join("bus"), b"not a socket").unwrap();
        assert_eq!(
            runtime_bus_address(None, Some(dir.path().as_os_str())),
            None
        );
        assert_eq!(runtime_bus_address(None, None), None);
    }

    #[test]
    fn address_values_are_escaped() {
        assert_eq!(
            escape_value(OsStr::new("/run/user/1000/bus")),
            "/run/user/1000/bus"
        );
        assert_eq!(
            escape_value(OsStr::new("/tmp/a b,c=d;é")),
            "/tmp/a%20b%2cc%3dd%3b%c3%a9"
        );
    }
}
