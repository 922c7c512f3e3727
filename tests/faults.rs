//! Faults of the disk and the files under a vault (issue 13), through the real `helpr` binary:
//! a disk that fills up mid-import must leave a vault that opens, with every committed message,
//! once space is back.

use std::path::{Path, PathBuf};
use std::process::Command;

use helpr_tests::{write_sample_maildir, Scratch};

/// A tmpfs of `size` mounted at a fresh folder, unmounted on drop. Mounting needs root, as the
/// gate runs in CI (`cargo xtask test` as root); elsewhere the test fails saying so.
struct SmallDisk {
    at: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("disk");
        std::fs::create_dir(&at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs and needs root (as `cargo xtask test` runs in CI): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { at, _dir: dir }
    }

    fn resize(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.at)
            .status()
            .unwrap();
        assert!(status.success(), "remount {size}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.at).status();
    }
}

fn helpr(data: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(helpr_tests::helpr_bin());
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("HELPR_DATA_DIR");
    cmd.output().unwrap()
}

#[test]
fn a_vault_filled_to_the_last_byte_opens_again_with_every_committed_message() {
    let s = Scratch::new(); // the keychain entry is cleaned up through it
    let disk = SmallDisk::mount("2m");
    let data = disk.at.join("vault");
    let small = s.mail().join("small");
    let large = s.mail().join("large");
    write_sample_maildir(&small, 300, 1);
    write_sample_maildir(&large, 5000, 2);

    let init = helpr(&data, &["init"]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    // Scratch removes the keychain entry of its own data dir on drop; this vault lives on the
    // small disk, so its entry is removed here at the end.
    let vault_id = std::fs::read_to_string(data.join("vault.json")).unwrap();
    let first = helpr(&data, &["import", small.to_str().unwrap(), "--json"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = helpr(&data, &["import", large.to_str().unwrap()]);
    assert!(
        !second.status.success(),
        "5,000 messages fitted on a 2 MiB disk"
    );

    disk.resize("256m");
    let list = helpr(&data, &["list", "--json"]);
    assert!(
        list.status.success(),
        "the vault does not open after space came back: {}",
        String::from_utf8_lossy(&list.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let count = listed.as_array().unwrap().len();
    assert!(count >= 300, "{count} messages left of the 300 committed");
    let doctor = helpr(&data, &["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    assert_eq!(report["healthy"], true, "{report}");
    // The interrupted import goes on where it stopped.
    let again = helpr(&data, &["import", large.to_str().unwrap(), "--json"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let listed = helpr(&data, &["list", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 5300);

    let id: serde_json::Value = serde_json::from_str(&vault_id).unwrap();
    let account = format!("vault-{}", id["vault_id"].as_str().unwrap());
    let _ = keyring::Entry::new("helpr", &account).and_then(|e| e.delete_credential());
}

/// Starts `helpr import dir` and kills it (SIGKILL) once the vault's write-ahead log holds more
/// than `bytes`: committed batches that live only in the log, none yet in the search index.
fn kill_import_when_the_log_holds(s: &Scratch, dir: &Path, bytes: u64) {
    let mut child = s
        .command(&["import", dir.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let wal = s.data().join("vault.db-wal");
    loop {
        let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
        if size > bytes {
            child.kill().unwrap();
            child.wait().unwrap();
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the import ended ({status}) before its log held {bytes} bytes");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn a_vault_that_lost_part_of_its_log_says_so_and_keeps_the_evidence() {
    let s = Scratch::new();
    s.init();
    let first = s.mail().join("first");
    write_sample_maildir(&first, 200, 11);
    s.ok(&["import", first.to_str().unwrap()]);
    let later = s.mail().join("later");
    write_sample_maildir(&later, 4000, 12);
    kill_import_when_the_log_holds(&s, &later, 2 << 20);

    // The killed import's files as they are, and the same with the log cut to a quarter: the
    // damage a crash of the disk or a careless copy does.
    let damaged = s.root.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    for name in ["vault.db", "vault.db-wal", "vault.json"] {
        std::fs::copy(s.data().join(name), damaged.join(name)).unwrap();
    }
    let log = std::fs::OpenOptions::new()
        .write(true)
        .open(damaged.join("vault.db-wal"))
        .unwrap();
    let length = log.metadata().unwrap().len();
    log.set_len(length / 4).unwrap();
    drop(log);

    // The next command replays the killed import's queue into the index: it now holds every
    // committed message.
    let indexed = s.json(&["index", "stats"])["docs"].as_u64().unwrap();
    assert!(indexed > 200, "{indexed} indexed");
    // The vault falls back to the damaged files (the index stays).
    for name in ["vault.db", "vault.db-wal"] {
        std::fs::copy(damaged.join(name), s.data().join(name)).unwrap();
    }
    let _ = std::fs::remove_file(s.data().join("vault.db-shm"));
    let kept = s.json(&["list"]).as_array().unwrap().len() as u64;
    assert!(
        kept < indexed,
        "the cut log lost nothing ({kept} of {indexed})"
    );

    let (code, error) = s.json_err(&["doctor"]);
    assert_ne!(code, 0);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("the vault is missing"), "{error}");
    let doctor = s.run(&["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    assert_eq!(report["healthy"], false, "{report}");
    assert_eq!(
        report["index"]["repair"]["lost"],
        indexed - kept,
        "{report}"
    );
    assert_eq!(report["index"]["repair"]["stale_removed"], 0, "{report}");
    // The evidence stays: running doctor again finds the same loss.
    let again = s.run(&["doctor", "--json"]);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["index"]["docs"], indexed, "{again}");
    assert_eq!(again["index"]["repair"]["lost"], indexed - kept, "{again}");

    // New mail takes ids above every lost one, and the import says what happened.
    let max_lost = indexed; // ids were handed out from 1 without gaps
    let new = s.mail().join("new");
    write_sample_maildir(&new, 3, 13);
    let out = s.run(&["import", new.to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the vault is missing"),
        "the import did not warn"
    );
    let ids: Vec<i64> = s
        .json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    let newest = ids.iter().copied().filter(|&id| id > kept as i64);
    assert!(newest.clone().all(|id| id > max_lost as i64), "{ids:?}");
    assert_eq!(newest.count(), 3);

    // Accepting the loss is explicit: a rebuild indexes what the vault holds.
    s.ok(&["index", "rebuild"]);
    assert_doctor_healthy_after_rebuild(&s, kept + 3);
}

fn assert_doctor_healthy_after_rebuild(s: &Scratch, messages: u64) {
    let report = s.json(&["doctor"]);
    assert_eq!(report["healthy"], true, "{report}");
    assert_eq!(report["index"]["docs"], messages, "{report}");
}

/// Flips one byte of `file` at `offset`.
fn flip_byte(file: &Path, offset: u64) {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(file)
        .unwrap();
    let mut byte = [0u8];
    f.seek(SeekFrom::Start(offset)).unwrap();
    f.read_exact(&mut byte).unwrap();
    f.seek(SeekFrom::Start(offset)).unwrap();
    f.write_all(&[byte[0] ^ 0x40]).unwrap();
}

fn sample(count: usize, seed: u64) -> Scratch {
    let s = Scratch::new();
    s.init();
    let dir = s.mail().join("sample");
    write_sample_maildir(&dir, count, seed);
    s.ok(&["import", dir.to_str().unwrap()]);
    s
}

#[test]
fn doctor_reads_every_index_file_and_names_the_one_missing() {
    let s = sample(120, 21);
    let pos = std::fs::read_dir(s.index_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pos"))
        .expect("a segment with positions");
    std::fs::remove_file(&pos).unwrap();

    let out = s.run(&["doctor", "--json"]);
    assert!(
        !out.status.success(),
        "doctor passed an index missing a file"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["healthy"], false, "{report}");
    let error = report["index"]["error"].as_str().unwrap_or_default();
    let name = pos.file_name().unwrap().to_str().unwrap();
    assert!(
        error.contains(name) && error.contains("missing"),
        "{report}"
    );
    assert!(error.contains("helpr index rebuild"), "{report}");
    // The rebuild it points to repairs it.
    s.ok(&["index", "rebuild"]);
    s.assert_doctor_healthy();
}

#[test]
fn a_damaged_first_page_is_not_reported_as_a_wrong_key() {
    let s = sample(20, 22);
    flip_byte(&s.data().join("vault.db"), 200);
    for args in [&["list"][..], &["doctor"][..]] {
        let (code, error) = s.json_err(args);
        assert_eq!(code, 1, "{args:?}: {error}");
        assert_eq!(error["code"], "integrity", "{args:?}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("damaged") && !message.contains("vault locked"),
            "{error}"
        );
    }
    // A wrong key still says so, and exits 3.
    s.keychain_entry().set_secret(&[7u8; 32]).unwrap();
    let (code, error) = s.json_err(&["list"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (3, Some("vault_locked")),
        "{error}"
    );
}

#[test]
fn doctor_reports_every_check_on_a_vault_with_a_damaged_page() {
    let s = sample(300, 23);
    let db = s.data().join("vault.db");
    // A page of message bodies near the end of the file.
    let length = std::fs::metadata(&db).unwrap().len();
    flip_byte(&db, length - 4096 * 3 + 100);
    let out = s.run(&["doctor", "--json"]);
    assert!(!out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(report["healthy"], false, "{report}");
    let pages = report["report"]["cipher_integrity_errors"]
        .as_array()
        .unwrap();
    assert!(
        !pages.is_empty(),
        "the damaged page went unnoticed: {report}"
    );
    for field in ["tenants", "inboxes", "key_versions", "schema_version"] {
        assert!(
            report["report"][field].is_number(),
            "{field} missing: {report}"
        );
    }
    let text = String::from_utf8_lossy(&s.run(&["doctor"]).stdout).into_owned();
    for line in [
        "keychain:",
        "cipher integrity:",
        "integrity:",
        "counts:",
        "search index:",
    ] {
        assert!(
            text.contains(line),
            "{line} missing from the text report:\n{text}"
        );
    }
}
