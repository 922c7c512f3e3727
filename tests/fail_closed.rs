//! The real OS keychain (Secret Service through gnome-keyring in the test session) and
//! fail-closed behaviour: with the keychain entry deleted, wrong, malformed, or D-Bus
//! unreachable, every command exits non-zero saying "vault locked: <reason>" and no file in the
//! data dir changes. Nothing is wiped: restoring the key opens the vault again.

use helpr_tests::{message, snapshot, Scratch};

/// Every command that needs the vault, as a user would type it.
const COMMANDS: &[&[&str]] = &[
    &["list"],
    &["list", "--json"],
    &["show", "1"],
    &["keys", "list"],
    &["keys", "rotate"],
    &["keys", "retire", "1"],
    &["doctor"],
    &["doctor", "--json"],
];

fn vault_with_mail() -> Scratch {
    let s = Scratch::new();
    s.init();
    let m = s.write_mail(
        "a.eml",
        &message("fc1", "Locked subject", "locked body", None),
    );
    s.ok(&["import", m.to_str().unwrap()]);
    s
}

fn assert_locked_everywhere(s: &Scratch, env: &[(&str, &str)], reason: &str) {
    let before = snapshot(&s.data());
    let import_file = s.mail().join("a.eml");
    let import: &[&str] = &["import", import_file.to_str().unwrap()];
    for args in COMMANDS.iter().copied().chain([import]) {
        let mut cmd = s.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded with {reason}");
        assert!(
            stderr.contains("vault locked: "),
            "{args:?} with {reason}: stderr was {stderr}"
        );
    }
    let after = snapshot(&s.data());
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(
        changed.is_empty(),
        "data dir changed with {reason}: {changed:?}"
    );
}

#[test]
fn kek_round_trips_through_the_real_secret_service() {
    let s = vault_with_mail();
    let secret = s
        .keychain_entry()
        .get_secret()
        .expect("entry in the keychain");
    assert_eq!(secret.len(), 32);
    assert!(secret.iter().any(|&b| b != 0));
    // The key is not on disk in any form.
    for (path, bytes) in snapshot(&s.data()) {
        assert!(
            !bytes.windows(32).any(|w| w == secret.as_slice()),
            "KEK bytes in {}",
            path.display()
        );
        let hex = hex::encode(&secret);
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&hex),
            "KEK hex in {}",
            path.display()
        );
    }
    assert!(s.ok(&["list"]).contains("Locked subject"));
}

#[test]
fn deleted_entry_locks_and_changes_nothing() {
    let s = vault_with_mail();
    let entry = s.keychain_entry();
    let secret = entry.get_secret().unwrap();
    entry.delete_credential().unwrap();
    assert_locked_everywhere(&s, &[], "the entry deleted");
    let err = String::from_utf8(s.run(&["list"]).stderr).unwrap();
    assert!(err.contains("no key for this vault"), "{err}");
    assert_eq!(s.run(&["list"]).status.code(), Some(3));
    // Nothing was wiped: put the key back and everything is there.
    entry.set_secret(&secret).unwrap();
    assert!(s.ok(&["list"]).contains("Locked subject"));
}

#[test]
fn unreachable_dbus_locks_and_changes_nothing() {
    let s = vault_with_mail();
    assert_locked_everywhere(
        &s,
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/helpr-test-bus",
        )],
        "no D-Bus",
    );
    assert!(s.ok(&["list"]).contains("Locked subject"));
}

#[test]
fn wrong_or_malformed_key_locks_and_changes_nothing() {
    let s = vault_with_mail();
    let entry = s.keychain_entry();
    let secret = entry.get_secret().unwrap();
    entry.set_secret(&[7u8; 32]).unwrap();
    assert_locked_everywhere(&s, &[], "a wrong key");
    let err = String::from_utf8(s.run(&["list"]).stderr).unwrap();
    assert!(err.contains("does not open this vault"), "{err}");
    entry.set_secret(&[7u8; 16]).unwrap();
    assert_locked_everywhere(&s, &[], "a malformed key");
    entry.set_secret(&secret).unwrap();
    assert!(s.ok(&["list"]).contains("Locked subject"));
}

#[test]
fn init_without_a_keychain_creates_nothing() {
    let s = Scratch::new();
    let out = s
        .command(&["init"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/helpr-test-bus",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("vault locked: "));
    assert!(snapshot(&s.data()).is_empty(), "init left files behind");
}

#[test]
fn init_refuses_to_overwrite() {
    let s = vault_with_mail();
    let before = snapshot(&s.data());
    let out = s.run(&["init"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"));
    assert!(before == snapshot(&s.data()));
    assert!(s.ok(&["list"]).contains("Locked subject"));
}

/// The test session's bus socket, from its `unix:path=…` address (dbus-run-session's kind).
fn session_bus_socket() -> std::path::PathBuf {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .expect("DBUS_SESSION_BUS_ADDRESS: run the suite through `cargo xtask test`");
    let path = address
        .split(';')
        .find_map(|a| a.strip_prefix("unix:path="))
        .map(|rest| rest.split(',').next().unwrap_or(rest).to_owned())
        .unwrap_or_else(|| panic!("the test session bus is not a unix:path address: {address}"));
    std::path::PathBuf::from(path)
}

/// With no bus address in the environment, helpr finds the per-user bus at
/// `$XDG_RUNTIME_DIR/bus` (as the distribution's libdbus does; helpr links its own), and with no
/// socket there it still fails closed.
#[test]
fn the_keychain_is_found_on_the_runtime_bus_when_no_address_is_set() {
    let s = vault_with_mail();
    let runtime = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(session_bus_socket(), runtime.path().join("bus")).unwrap();
    let out = s
        .command(&["list"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "list on the runtime bus failed: {stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Locked subject"));

    let empty = tempfile::tempdir().unwrap();
    let empty_dir = empty.path().to_str().unwrap();
    assert_locked_everywhere(
        &s,
        &[
            ("DBUS_SESSION_BUS_ADDRESS", ""),
            ("XDG_RUNTIME_DIR", empty_dir),
        ],
        "no bus address and no runtime bus",
    );
}
