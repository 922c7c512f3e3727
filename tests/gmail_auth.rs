//! Gmail credentials end to end (real `helpr`, emulator over HTTPS): access tokens that
//! expire mid-sync are refreshed after the 401 and the sync completes; a rotated refresh
//! token replaces the stored one (and the old one is dead at Google, so the next sync proves
//! the replacement); `invalid_grant` after an out-of-band revocation puts the inbox in
//! "reconnect needed", visibly, until the user connects again; `disconnect` revokes at
//! Google, deletes the sealed token and stops sync while the mail stays.

use std::process::Stdio;
use std::time::Duration;

use google_emulator::OAuthConfig;
use helpr_tests::gmail::GmailRig;

#[test]
fn tokens_expiring_mid_sync_are_refreshed_after_the_401() {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.connect_ok();
    // 300 messages at Gmail's quota take about six seconds to fetch.
    let ids = rig.seed(300, 21);
    let child = rig
        .scratch
        .command(&["sync", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Not an assertion: a moment into the sync, every access token expires at Google.
    std::thread::sleep(Duration::from_millis(1500));
    rig.emu.advance_clock(Duration::from_secs(7200));
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outcomes: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refreshed = outcomes[0]["stats"]["refreshes_after_401"]
        .as_u64()
        .unwrap();
    assert!(refreshed >= 1, "no 401 was met: {outcomes}");
    assert_eq!(rig.vault(), rig.mailbox(&ids));
}

#[test]
fn a_rotated_refresh_token_replaces_the_stored_one() {
    let rig = GmailRig::new(OAuthConfig {
        rotate_refresh_tokens: true,
        ..OAuthConfig::default()
    });
    rig.connect_ok();
    let ids = rig.seed(10, 22);
    let first = rig.stored_refresh_token().unwrap();
    rig.sync_ok();
    let second = rig.stored_refresh_token().unwrap();
    assert_ne!(first, second, "the rotated token was not stored");
    // The old token is dead at Google…
    assert_eq!(rig.try_refresh(&first), (400, "invalid_grant".to_owned()));
    // …so this sync works only because the vault holds the new one.
    rig.sync_ok();
    assert_ne!(rig.stored_refresh_token().unwrap(), second);
    assert_eq!(rig.vault(), rig.mailbox(&ids));
}

#[test]
fn invalid_grant_means_reconnect_needed_until_connected_again() {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.connect_ok();
    let ids = rig.seed(12, 23);
    rig.sync_ok();
    rig.revoke_out_of_band(&rig.stored_refresh_token().unwrap());
    let more = rig.seed(3, 24);

    let out = rig.sync();
    assert!(!out.status.success());
    let outcomes: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        outcomes[0]["error"]["code"], "reconnect_needed",
        "{outcomes}"
    );
    let status = rig.status();
    assert_eq!(status["account"], "reconnect_needed");
    assert!(status["last_error"].as_str().unwrap().contains("reconnect"));
    // The mail synced before stays; a second sync fails the same way without trying.
    assert_eq!(rig.vault(), rig.mailbox(&ids));
    let again: serde_json::Value = serde_json::from_slice(&rig.sync().stdout).unwrap();
    assert_eq!(again[0]["error"]["code"], "reconnect_needed");
    assert!(again[0]["stats"].is_null(), "{again}");

    rig.connect_ok();
    assert_eq!(rig.status()["account"], "connected");
    rig.sync_ok();
    let all: Vec<String> = ids.into_iter().chain(more).collect();
    assert_eq!(rig.vault(), rig.mailbox(&all));
    assert_eq!(rig.status()["last_error"], serde_json::Value::Null);
}

#[test]
fn disconnect_revokes_deletes_the_token_and_stops_sync() {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.connect_ok();
    let ids = rig.seed(8, 25);
    rig.sync_ok();
    let token = rig.stored_refresh_token().unwrap();

    let out = rig.scratch.json(&["disconnect", &rig.address()]);
    assert_eq!(out["disconnected"], rig.address());
    assert_eq!(rig.try_refresh(&token), (400, "invalid_grant".to_owned()));
    assert_eq!(rig.stored_refresh_token(), None);
    assert_eq!(rig.status()["account"], "disconnected");

    // Sync skips it; its mail stays; disconnecting again is harmless.
    rig.seed(2, 26);
    let outcomes = rig.sync_ok();
    assert_eq!(outcomes.as_array().unwrap().len(), 0, "{outcomes}");
    assert_eq!(rig.vault(), rig.mailbox(&ids));
    rig.scratch.ok(&["disconnect", &rig.address()]);
    // An unknown address is a clear error.
    let unknown = rig.scratch.run(&["disconnect", "nobody@example.com"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no Gmail account"));
}

#[test]
fn bad_connect_input_is_a_clear_error_and_stores_nothing() {
    let rig = GmailRig::new(OAuthConfig::default());
    let fails_with = |args: &[&str], needle: &str| {
        let out = rig.scratch.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    };
    let missing = rig.scratch.tmp().join("missing.toml");
    fails_with(
        &[
            "connect",
            "gmail",
            "--no-browser",
            "--config",
            missing.to_str().unwrap(),
        ],
        "cannot read",
    );
    let good = std::fs::read_to_string(&rig.config).unwrap();
    for (name, text, needle) in [
        (
            "typo.toml",
            good.replace("api_url", "apiurl"),
            "not valid TOML",
        ),
        (
            "plain.toml",
            good.replace("https://127.0.0.1", "http://example.com"),
            "must use https",
        ),
        (
            "port.toml",
            good.replace("security = \"tls\"", "security = \"ssl\""),
            "not valid TOML",
        ),
    ] {
        let path = rig.scratch.tmp().join(name);
        std::fs::write(&path, text).unwrap();
        fails_with(
            &[
                "connect",
                "gmail",
                "--no-browser",
                "--config",
                path.to_str().unwrap(),
            ],
            needle,
        );
    }
    fails_with(&["connect", "gmail", "--no-browser"], "--client-id");
    assert_eq!(rig.scratch.json(&["status"]), serde_json::json!([]));
}
