//! `cargo xtask test`: the one gate (STYLE.md §7), the same on a laptop and in CI (`.ci/run`).
//!
//! Order matters: the UI is built before clippy because the Tauri crate embeds `ui/dist` at
//! compile time. Then one `cargo build --workspace --all-targets` builds every binary the tests
//! run (`helpr`, the desktop app, `google-emulator`) and every test from this checkout, and the
//! gate hands the binaries' paths to the tests (`HELPR_BIN`, `HELPR_DESKTOP_BIN`): a test never
//! looks for a binary an earlier build may have left behind. Before the build, the emulator's
//! conformance venv and the API fuzzer's are made or reused (`conformance.rs`, `api_fuzz.rs`)
//! and their programs handed over too (`HELPR_CONFORMANCE_PYTHON`, `HELPR_SCHEMATHESIS`).
//! Clippy, the build and the test runs
//! all select `--workspace` with [`workspace::WORKSPACE_FEATURES`], so no crate is compiled
//! twice under different features. The tests run inside one throw-away keychain session (see
//! `keychain.rs`) on a virtual display started here, so the keychain tests hit a real Secret
//! Service and the E2E a real window.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::keychain::{self, Display};
use crate::steps::Steps;
use crate::workspace::{self, Targets};
use crate::xvfb::VirtualDisplay;
use crate::{api_fuzz, conformance, deps, process, server};

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
                deps::CONFORMANCE_PACKAGES,
                deps::POSTGRES_PACKAGES,
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
    steps.run("ui: npm run lint", || {
        process::run(deps::npm().args(["run", "lint"]))
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
            process::run(
                workspace::cargo()
                    .arg("clippy")
                    .args(workspace::WORKSPACE_SELECTION)
                    .args(["--all-targets", "--", "-D", "warnings"]),
            )
        },
    )?;
    let mut venv_python = None;
    steps.run(
        "conformance venv: python3 -m venv, pip install -r crates/google-emulator/conformance/requirements.txt",
        || {
            venv_python = Some(conformance::ensure_venv()?);
            Ok(())
        },
    )?;
    let mut schemathesis = None;
    steps.run(
        "API fuzzing venv: python3 -m venv, pip install -r crates/helpr-server/fuzz/requirements.txt (schemathesis)",
        || {
            schemathesis = Some(api_fuzz::ensure_venv()?);
            Ok(())
        },
    )?;
    let mut built = None;
    steps.run(
        "build: every binary and test from this checkout (cargo build --workspace --all-targets)",
        || {
            let binaries = workspace::build_workspace(Targets::All)?;
            built = Some(UnderTest {
                helpr: binaries.get(workspace::CLI_BIN)?,
                desktop: binaries.get(workspace::DESKTOP_BIN)?,
                server: binaries.get(workspace::SERVER_BIN)?,
                conformance_python: venv_python
                    .clone()
                    .context("the conformance venv step made no venv")?,
                schemathesis: schemathesis
                    .clone()
                    .context("the API fuzzing venv step made no venv")?,
            });
            Ok(())
        },
    )?;
    steps.run(
        "cargo xtask server --postgres --replicas 2 --gmail --smoke (the local team server starts)",
        || {
            let dir = tempfile::tempdir()?;
            server::run(&server::Args {
                dir: Some(dir.path().to_owned()),
                port: 0,
                postgres: true,
                replicas: 2,
                gmail: true,
                smoke: true,
            })
        },
    )?;
    steps.run(
        "tests and desktop E2E (keychain session, virtual display)",
        || {
            let under_test = built.as_ref().context("the build step made no binaries")?;
            let display = VirtualDisplay::start()?;
            keychain::run(&under_test.to_task_args(), Display::X11(display.display()))
        },
    )?;
    steps.finish()
}

/// The binaries the tests run, built by the gate from this checkout and handed to the tests
/// in `HELPR_BIN`, `HELPR_DESKTOP_BIN` and `HELPR_SERVER_BIN` (tests/support `helpr_bin`, the
/// E2E's driver, `server_bin`), the
/// conformance venv's interpreter in `HELPR_CONFORMANCE_PYTHON` (google-emulator's
/// `python_client` test), and the fuzzing venv's `schemathesis` in `HELPR_SCHEMATHESIS`
/// (helpr-server's `fuzz` test).
#[derive(Debug, clap::Args)]
pub struct UnderTest {
    /// The `helpr` CLI.
    #[arg(long)]
    pub helpr: PathBuf,
    /// The desktop app, with the UI embedded.
    #[arg(long)]
    pub desktop: PathBuf,
    /// The team server.
    #[arg(long)]
    pub server: PathBuf,
    /// The conformance venv's `python` (Google's Python client installed).
    #[arg(long)]
    pub conformance_python: PathBuf,
    /// The fuzzing venv's `schemathesis`.
    #[arg(long)]
    pub schemathesis: PathBuf,
}

impl UnderTest {
    /// `test --helpr … --desktop …`: the session task that runs the tests against these.
    fn to_task_args(&self) -> Vec<OsString> {
        vec![
            "test".into(),
            "--helpr".into(),
            self.helpr.clone().into(),
            "--desktop".into(),
            self.desktop.clone().into(),
            "--server".into(),
            self.server.clone().into(),
            "--conformance-python".into(),
            self.conformance_python.clone().into(),
            "--schemathesis".into(),
            self.schemathesis.clone().into(),
        ]
    }

    /// Hands the binaries to the tests `cmd` runs.
    fn hand_over<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("HELPR_BIN", &self.helpr)
            .env("HELPR_DESKTOP_BIN", &self.desktop)
            .env("HELPR_SERVER_BIN", &self.server)
            .env(conformance::PYTHON_VAR, &self.conformance_python)
            .env(api_fuzz::SCHEMATHESIS_VAR, &self.schemathesis)
    }
}

/// Inside the keychain session: the workspace tests, then the desktop E2E (one test at a time:
/// they share one display and one WebDriver port). Both always run, and both use the build the
/// gate made: the same package selection and features, so cargo compiles nothing here.
pub fn run_in_session(under_test: &UnderTest) -> Result<()> {
    let runner = Runner::detect();
    let mut steps = Steps::new("test: in session", true);
    steps.run(&format!("workspace tests ({})", runner.name()), || {
        process::run(under_test.hand_over(&mut runner.tests(Part::Workspace)))
    })?;
    steps.run("desktop E2E", || {
        process::run(under_test.hand_over(&mut runner.tests(Part::DesktopE2e)))
    })?;
    steps.finish()
}

/// The E2E tests' names all start with this (tests/desktop_*e2e.rs); `cargo test` selects and
/// skips them by it.
const E2E_PREFIX: &str = "desktop_app_";

/// The desktop E2E test binaries (tests/desktop_e2e.rs, tests/desktop_gmail_e2e.rs), for
/// nextest: they run apart from the rest, one test at a time.
const E2E_BINARIES: &str = "binary_id(/^helpr-tests::desktop_.*e2e$/)";

/// Which tests one run covers.
#[derive(Clone, Copy)]
enum Part {
    /// Everything but the desktop E2E.
    Workspace,
    /// The desktop E2E alone, one test at a time.
    DesktopE2e,
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

    /// The run of `part`, over the gate's workspace selection (the same features as its build).
    fn tests(&self, part: Part) -> Command {
        let mut cmd = workspace::cargo();
        match self {
            Self::Nextest => {
                cmd.args(["nextest", "run"])
                    .args(workspace::WORKSPACE_SELECTION)
                    .arg("--no-fail-fast");
                match part {
                    Part::Workspace => cmd.args(["-E", &format!("not {E2E_BINARIES}")]),
                    Part::DesktopE2e => cmd.args(["-E", E2E_BINARIES, "--test-threads", "1"]),
                };
            }
            Self::CargoTest => {
                cmd.arg("test")
                    .args(workspace::WORKSPACE_SELECTION)
                    .args(["--no-fail-fast", "--"]);
                match part {
                    Part::Workspace => cmd.args(["--skip", E2E_PREFIX]),
                    Part::DesktopE2e => cmd.args([E2E_PREFIX, "--test-threads=1"]),
                };
            }
        }
        cmd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_gate_hands_over_round_trips_through_the_session_command_line() {
        use clap::Parser;

        #[derive(Debug, Parser)]
        struct Probe {
            #[command(subcommand)]
            task: keychain::Task,
        }

        let original = UnderTest {
            helpr: "/t/helpr".into(),
            desktop: "/t/helpr desktop".into(),
            server: "/t/helpr-server".into(),
            conformance_python: "/t/conformance-venv/bin/python".into(),
            schemathesis: "/t/fuzz-venv/bin/schemathesis".into(),
        };
        let mut argv = vec![OsString::from("in-session")];
        argv.extend(original.to_task_args());
        let keychain::Task::Test(parsed) = Probe::try_parse_from(argv).unwrap().task else {
            panic!("not the test task");
        };
        assert_eq!(parsed.helpr, original.helpr);
        assert_eq!(parsed.desktop, original.desktop);
        assert_eq!(parsed.server, original.server);
        assert_eq!(parsed.conformance_python, original.conformance_python);
        assert_eq!(parsed.schemathesis, original.schemathesis);

        let mut cmd = Command::new("true");
        parsed.hand_over(&mut cmd);
        let handed: Vec<_> = cmd.get_envs().map(|(k, _)| k.to_owned()).collect();
        for var in [
            "HELPR_BIN",
            "HELPR_DESKTOP_BIN",
            "HELPR_SERVER_BIN",
            conformance::PYTHON_VAR,
            api_fuzz::SCHEMATHESIS_VAR,
        ] {
            assert!(handed.iter().any(|k| k == var), "{var} handed over");
        }
    }
}
