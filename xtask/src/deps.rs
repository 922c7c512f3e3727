//! Prerequisites outside Cargo: Debian packages (desktop build, E2E and Chromium, keychain,
//! PostgreSQL), `tauri-driver`, Node/npm and the UI's `node_modules`. Every check is cheap and
//! installs only what is missing, so running it on a prepared machine changes nothing.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{process, workspace};

/// What the Tauri desktop crate needs to compile and link on Debian 12.
pub const DESKTOP_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "librsvg2-dev",
    "libssl-dev",
    "libdbus-1-dev",
    "pkg-config",
    "build-essential",
];

/// Headless Chromium, driven over DevTools by `helpr-browser-check` (the sanitizer's
/// real-browser proof in the tests, and `cargo xtask corpus`).
const CHROMIUM: &str = "chromium";

/// What the end-to-end tests need: a virtual display, WebKit's WebDriver and a notification
/// daemon whose history the test reads (desktop E2E), and Chromium (`tests/sanitizer_browser.rs`).
pub const E2E_PACKAGES: &[&str] = &["xvfb", "xauth", "webkit2gtk-driver", "dunst", CHROMIUM];

/// What `cargo xtask corpus` needs on its own.
pub const BROWSER_PACKAGES: &[&str] = &[CHROMIUM];

/// What a throw-away keychain needs: a session bus, gnome-keyring, and `secret-tool` to probe it.
pub const KEYCHAIN_PACKAGES: &[&str] = &["gnome-keyring", "dbus", "dbus-x11", "libsecret-tools"];

/// What the emulator's conformance suite needs to make its venv (Debian's `python3 -m venv`).
pub const CONFORMANCE_PACKAGES: &[&str] = &["python3-venv"];

/// What the team server's tests need: PostgreSQL 15's server binaries in
/// `/usr/lib/postgresql/15/bin` (`initdb`, `pg_ctl`, `postgres`, `createdb`), which `pg-scratch`
/// runs for each throw-away cluster, and `psql`, which the tests query it with. Installing them
/// also makes Debian's own cluster `15/main` (port 5432, started where the init system lets it);
/// the tests never use it.
pub const POSTGRES_PACKAGES: &[&str] = &["postgresql-15", "postgresql-client-15"];

/// Node and npm, installed from Debian only when no `npm` is on `PATH` at all.
const NODE_PACKAGES: &[&str] = &["nodejs", "npm"];

/// The WebDriver bridge the desktop E2E talks to (`cargo install`ed into `$CARGO_HOME/bin`).
const TAURI_DRIVER: &str = "tauri-driver";
const TAURI_DRIVER_VERSION: &str = "2.0.*";

/// The Node major version the UI tool chain expects.
const NODE_MAJOR: u32 = 20;

/// Installs the Debian packages of all `groups` that are not installed yet.
pub fn ensure_packages(groups: &[&[&str]]) -> Result<()> {
    let wanted: Vec<&str> = groups
        .iter()
        .flat_map(|group| group.iter().copied())
        .collect();
    if process::which("dpkg-query").is_none() {
        println!(
            "note: no dpkg here, so not checking system packages; helpr needs the equivalents of: {}",
            wanted.join(" ")
        );
        return Ok(());
    }
    let missing = missing_packages(&wanted)?;
    if missing.is_empty() {
        println!("system packages: all {} present", wanted.len());
        return Ok(());
    }
    println!("system packages missing: {}", missing.join(" "));
    apt_install(&missing)
}

/// The packages in `wanted` that dpkg does not report as installed.
fn missing_packages(wanted: &[&str]) -> Result<Vec<String>> {
    // dpkg-query exits non-zero when it has never heard of a package; its stdout still lists the
    // others, so read stdout and ignore the status.
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Package}\t${db:Status-Status}\n"])
        .args(wanted)
        .output()
        .context("could not run dpkg-query")?;
    let listing = String::from_utf8_lossy(&out.stdout);
    Ok(wanted
        .iter()
        .filter(|name| !is_installed(&listing, name))
        .map(|name| name.to_string())
        .collect())
}

fn is_installed(dpkg_listing: &str, name: &str) -> bool {
    dpkg_listing.lines().any(|line| {
        let mut fields = line.split('\t');
        let package = fields.next().unwrap_or_default();
        let package = package.split(':').next().unwrap_or_default();
        package == name && fields.next() == Some("installed")
    })
}

fn apt_install(packages: &[String]) -> Result<()> {
    let sudo = privilege_prefix()?;
    let apt = |args: &[&str]| {
        let mut cmd = match sudo {
            Some(sudo) => {
                // `sudo VAR=value` needs SETENV in sudoers; `sudo env VAR=value` does not.
                let mut cmd = Command::new(sudo);
                cmd.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
                cmd
            }
            None => {
                let mut cmd = Command::new("apt-get");
                cmd.env("DEBIAN_FRONTEND", "noninteractive");
                cmd
            }
        };
        cmd.args(args);
        cmd
    };
    process::run(&mut apt(&["update"]))?;
    let mut install = apt(&["install", "-y"]);
    install.args(packages);
    process::run(&mut install)
}

/// `None` when we are root, `Some("sudo")` otherwise.
fn privilege_prefix() -> Result<Option<&'static str>> {
    let uid = process::output(Command::new("id").arg("-u"))?;
    if uid.trim() == "0" {
        Ok(None)
    } else if process::which("sudo").is_some() {
        Ok(Some("sudo"))
    } else {
        bail!("installing system packages needs root, and there is no sudo; run as root once")
    }
}

/// Installs `tauri-driver` with `cargo install` unless it is on `PATH` or in `$CARGO_HOME/bin`.
pub fn ensure_tauri_driver() -> Result<PathBuf> {
    let (cargo_home, _) = workspace::tool_homes()?;
    let installed = cargo_home.join("bin").join(TAURI_DRIVER);
    if let Some(found) = process::which(TAURI_DRIVER) {
        println!("{TAURI_DRIVER}: {}", found.display());
        return Ok(found);
    }
    if process::is_executable(&installed) {
        println!("{TAURI_DRIVER}: {}", installed.display());
        return Ok(installed);
    }
    process::run(workspace::cargo().args([
        "install",
        TAURI_DRIVER,
        "--version",
        TAURI_DRIVER_VERSION,
        "--locked",
    ]))?;
    Ok(installed)
}

/// Makes sure `node` and `npm` exist (from Debian when missing) and warns when Node is too old.
pub fn ensure_node() -> Result<()> {
    if process::which("npm").is_none() || process::which("node").is_none() {
        println!("node/npm not found; installing Debian's (Node {NODE_MAJOR}+ is recommended)");
        ensure_packages(&[NODE_PACKAGES])?;
    }
    let version = process::output(Command::new("node").arg("--version"))?;
    let version = version.trim();
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok());
    match major {
        Some(major) if major >= NODE_MAJOR => println!("node: {version}"),
        _ => println!(
            "warning: node {version} is older than {NODE_MAJOR}; the UI tool chain may refuse it \
             (install Node {NODE_MAJOR} from nodejs.org or NodeSource)"
        ),
    }
    Ok(())
}

/// `npm ci` in `ui/` (or `npm install` while the UI has no lock file yet).
pub fn npm_install() -> Result<()> {
    let ui = workspace::ui_dir();
    if !ui.join("package.json").is_file() {
        bail!("{} has no package.json", ui.display());
    }
    let verb = if ui.join("package-lock.json").is_file() {
        "ci"
    } else {
        "install"
    };
    process::run(npm().args([verb, "--no-audit", "--no-fund"]))
}

/// `npm ARGS…` in `ui/`.
pub fn npm() -> Command {
    let mut cmd = Command::new("npm");
    cmd.current_dir(workspace::ui_dir());
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dpkg_status_lines() {
        let listing = "xvfb\tinstalled\nlibssl-dev:amd64\tinstalled\ndbus\tconfig-files\n";
        assert!(is_installed(listing, "xvfb"));
        assert!(is_installed(listing, "libssl-dev"));
        assert!(!is_installed(listing, "dbus"));
        assert!(!is_installed(listing, "xauth"));
    }
}
