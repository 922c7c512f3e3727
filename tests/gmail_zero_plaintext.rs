//! DESIGN §3 for Gmail: after connecting an account and syncing mail that carries canaries
//! (subject, body, sender, a user label), and after a label change and a deletion, no canary
//! — nor the refresh token, nor the account address, nor the OAuth client secret — is on disk
//! under the data dir or the process temp dir, in any of the encodings the scan knows.
//! Not vacuous: each synced canary is found by `helpr search`, and the refresh token is read
//! back from the vault (so it was stored, sealed).

use google_emulator::OAuthConfig;
use helpr_tests::gmail::GmailRig;
use helpr_tests::scan;

#[test]
fn gmail_tokens_addresses_and_synced_mail_never_reach_the_disk_in_the_clear() {
    let tag = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let account = format!("agentcanary{tag}@example.com");
    let rig = GmailRig::new(OAuthConfig {
        account: google_emulator::Account::new(&account),
        ..OAuthConfig::default()
    });
    rig.connect_ok();
    let subject = format!("SubjCanary{tag}");
    let body = format!("BodyCanary{tag}");
    let sender = format!("sendercanary{tag}");
    let label = format!("LabelCanary{tag}");
    let raw = format!(
        "From: Canary <{sender}@example.org>\r\nTo: {account}\r\nSubject: {subject}\r\n\
         Message-ID: <c{tag}@example.org>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\n{body}\r\n"
    );
    let label_id = rig.create_label(&label);
    let id = rig
        .emu
        .add_message(raw.into_bytes(), &["INBOX", "UNREAD", &label_id]);
    let doomed = rig.emu.add_message(
        helpr_tests::message("<doomed@x>", &format!("Doomed{tag}"), "gone soon", None),
        &["INBOX"],
    );
    rig.sync_ok();
    for word in [&subject, &body, &sender] {
        let hits = rig.scratch.search(word, &[]);
        assert_eq!(hits["total"], 1, "{word} is not searchable: {hits}");
    }
    assert_eq!(
        rig.scratch.search(&format!("label:{label}"), &[])["total"],
        1
    );
    // A label change and a deletion go through the vault and the index as well.
    assert!(rig.emu.modify_message(&id, &["STARRED"], &["UNREAD"]));
    assert!(rig.emu.delete_message(&doomed));
    rig.sync_ok();
    assert_eq!(rig.scratch.search(&format!("Doomed{tag}"), &[])["total"], 0);

    let token = rig
        .stored_refresh_token()
        .expect("the refresh token is stored");
    assert!(token.len() >= 16);
    let secrets = [
        ("subject", subject),
        ("body", body),
        ("sender", sender),
        ("label", label),
        ("account address", account),
        ("refresh token", token),
        (
            "client secret",
            google_emulator::oauth::DEFAULT_CLIENT_SECRET.to_owned(),
        ),
    ];
    let data = rig.scratch.data();
    let tmp = rig.scratch.tmp();
    // The rig's own config file (written by the test, not by helpr) is the one thing in the
    // temp dir that names the client secret; it is not helpr's state.
    std::fs::remove_file(&rig.config).unwrap();
    for (what, secret) in &secrets {
        let hits = scan(&[&data, &tmp], secret);
        assert!(hits.is_empty(), "{what} found on disk: {hits:?}");
    }
}
