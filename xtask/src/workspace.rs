//! Where things are and how they are built: the workspace root, `ui/`, the `cargo` to call, and
//! the one place that says how the CLI and the desktop app are built.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use crate::process;

/// The `helpr` binary: package and target name.
pub const CLI_PACKAGE: &str = "helpr-cli";
pub const CLI_BIN: &str = "helpr";

/// The Tauri shell's package and binary target.
pub const DESKTOP_PACKAGE: &str = "helpr-desktop";
pub const DESKTOP_BIN: &str = "helpr-desktop";

/// The team server's binary target.
pub const SERVER_BIN: &str = "helpr-server";

/// The emulator's binary target.
pub const EMULATOR_BIN: &str = "google-emulator";

/// The one feature set of every workspace build the gate and the demo make (clippy, the build,
/// the tests): the desktop app serves the embedded `ui/dist` (what `tauri build` turns on) rather
/// than the Vite dev server, and the desktop E2E's WebDriver client is compiled. One set for every
/// call means cargo builds each crate once; a call with other features (or `-p` instead of
/// `--workspace`) resolves the dependencies' features anew and rebuilds whatever they reach.
pub const WORKSPACE_FEATURES: &str =
    "helpr-desktop/custom-protocol,helpr-tests/desktop-e2e,helpr-cli/test-clock";

/// `--workspace --features WORKSPACE_FEATURES`, the selection every gate and demo cargo call uses.
pub const WORKSPACE_SELECTION: [&str; 3] = ["--workspace", "--features", WORKSPACE_FEATURES];

/// The workspace root (this crate lives in `<root>/xtask`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The React front end.
pub fn ui_dir() -> PathBuf {
    root().join("ui")
}

/// `cargo`, the same one that runs this xtask when there is one, in the workspace root.
/// `$CARGO_TARGET_DIR`, else the workspace's `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

pub fn cargo() -> Command {
    let program = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(program);
    cmd.current_dir(root());
    cmd
}

/// The real cargo and rustup homes, resolved before anything changes `HOME`.
pub fn tool_homes() -> Result<(PathBuf, PathBuf)> {
    let home = || {
        env::var_os("HOME")
            .map(PathBuf::from)
            .context("HOME is not set, so ~/.cargo and ~/.rustup cannot be found")
    };
    let cargo_home = match env::var_os("CARGO_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => home()?.join(".cargo"),
    };
    let rustup_home = match env::var_os("RUSTUP_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => home()?.join(".rustup"),
    };
    Ok((absolute(cargo_home)?, absolute(rustup_home)?))
}

fn absolute(path: PathBuf) -> Result<PathBuf> {
    if path.is_absolute() {
        Ok(path)
    } else {
        Ok(env::current_dir()?.join(path))
    }
}

/// The debug binaries a workspace build made, by target name.
pub struct Binaries(Vec<(String, PathBuf)>);

impl Binaries {
    /// The executable of binary target `bin`; an error if the build made none.
    pub fn get(&self, bin: &str) -> Result<PathBuf> {
        self.0
            .iter()
            .find(|(name, _)| name == bin)
            .map(|(_, path)| path.clone())
            .with_context(|| format!("the workspace build reported no executable for `{bin}`"))
    }
}

/// What a workspace build compiles besides the libraries.
#[derive(Clone, Copy)]
pub enum Targets {
    /// Every binary (the demo).
    Bins,
    /// Every binary, test, example and bench (the gate: the tests then compile nothing).
    All,
}

/// `cargo build --workspace --features WORKSPACE_FEATURES --bins|--all-targets` (debug, the
/// profile the tests use): every binary from this checkout, returned by name as cargo reports
/// them. `ui/dist` must exist: the desktop crate embeds it at compile time.
pub fn build_workspace(targets: Targets) -> Result<Binaries> {
    let mut cmd = cargo();
    cmd.arg("build")
        .args(WORKSPACE_SELECTION)
        .arg(match targets {
            Targets::Bins => "--bins",
            Targets::All => "--all-targets",
        });
    let messages = build_messages(&mut cmd)?;
    Ok(Binaries(executables_from_messages(&messages)))
}

/// Builds the `helpr` CLI in release mode (for benchmarks) and returns the path of the executable.
pub fn build_cli_release() -> Result<PathBuf> {
    build_release_bin(CLI_PACKAGE, CLI_BIN)
}

/// Builds the desktop app in release mode with the UI embedded (`ui/dist` must be built) and
/// returns the path of the executable.
pub fn build_desktop_release() -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "-p",
        DESKTOP_PACKAGE,
        "--features",
        "custom-protocol",
        "--bin",
        DESKTOP_BIN,
    ]);
    let messages = build_messages(&mut cmd)?;
    Binaries(executables_from_messages(&messages)).get(DESKTOP_BIN)
}

/// Builds `helpr-bench` in release mode and returns the path of the executable.
pub fn build_bench_release() -> Result<PathBuf> {
    build_release_bin("helpr-bench", "helpr-bench")
}

/// Builds the `helpr-server` binary and `helpr-server-bench` in release mode, in one cargo call
/// (one feature resolution, so neither build undoes the other's), and returns their executables.
pub fn build_server_bench_release() -> Result<(PathBuf, PathBuf)> {
    let mut cmd = cargo();
    cmd.args(["build", "--release"])
        .args(["-p", "helpr-server", "--bin", "helpr-server"])
        .args(["-p", "helpr-server-bench", "--bin", "helpr-server-bench"]);
    let messages = build_messages(&mut cmd)?;
    let built = Binaries(executables_from_messages(&messages));
    Ok((built.get("helpr-server")?, built.get("helpr-server-bench")?))
}

/// Builds the `helpr-server` binary and `helpr-secure-bench` in release mode, in one cargo call,
/// and returns their executables.
pub fn build_secure_bench_release() -> Result<(PathBuf, PathBuf)> {
    let mut cmd = cargo();
    cmd.args(["build", "--release"])
        .args(["-p", "helpr-server", "--bin", "helpr-server"])
        .args(["-p", "helpr-secure-bench", "--bin", "helpr-secure-bench"]);
    let messages = build_messages(&mut cmd)?;
    let built = Binaries(executables_from_messages(&messages));
    Ok((built.get("helpr-server")?, built.get("helpr-secure-bench")?))
}

/// `cargo build --release -p PACKAGE --bin BIN`, asking cargo where it put the executable.
fn build_release_bin(package: &str, bin: &str) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args(["build", "--release", "-p", package, "--bin", bin]);
    let messages = build_messages(&mut cmd)?;
    Binaries(executables_from_messages(&messages)).get(bin)
}

/// Runs a `cargo build` with JSON messages on stdout (diagnostics rendered on stderr) and
/// returns the messages.
fn build_messages(cmd: &mut Command) -> Result<String> {
    cmd.arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let line = process::describe(cmd);
    println!("$ {line}");
    let out = cmd
        .output()
        .with_context(|| format!("could not start `{line}`"))?;
    process::check(&line, out.status)?;
    String::from_utf8(out.stdout).with_context(|| format!("`{line}` printed non-UTF-8 messages"))
}

/// `(target name, executable)` of every binary target among cargo's `compiler-artifact`
/// messages (test harnesses are left out: their target kind is not `bin`).
fn executables_from_messages(messages: &str) -> Vec<(String, PathBuf)> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| {
            msg["reason"] == "compiler-artifact"
                && msg["profile"]["test"] == false
                && msg["target"]["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"))
        })
        .filter_map(|msg| {
            let name = msg["target"]["name"].as_str()?.to_owned();
            let exe = msg["executable"].as_str()?;
            Some((name, PathBuf::from(exe)))
        })
        .collect()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_binaries_among_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"serde","kind":["lib"]},"profile":{"test":false},"executable":null}
{"reason":"compiler-artifact","target":{"name":"helpr","kind":["bin"]},"profile":{"test":false},"executable":"/t/debug/helpr"}
{"reason":"compiler-artifact","target":{"name":"helpr","kind":["bin"]},"profile":{"test":true},"executable":"/t/debug/deps/helpr-0a1b"}
{"reason":"compiler-artifact","target":{"name":"search_cli","kind":["test"]},"profile":{"test":true},"executable":"/t/debug/deps/search_cli-2c3d"}
{"reason":"build-finished","success":true}"#;
        let binaries = Binaries(executables_from_messages(messages));
        assert_eq!(
            binaries.get("helpr").unwrap(),
            PathBuf::from("/t/debug/helpr")
        );
        let missing = binaries.get("helpr-desktop").unwrap_err().to_string();
        assert!(missing.contains("helpr-desktop"), "{missing}");
        assert!(binaries.get("search_cli").is_err());
    }

    #[test]
    fn the_root_holds_the_workspace_manifest() {
        assert!(root().join("Cargo.toml").is_file());
        assert!(root().join("xtask").is_dir());
    }
}
