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
