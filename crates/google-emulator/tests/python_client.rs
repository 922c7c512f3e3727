//! The conformance suite with Google's own Python client: the built `google-emulator` binary,
//! seeded with `conformance/mailbox.mbox` (`--auto-approve --print-config`), driven by
//! `conformance/gmail_client.py` (google-api-python-client, google-auth and
//! google-auth-oauthlib at the versions pinned in `conformance/requirements.txt`) over HTTPS.
//! The venv's interpreter comes from `HELPR_CONFORMANCE_PYTHON`, which `cargo xtask test` sets
//! after making the venv; the test fails with the script's report when any check fails.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Where `cargo xtask test` puts the conformance venv's `python`.
const PYTHON_VAR: &str = "HELPR_CONFORMANCE_PYTHON";

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

#[tokio::test]
async fn googles_python_client_passes_every_conformance_check() {
    let python = std::env::var_os(PYTHON_VAR).unwrap_or_else(|| {
        panic!(
            "{PYTHON_VAR} is not set: it names the python of the conformance venv (google-api-python-client \
             and friends from crates/google-emulator/conformance/requirements.txt). Run the tests with \
             `cargo xtask test`, which makes the venv and sets it, or see the README for running this \
             test by hand."
        )
    });
    let mut emulator = Command::new(env!("CARGO_BIN_EXE_google-emulator"))
        .arg("--mailbox")
        .arg(conformance_dir().join("mailbox.mbox"))
        .args(["--auto-approve", "--print-config"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // The config is complete at the closing `"""` of the CA (stdout stays open while it serves).
    let mut stdout = BufReader::new(emulator.stdout.take().unwrap());
    let mut config = String::new();
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).await.unwrap() > 0, "{config}");
        config.push_str(&line);
        if line.trim_end() == "\"\"\"" {
            break;
        }
    }
    let path = std::env::temp_dir().join(format!(
        "google-emulator-conformance-{}.toml",
        std::process::id()
    ));
    std::fs::write(&path, &config).unwrap();
    let run = Command::new(&python)
        .arg(conformance_dir().join("gmail_client.py"))
        .arg("--config")
        .arg(&path)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("the conformance script finished within 5 minutes")
        .unwrap_or_else(|e| panic!("could not run {}: {e}", Path::new(&python).display()));
    std::fs::remove_file(&path).unwrap();
    emulator.kill().await.unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "conformance checks failed ({}):\n{report}",
        output.status
    );
    assert!(report.contains("checks passed"), "{report}");
}
