//! A throw-away keychain: a private D-Bus session bus with gnome-keyring unlocked in a fresh
//! `HOME`, so tests and the demo use the real Secret Service without touching the user's keyring.
//!
//! The outer half ([`run`]) makes a fresh `HOME` and XDG directories, then re-invokes this xtask as
//! `dbus-run-session -- <xtask> in-session <task>`. The environment is changed *before* the bus
//! starts, so services the bus activates on demand (gnome-keyring itself, when something asks for
//! `org.freedesktop.secrets`) see the fresh `HOME` as well. `CARGO_HOME` and `RUSTUP_HOME` are
//! pinned to their real values first, so cargo and rustup keep finding their toolchains.
//!
//! The inner half ([`run_in_session`]) unlocks gnome-keyring with a fixed password, checks with
//! `secret-tool` that a secret can be stored and read back, and runs the task. The bus, and with it
//! the keyring daemon, ends when the task ends; the fresh `HOME` is deleted afterwards.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use crate::{demo, process, session, test, workspace};

/// The password of the throw-away login keyring. Not a secret: the keyring dies with the session.
const KEYRING_PASSWORD: &str = "helpr-xtask";

/// Arguments of the hidden `in-session` subcommand.
#[derive(Debug, clap::Args)]
pub struct InSessionArgs {
    #[command(subcommand)]
    pub task: Task,
}

/// What to do once the keychain is up.
#[derive(Debug, clap::Subcommand)]
pub enum Task {
    /// The test steps that need the keychain, against the binaries the gate built.
    Test(test::UnderTest),
    /// The demo's `helpr` runs.
    Demo(demo::SessionArgs),
    /// Any command (`cargo xtask session -- CMD…`).
    Run {
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<OsString>,
    },
}

/// Which display the session's programs see.
pub enum Display<'a> {
    /// Keep the caller's X11/Wayland display (fixing paths that depend on `HOME`/`XDG_RUNTIME_DIR`).
    Inherit,
    /// Use this X display (a virtual one) and hide any Wayland display.
    X11(&'a str),
}

/// Runs `xtask in-session TASK_ARGS…` under a fresh D-Bus session with a fresh `HOME`.
pub fn run(task_args: &[OsString], display: Display<'_>) -> Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("helpr-keychain-")
        .tempdir()
        .context("could not create a temporary HOME for the keychain session")?;
    let env = session_env(scratch.path(), display)?;
    let exe = running_executable()?;

    let mut cmd = Command::new("dbus-run-session");
    cmd.arg("--").arg(exe).arg("in-session").args(task_args);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("GNOME_KEYRING_CONTROL");
    for (key, value) in &env {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    println!(
        "keychain session: HOME={} (deleted afterwards)",
        scratch.path().join("home").display()
    );
    process::run(&mut cmd)
    // `scratch` is removed here, after the bus and the keyring daemon have gone.
}

/// A path that runs this very xtask binary. On Linux that is `/proc/<pid>/exe`, which stays valid
/// while we wait for the session even if a concurrent `cargo build` replaces the file on disk.
fn running_executable() -> Result<PathBuf> {
    let proc_exe = PathBuf::from(format!("/proc/{}/exe", std::process::id()));
    if proc_exe.exists() {
        return Ok(proc_exe);
    }
    env::current_exe().context("could not find the running xtask executable")
}

/// The variables to set (`Some`) or remove (`None`) for a session rooted at `scratch`.
fn session_env(scratch: &Path, display: Display<'_>) -> Result<Vec<(String, Option<OsString>)>> {
    let (cargo_home, rustup_home) = workspace::tool_homes()?;
    let home = scratch.join("home");
    let runtime = scratch.join("run");
    for dir in [
        home.join(".local/share"),
        home.join(".local/state"),
        home.join(".config"),
        home.join(".cache"),
    ] {
        fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    }
    create_private_dir(&runtime)?;
    write_keyring_service(&home.join(".local/share"))?;

    let mut vars: Vec<(String, Option<OsString>)> = vec![
        ("CARGO_HOME".into(), Some(cargo_home.clone().into())),
        ("RUSTUP_HOME".into(), Some(rustup_home.into())),
        ("PATH".into(), Some(path_with(&cargo_home.join("bin"))?)),
        ("HOME".into(), Some(home.clone().into())),
        ("XDG_RUNTIME_DIR".into(), Some(runtime.into())),
        (
            "XDG_DATA_HOME".into(),
            Some(home.join(".local/share").into()),
        ),
        (
            "XDG_STATE_HOME".into(),
            Some(home.join(".local/state").into()),
        ),
        ("XDG_CONFIG_HOME".into(), Some(home.join(".config").into())),
        ("XDG_CACHE_HOME".into(), Some(home.join(".cache").into())),
    ];
    match display {
        Display::X11(display) => {
            vars.push(("DISPLAY".into(), Some(display.into())));
            vars.push(("WAYLAND_DISPLAY".into(), None));
        }
        Display::Inherit => {
            // X clients find their cookie in $HOME/.Xauthority unless told otherwise.
            if env::var_os("XAUTHORITY").is_none() {
                if let Some(real_home) = env::var_os("HOME") {
                    let cookie = PathBuf::from(real_home).join(".Xauthority");
                    if cookie.is_file() {
                        vars.push(("XAUTHORITY".into(), Some(cookie.into())));
                    }
                }
            }
            // Wayland clients look for $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY; pin the absolute path.
            if let (Some(wayland), Some(runtime)) = (
                env::var_os("WAYLAND_DISPLAY"),
                env::var_os("XDG_RUNTIME_DIR"),
            ) {
                let socket = PathBuf::from(&wayland);
                if !wayland.is_empty() && socket.is_relative() {
                    vars.push((
                        "WAYLAND_DISPLAY".into(),
                        Some(PathBuf::from(runtime).join(socket).into()),
                    ));
                }
            }
        }
    }
    Ok(vars)
}

/// The bus activates `org.freedesktop.secrets` from `$XDG_DATA_HOME/dbus-1/services` before the
/// system's file. Debian's starts gnome-keyring *locked*, so a daemon restarted by the bus (after
/// gnome-keyring crashed: it does, rarely, on a glib assertion under many short-lived clients)
/// would wait forever on an unlock prompt no one can answer, and hang the suite. This one starts
/// it unlocked with the session's password, so it reopens the same keyring file, items and all.
fn write_keyring_service(data_home: &Path) -> Result<()> {
    let dir = data_home.join("dbus-1").join("services");
    fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let service = format!(
        "[D-BUS Service]\nName=org.freedesktop.secrets\n\
         Exec=/bin/sh -c \"printf %s {KEYRING_PASSWORD} | exec gnome-keyring-daemon --unlock \
         --foreground --components=secrets\"\n"
    );
    fs::write(dir.join("org.freedesktop.secrets.service"), service)
        .context("could not write the session's Secret Service activation file")
}

/// `PATH` with `dir` in front unless it is already on it.
fn path_with(dir: &Path) -> Result<OsString> {
    let current = env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = env::split_paths(&current).collect();
    if !dirs.iter().any(|existing| existing == dir) {
        dirs.insert(0, dir.to_path_buf());
    }
    env::join_paths(dirs).context("PATH contains a directory that cannot be joined")
}

fn create_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The inner half: unlock the keyring, probe it, run the task.
pub fn run_in_session(args: InSessionArgs) -> Result<()> {
    ensure!(
        env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "`in-session` runs under dbus-run-session; use `cargo xtask session -- CMD` instead"
    );
    unlock_keyring()?;
    wait_for_secret_service();
    probe_secret_service()?;
    match args.task {
        Task::Test(under_test) => test::run_in_session(&under_test),
        Task::Demo(demo_args) => demo::run_in_session(&demo_args),
        Task::Run { command } => session::run_command(&command),
    }
}

/// Starts gnome-keyring's Secret Service with an unlocked login keyring and exports what it prints.
fn unlock_keyring() -> Result<()> {
    let mut cmd = Command::new("gnome-keyring-daemon");
    cmd.args(["--unlock", "--components=secrets"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let line = process::describe(&cmd);
    println!("$ {line}");
    let mut child = cmd
        .spawn()
        .context("could not start gnome-keyring-daemon (is `gnome-keyring` installed?)")?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(KEYRING_PASSWORD.as_bytes())?;
    // The daemon forks; the process we started prints the environment and exits.
    let out = child.wait_with_output()?;
    process::check(&line, out.status)?;
    for (key, value) in exported_vars(&String::from_utf8_lossy(&out.stdout)) {
        println!("keychain: {key}={value}");
        env::set_var(key, value);
    }
    Ok(())
}

/// `KEY=value` lines as printed by `gnome-keyring-daemon` (usually `GNOME_KEYRING_CONTROL=…`).
fn exported_vars(output: &str) -> Vec<(&str, &str)> {
    output
        .lines()
        .filter_map(|line| line.trim().split_once('='))
        .filter(|(key, _)| {
            !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .collect()
}

/// Waits (up to 10 s) until the daemon owns the Secret Service name on the bus. It claims the name
/// shortly after `--unlock` returns; asking earlier makes the bus start a second daemon.
fn wait_for_secret_service() {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let reply = process::output(Command::new("dbus-send").args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ]));
        match reply {
            Ok(reply) if reply.contains("boolean true") => return,
            Ok(_) => std::thread::sleep(Duration::from_millis(50)),
            // No dbus-send: let the probe find out whether the service works.
            Err(_) => return,
        }
    }
    println!("keychain: the Secret Service name is still unowned after 10 s; probing anyway");
}

/// Stores, reads back and deletes a secret, so a broken keychain fails here and not mid-test.
fn probe_secret_service() -> Result<()> {
    const ATTRS: [&str; 2] = ["helpr-xtask", "probe"];
    let mut store = Command::new("secret-tool");
    store
        .args(["store", "--label=helpr xtask probe"])
        .args(ATTRS)
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let line = process::describe(&store);
    let mut child = store
        .spawn()
        .context("could not start secret-tool (is `libsecret-tools` installed?)")?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(b"ok")?;
    process::check(&line, child.wait()?)?;
    let found = process::output(Command::new("secret-tool").arg("lookup").args(ATTRS))?;
    process::output(Command::new("secret-tool").arg("clear").args(ATTRS))?;
    if found.trim() != "ok" {
        bail!("the session keychain stored a probe secret but returned {found:?}");
    }
    println!("keychain: Secret Service is up and unlocked (probe stored and read back)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bus_restarts_gnome_keyring_unlocked() {
        let dir = tempfile::tempdir().unwrap();
        write_keyring_service(dir.path()).unwrap();
        let file = fs::read_to_string(
            dir.path()
                .join("dbus-1/services/org.freedesktop.secrets.service"),
        )
        .unwrap();
        assert!(file.starts_with("[D-BUS Service]\nName=org.freedesktop.secrets\n"));
        assert!(file.contains(&format!(
            "printf %s {KEYRING_PASSWORD} | exec gnome-keyring-daemon --unlock"
        )));
        assert!(file.contains("--foreground --components=secrets"));
    }

    #[test]
    fn reads_the_daemon_environment() {
        let printed = "GNOME_KEYRING_CONTROL=/tmp/x/keyring\nSSH_AUTH_SOCK=/tmp/x/ssh\nnoise\n";
        assert_eq!(
            exported_vars(printed),
            [
                ("GNOME_KEYRING_CONTROL", "/tmp/x/keyring"),
                ("SSH_AUTH_SOCK", "/tmp/x/ssh")
            ]
        );
        assert!(exported_vars("").is_empty());
    }

    #[test]
    fn session_env_pins_tool_homes_and_isolates_home() {
        let scratch = tempfile::tempdir().unwrap();
        let vars = session_env(scratch.path(), Display::X11(":42")).unwrap();
        let get = |key: &str| {
            vars.iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.clone())
        };
        let (cargo_home, rustup_home) = workspace::tool_homes().unwrap();
        assert_eq!(get("CARGO_HOME"), Some(Some(cargo_home.into())));
        assert_eq!(get("RUSTUP_HOME"), Some(Some(rustup_home.into())));
        assert_eq!(
            get("HOME"),
            Some(Some(scratch.path().join("home").into_os_string()))
        );
        assert_eq!(get("DISPLAY"), Some(Some(":42".into())));
        assert_eq!(get("WAYLAND_DISPLAY"), Some(None));
        assert!(scratch.path().join("run").is_dir());
    }
}
