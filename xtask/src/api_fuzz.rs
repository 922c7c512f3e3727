//! The venv of the team server's API fuzzing test (`crates/helpr-server/tests/fuzz.rs`):
//! schemathesis and everything it pulls in, pinned in `crates/helpr-server/fuzz/requirements.txt`,
//! made and reused by [`crate::venv`]. The test runs the venv's `schemathesis`, named in
//! [`SCHEMATHESIS_VAR`].

use std::path::PathBuf;

use anyhow::Result;

use crate::{venv, workspace};

/// The variable the fuzzing test reads the `schemathesis` executable from.
pub const SCHEMATHESIS_VAR: &str = "HELPR_SCHEMATHESIS";

/// schemathesis and its dependencies, pinned.
pub fn requirements() -> PathBuf {
    workspace::root().join("crates/helpr-server/fuzz/requirements.txt")
}

/// Makes (or reuses) `target/fuzz-venv` and returns its `schemathesis`.
pub fn ensure_venv() -> Result<PathBuf> {
    let dir = venv::ensure("fuzz-venv", &requirements())?;
    Ok(dir.join("bin").join("schemathesis"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fuzzers_requirements_pin_schemathesis_and_everything_else_exactly() {
        let text = std::fs::read_to_string(requirements()).unwrap();
        assert!(
            text.lines().any(|l| l.starts_with("schemathesis==")),
            "schemathesis pinned"
        );
        assert!(venv::all_pinned(&text), "every requirement pinned");
    }
}
