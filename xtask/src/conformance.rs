//! The Python venv of google-emulator's conformance suite (`crates/google-emulator/conformance`:
//! Google's own Python client against the emulator, run by that crate's `python_client` test),
//! made and reused by [`crate::venv`] from the suite's pinned `requirements.txt`. The tests
//! find its interpreter in [`PYTHON_VAR`].

use std::path::PathBuf;

use anyhow::Result;

use crate::{venv, workspace};

/// The variable the conformance test reads the venv's `python` from.
pub const PYTHON_VAR: &str = "HELPR_CONFORMANCE_PYTHON";

/// The suite's pinned packages.
pub fn requirements() -> PathBuf {
    workspace::root().join("crates/google-emulator/conformance/requirements.txt")
}

/// Makes (or reuses) `target/conformance-venv` and returns its `python`.
pub fn ensure_venv() -> Result<PathBuf> {
    let dir = venv::ensure("conformance-venv", &requirements())?;
    Ok(dir.join("bin").join("python"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suites_requirements_pin_googles_client_exactly() {
        let text = std::fs::read_to_string(requirements()).unwrap();
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
        assert!(venv::all_pinned(&text), "every requirement pinned");
    }
}
