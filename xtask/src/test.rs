//! `cargo xtask test`: the one gate (STYLE.md §7), the same on a laptop and in CI (`.ci/run`).
//!
//! Order matters: the UI is built before clippy because the Tauri crate embeds `ui/dist` at
//! compile time, and the desktop app is built before the E2E drives it. The tests run inside one
//! throw-away keychain session (see `keychain.rs`) on a virtual display started here, so the
//! keychain tests hit a real Secret Service and the E2E a real window.

use std::ffi::OsString;
use std::process::Command;

use anyhow::Result;

use crate::keychain::{self, Display};
use crate::steps::Steps;
use crate::xvfb::VirtualDisplay;
use crate::{deps, process, workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// After a failing step, run the remaining steps anyway (the run still fails at the end).
    #[arg(long)]
    pub keep_going: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let mut steps = Steps::new("test", args.keep_going);
    steps.run(
        "prerequisites: system packages, tauri-driver, node, npm ci",
        || {
            deps::ensure_packages(&[
                deps::DESKTOP_PACKAGES,
                deps::E2E_PACKAGES,
                deps::KEYCHAIN_PACKAGES,
            ])?;
            deps::ensure_tauri_driver()?;
            deps::ensure_node()?;
            deps::npm_install()
        },
    )?;
    steps.run("cargo fmt --all --check", || {
        process::run(workspace::cargo().args(["fmt", "--all", "--check"]))
    })?;
    steps.run("ui: npm run typecheck", || {
        process::run(deps::npm().args(["run", "typecheck"]))
    })?;
    steps.run("ui: npm test", || {
        // CI=true keeps test runners such as vitest out of watch mode.
        process::run(deps::npm().arg("test").env("CI", "true"))
    })?;
    steps.run("ui: npm run build", || {
        process::run(deps::npm().args(["run", "build"]))
    })?;
    steps.run(
        "cargo clippy --workspace --all-targets -- -D warnings",
        || {
            process::run(workspace::cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        },
    )?;
    steps.run(
        &format!(
            "desktop build: {} --features {}",
            workspace::DESKTOP_PACKAGE,
            workspace::DESKTOP_FEATURES
        ),
        || workspace::build_desktop().map(drop),
    )?;
    steps.run(
        "tests and desktop E2E (keychain session, virtual display)",
        || {
            let display = VirtualDisplay::start()?;
            keychain::run(&[OsString::from("test")], Display::X11(display.display()))
        },
    )?;
    steps.finish()
}

/// Inside the keychain session: the workspace tests, then the desktop E2E. Both always run.
pub fn run_in_session() -> Result<()> {
    let runner = Runner::detect();
    let mut steps = Steps::new("test: in session", true);
    steps.run(&format!("workspace tests ({})", runner.name()), || {
        process::run(&mut runner.workspace_tests())
    })?;
    steps.run("desktop E2E", || {
        // Rebuild (a no-op when fresh) so the binary under test is the embedded-UI build even if
        // the workspace run above relinked it with other features.
        let desktop = workspace::build_desktop()?;
        process::run(runner.desktop_e2e().env("HELPR_DESKTOP_BIN", desktop))
    })?;
    steps.finish()
}

/// cargo-nextest when installed, `cargo test` otherwise.
enum Runner {
    Nextest,
    CargoTest,
}

impl Runner {
    fn detect() -> Self {
        if process::succeeds(workspace::cargo().args(["nextest", "--version"])) {
            Self::Nextest
        } else {
            println!("note: cargo-nextest not found; falling back to cargo test");
            Self::CargoTest
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Nextest => "cargo nextest",
            Self::CargoTest => "cargo test",
        }
    }

    fn workspace_tests(&self) -> Command {
        let mut cmd = workspace::cargo();
        match self {
            Self::Nextest => cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]),
            Self::CargoTest => cmd.args(["test", "--workspace", "--no-fail-fast"]),
        };
        cmd
    }

    /// One test at a time: the E2E tests share one display and one WebDriver port.
    fn desktop_e2e(&self) -> Command {
        let mut cmd = workspace::cargo();
        let selection = [
            "-p",
            "helpr-tests",
            "--features",
            "desktop-e2e",
            "--test",
            "desktop_e2e",
            "--no-fail-fast",
        ];
        match self {
            Self::Nextest => cmd
                .args(["nextest", "run"])
                .args(selection)
                .args(["--test-threads", "1"]),
            Self::CargoTest => cmd
                .arg("test")
                .args(selection)
                .args(["--", "--test-threads=1"]),
        };
        cmd
    }
}
