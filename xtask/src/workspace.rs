//! Where things are and how they are built: the workspace root, `ui/`, the `cargo` to call, and
//! the one place that says how the CLI and the desktop app are built.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::process;

/// The `helpr` binary: package and target name.
pub const CLI_PACKAGE: &str = "helpr-cli";
pub const CLI_BIN: &str = "helpr";

/// The Tauri shell: package and target name.
pub const DESKTOP_PACKAGE: &str = "helpr-desktop";
pub const DESKTOP_BIN: &str = "helpr-desktop";

/// Cargo features for a desktop build that serves the embedded `ui/dist` (what `tauri build`
/// turns on) instead of pointing the webview at the Vite dev server. Used by `test` (the E2E runs
/// this build) and `demo`. Change it here only.
pub const DESKTOP_FEATURES: &str = "tauri/custom-protocol";

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

/// Builds the `helpr` CLI (debug) and returns the path of the executable.
pub fn build_cli() -> Result<PathBuf> {
    build_bin(CLI_PACKAGE, CLI_BIN, &[])
}

/// Builds the `helpr` CLI in release mode (for benchmarks) and returns the path of the executable.
pub fn build_cli_release() -> Result<PathBuf> {
    build_bin(CLI_PACKAGE, CLI_BIN, &["--release"])
}

/// Builds the `google-emulator` binary (debug) and returns the path of the executable.
pub fn build_emulator() -> Result<PathBuf> {
    build_bin("google-emulator", "google-emulator", &[])
}

/// Builds `helpr-bench` in release mode and returns the path of the executable.
pub fn build_bench_release() -> Result<PathBuf> {
    build_bin("helpr-bench", "helpr-bench", &["--release"])
}

/// Builds the desktop app (debug, embedded UI) and returns the path of the executable.
/// `ui/dist` must exist: the Tauri crate embeds it at compile time.
pub fn build_desktop() -> Result<PathBuf> {
    build_bin(
        DESKTOP_PACKAGE,
        DESKTOP_BIN,
        &["--features", DESKTOP_FEATURES],
    )
}

/// `cargo build -p PACKAGE --bin BIN EXTRA…`, asking cargo where it put the executable.
fn build_bin(package: &str, bin: &str, extra: &[&str]) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args(["build", "-p", package, "--bin", bin])
        .args(extra)
        .arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let line = process::describe(&cmd);
    println!("$ {line}");
    let out = cmd
        .output()
        .with_context(|| format!("could not start `{line}`"))?;
    process::check(&line, out.status)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    match executable_from_messages(&stdout, bin) {
        Some(path) => Ok(path),
        None => bail!("`{line}` succeeded but reported no executable for `{bin}`"),
    }
}

/// The `executable` of the last `compiler-artifact` message for target `bin`.
fn executable_from_messages(messages: &str, bin: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == bin)
        .filter_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_executable_among_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"serde","kind":["lib"]},"executable":null}
{"reason":"compiler-artifact","target":{"name":"helpr","kind":["bin"]},"executable":"/t/debug/helpr"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable_from_messages(messages, "helpr"),
            Some(PathBuf::from("/t/debug/helpr"))
        );
        assert_eq!(executable_from_messages(messages, "helpr-desktop"), None);
    }

    #[test]
    fn the_root_holds_the_workspace_manifest() {
        assert!(root().join("Cargo.toml").is_file());
        assert!(root().join("xtask").is_dir());
    }
}
