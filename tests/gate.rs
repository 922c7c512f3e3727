//! The gate hands the tests the binaries it built from this checkout, and the tests use nothing
//! else (issue 11). `helpr_runs_and_reports_its_version` runs the handed-over `helpr`; the other
//! tests run that very test again, in a child copy of this test executable, with `HELPR_BIN`
//! pointing at a deleted file or unset. The child must fail loudly, naming the variable and how
//! to run the suite, even though the binary an earlier build left at `<target>/debug/helpr` is
//! still there to be found: no fallback to it.

use std::process::{Command, Output};

use helpr_tests::{helpr_bin, Scratch, HELPR_BIN};

/// A test whose only work is running the handed-over `helpr`.
const CHILD_TEST: &str = "helpr_runs_and_reports_its_version";

#[test]
fn helpr_runs_and_reports_its_version() {
    let out = Scratch::new().ok(&["--version"]);
    assert!(
        out.starts_with("helpr ") && out.contains(env!("CARGO_PKG_VERSION")),
        "{out}"
    );
}

/// Runs [`CHILD_TEST`] alone in a fresh copy of this test executable, with `HELPR_BIN` as
/// `set_up` leaves it.
fn run_child(set_up: impl FnOnce(&mut Command)) -> Output {
    let mut cmd = Command::new(std::env::current_exe().expect("this test executable"));
    cmd.args([CHILD_TEST, "--exact", "--test-threads=1"]);
    set_up(&mut cmd);
    cmd.output().expect("run the child test")
}

fn assert_fails_loudly(out: &Output, expected: &[&str]) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "the child test passed without a usable HELPR_BIN:\n{text}"
    );
    for needle in expected {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn a_deleted_helpr_bin_fails_the_suite_instead_of_falling_back() {
    // A real copy of the binary, then deleted: the path once held a working helpr.
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("helpr");
    std::fs::copy(helpr_bin(), &gone).unwrap();
    std::fs::remove_file(&gone).unwrap();

    let out = run_child(|cmd| {
        cmd.env(HELPR_BIN, &gone);
    });
    assert_fails_loudly(
        &out,
        &[
            &format!("HELPR_BIN is {}, which is not a file", gone.display()),
            "cargo xtask test",
        ],
    );
}

#[test]
fn an_unset_helpr_bin_fails_the_suite_and_says_how_to_run_it() {
    let out = run_child(|cmd| {
        cmd.env_remove(HELPR_BIN);
    });
    assert_fails_loudly(&out, &["HELPR_BIN is not set", "cargo xtask test"]);
}
