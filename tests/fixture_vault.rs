//! Formats are forever: `tests/fixtures/vault-v1` is a vault written by schema v1 (with its test
//! KEK in `kek.hex`, a throwaway key that protects only this fixture). Every later helpr must
//! open it, migrate it forward and read the same mail.
//!
//! Regenerate only when deliberately replacing the fixture (never for a newer schema: add a
//! `vault-vN` beside it instead): `HELPR_BLESS_FIXTURE=1 cargo test -p helpr-tests --test
//! fixture_vault` inside the keychain session `cargo xtask test` sets up.

use std::path::{Path, PathBuf};

use helpr_tests::{message, Scratch};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vault-v1")
}

const SUBJECTS: [&str; 3] = ["Fixture hello", "Fixture with attachment", "Fixture Grüße"];

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn bless() {
    let s = Scratch::new();
    s.init();
    let files = [
        s.write_mail(
            "1.eml",
            &message("fx1", SUBJECTS[0], "fixture body one", None),
        ),
        s.write_mail(
            "2.eml",
            &message(
                "fx2",
                SUBJECTS[1],
                "fixture body two",
                Some(("fx.txt", b"fixture bytes")),
            ),
        ),
        s.write_mail(
            "3.eml",
            &message("fx3", SUBJECTS[2], "fixture body three", None),
        ),
    ];
    for f in &files {
        s.ok(&["import", f.to_str().unwrap()]);
    }
    let kek = s.keychain_entry().get_secret().unwrap();
    let out = fixture();
    let _ = std::fs::remove_dir_all(&out);
    copy_dir(&s.data(), &out.join("data"));
    std::fs::write(out.join("kek.hex"), hex::encode(kek)).unwrap();
}

#[test]
fn vault_v1_fixture_opens_and_reads_after_every_migration() {
    if std::env::var_os("HELPR_BLESS_FIXTURE").is_some() {
        bless();
    }
    let s = Scratch::new();
    copy_dir(&fixture().join("data"), &s.data());
    assert!(
        !s.data().join("vault.db-wal").exists(),
        "the fixture must be checkpointed"
    );
    let kek = hex::decode(
        std::fs::read_to_string(fixture().join("kek.hex"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    s.keychain_entry().set_secret(&kek).unwrap();

    let doctor = s.json(&["doctor"]);
    assert_eq!(doctor["healthy"], true, "{doctor}");
    assert_eq!(doctor["report"]["messages"], 3);
    assert_eq!(
        doctor["report"]["schema_version"], doctor["report"]["schema_version_known"],
        "the fixture was migrated to the current schema"
    );
    let list = s.json(&["list"]);
    let mut subjects: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    subjects.sort();
    let mut want: Vec<String> = SUBJECTS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(subjects, want);
    let with_att = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == SUBJECTS[1])
        .unwrap();
    let shown = s.json(&["show", &with_att["id"].to_string()]);
    assert_eq!(shown["attachments"][0]["name"], "fx.txt");
    assert!(shown["text"].as_str().unwrap().contains("fixture body two"));
}
