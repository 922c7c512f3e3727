//! Python venvs the tests run tools from (google-emulator's conformance suite, the API fuzzer):
//! made with Debian's `python3 -m venv` under the cargo target dir, filled by pip from a pinned
//! requirements file (PyPI), and reused while that file's SHA-256 is the one recorded in the
//! venv. A changed pin makes the venv anew.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use sha2::{Digest as _, Sha256};

use crate::{process, workspace};

/// Debian's interpreter (its `venv` module comes with `python3-venv`, which `deps` installs),
/// not whatever `python3` comes first on `PATH`.
const DEBIAN_PYTHON: &str = "/usr/bin/python3";

/// Where the venv's hash of the requirements it was filled from is kept.
const STAMP: &str = "requirements.sha256";

/// Makes (or reuses) the venv `<target>/NAME` filled from `requirements`; returns its directory
/// (its programs are in `bin/`).
pub fn ensure(name: &str, requirements: &Path) -> Result<PathBuf> {
    let wanted = hash_of(requirements)?;
    let venv = workspace::target_dir().join(name);
    let python = venv.join("bin").join("python");
    if is_current(&venv, &wanted) && process::is_executable(&python) {
        println!("{name}: {} (requirements unchanged)", venv.display());
        return Ok(venv);
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
            .arg(requirements),
    )?;
    fs::write(venv.join(STAMP), &wanted)
        .with_context(|| format!("could not write {}", venv.join(STAMP).display()))?;
    Ok(venv)
}

fn hash_of(file: &Path) -> Result<String> {
    let bytes = fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// Whether `venv` was filled from requirements hashing to `wanted`.
fn is_current(venv: &Path, wanted: &str) -> bool {
    fs::read_to_string(venv.join(STAMP)).is_ok_and(|stamp| stamp.trim() == wanted)
}

/// Whether every line of a requirements file that names a package pins it exactly (`==`): what
/// the venvs' own tests hold their requirements to.
#[cfg(test)]
pub fn all_pinned(requirements: &str) -> bool {
    requirements
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .all(|l| l.contains("=="))
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
    fn only_exact_pins_count_as_pinned() {
        assert!(all_pinned(
            "# a comment\n\nrequests==2.34.2\nurllib3==2.8.0\n"
        ));
        assert!(!all_pinned("requests==2.34.2\nurllib3>=2\n"));
    }
}
