//! The Python venv of google-emulator's conformance suite (`crates/google-emulator/conformance`:
//! Google's own Python client against the emulator, run by that crate's `python_client` test):
//! made with Debian's `python3 -m venv` under the cargo target dir, filled by pip from the
//! suite's pinned `requirements.txt` (PyPI), and reused while that file's SHA-256 is the one
//! recorded in the venv. The tests find its interpreter in [`PYTHON_VAR`].

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use sha2::{Digest as _, Sha256};

use crate::{process, workspace};

/// The variable the conformance test reads the venv's `python` from.
pub const PYTHON_VAR: &str = "HELPR_CONFORMANCE_PYTHON";

/// Debian's interpreter (its `venv` module comes with `python3-venv`, which `deps` installs),
/// not whatever `python3` comes first on `PATH`.
const DEBIAN_PYTHON: &str = "/usr/bin/python3";

/// Where the venv's hash of the requirements it was filled from is kept.
const STAMP: &str = "requirements.sha256";

/// The suite's pinned packages.
pub fn requirements() -> PathBuf {
    workspace::root().join("crates/google-emulator/conformance/requirements.txt")
}

/// Makes (or reuses) the venv and returns its `python`.
pub fn ensure_venv() -> Result<PathBuf> {
    let requirements = requirements();
    let wanted = hash_of(&requirements)?;
    let venv = workspace::target_dir().join("conformance-venv");
    let python = venv.join("bin").join("python");
    if is_current(&venv, &wanted) && process::is_executable(&python) {
        println!(
            "conformance venv: {} (requirements unchanged)",
            venv.display()
        );
        return Ok(python);
    }
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .with_context(|| format!("could not remove the stale venv {}", venv.display()))?;
    }
    let base = if Path::new(DEBIAN_PYTHON).is_file() {
        PathBuf::from(DEBIAN_PYTHON)
    } else {
        PathBuf::from("python3")
    };
    process::run(Command::new(base).args(["-m", "venv"]).arg(&venv))?;
    process::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(&requirements),
    )?;
    fs::write(venv.join(STAMP), &wanted)
        .with_context(|| format!("could not write {}", venv.join(STAMP).display()))?;
    Ok(python)
}

fn hash_of(file: &Path) -> Result<String> {
    let bytes = fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// Whether `venv` was filled from requirements hashing to `wanted`.
fn is_current(venv: &Path, wanted: &str) -> bool {
    fs::read_to_string(venv.join(STAMP)).is_ok_and(|stamp| stamp.trim() == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_venv_is_reused_only_for_the_requirements_it_was_filled_from() {
        let dir = tempfile::tempdir().unwrap();
        let requirements = dir.path().join("requirements.txt");
        fs::write(&requirements, "google-auth==2.63.1\n").unwrap();
        let first = hash_of(&requirements).unwrap();
        assert_eq!(first.len(), 64);
        let venv = dir.path().join("venv");
        assert!(!is_current(&venv, &first), "no venv yet");
        fs::create_dir_all(&venv).unwrap();
        fs::write(venv.join(STAMP), &first).unwrap();
        assert!(is_current(&venv, &first));
        fs::write(&requirements, "google-auth==2.63.2\n").unwrap();
        assert!(
            !is_current(&venv, &hash_of(&requirements).unwrap()),
            "a changed pin"
        );
    }

    #[test]
    fn the_suites_requirements_pin_googles_client_exactly() {
        let text = fs::read_to_string(requirements()).unwrap();
        for package in [
            "google-api-python-client",
            "google-auth",
            "google-auth-oauthlib",
        ] {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{package}=="))),
                "{package} pinned"
            );
        }
        assert!(
            text.lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .all(|l| l.contains("==")),
            "every requirement pinned"
        );
    }
}
