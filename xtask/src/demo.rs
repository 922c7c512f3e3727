//! `cargo xtask demo`: build helpr, the desktop app and the emulator (one workspace build, the
//! same the gate makes), generate a sample mailbox, import it into a fresh vault,
//! start a Gmail account served by the google-emulator (no Google account; see `demo_gmail.rs`;
//! `--no-gmail` skips it), and show it all. With a display, the desktop app opens with the
//! emulator's configuration and the user connects the account from Settings and watches it
//! sync; without one, the demo connects and syncs with `helpr` and ends with `helpr list`.
//!
//! The vault needs a keychain. When the caller's session bus offers a Secret Service, the demo
//! uses it (and keeps the vault, so it can be explored afterwards); otherwise it runs inside a
//! throw-away keychain session (see `keychain.rs`), and the vault, useless once its key is gone,
//! is deleted at the end.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::keychain::{self, Display};
use crate::sample_mail::{self, Options};
use crate::steps::Steps;
use crate::workspace::{self, Targets};
use crate::{deps, process};

/// The Secret Service's well-known D-Bus name.
const SECRET_SERVICE: &str = "org.freedesktop.secrets";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed of the generated mailbox: the same seed gives the same mail.
    #[arg(long, default_value_t = sample_mail::DEFAULT_SEED)]
    pub seed: u64,
    /// How many messages to generate.
    #[arg(long, default_value_t = sample_mail::DEFAULT_COUNT)]
    pub messages: usize,
    /// Show the vault with `helpr list` even when a display is available.
    #[arg(long)]
    pub cli: bool,
    /// Skip the emulated Gmail account.
    #[arg(long)]
    pub no_gmail: bool,
    /// How many messages the emulated Gmail account holds.
    #[arg(long, default_value_t = 2_000)]
    pub gmail_messages: usize,
}

/// What the demo runs once a keychain is available (also the hidden `in-session demo` arguments).
#[derive(Debug, clap::Args)]
pub struct SessionArgs {
    /// The `helpr` executable.
    #[arg(long)]
    pub helpr: PathBuf,
    /// The desktop executable; without it the demo ends with `helpr list`.
    #[arg(long)]
    pub desktop: Option<PathBuf>,
    #[arg(long)]
    pub data_dir: PathBuf,
    #[arg(long)]
    pub maildir: PathBuf,
    /// A helpr Gmail config (the running emulator's) to connect and sync.
    #[arg(long)]
    pub gmail_config: Option<PathBuf>,
}

impl SessionArgs {
    fn to_task_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> =
            vec!["demo".into(), "--helpr".into(), self.helpr.clone().into()];
        if let Some(desktop) = &self.desktop {
            args.extend(["--desktop".into(), desktop.clone().into()]);
        }
        args.extend([
            "--data-dir".into(),
            self.data_dir.clone().into(),
            "--maildir".into(),
            self.maildir.clone().into(),
        ]);
        if let Some(config) = &self.gmail_config {
            args.extend(["--gmail-config".into(), config.clone().into()]);
        }
        args
    }
}

pub fn run(args: &Args) -> Result<()> {
    let with_desktop = !args.cli && has_display();
    let mut steps = Steps::new("demo", false);
    steps.run("prerequisites: system packages, node, npm ci", || {
        deps::ensure_packages(&[deps::DESKTOP_PACKAGES, deps::KEYCHAIN_PACKAGES])?;
        deps::ensure_node()?;
        deps::npm_install()
    })?;
    // The desktop crate embeds `ui/dist`, and the one workspace build below compiles it even
    // when there is no display to open it on. It selects what `cargo xtask test` selects, so
    // the gate after a demo reuses it, but for the 17 crates tests' features reach (tokio's
    // `test-util`, from a dev-dependency, and what is built on tokio).
    steps.run("ui: npm run build", || {
        process::run(deps::npm().args(["run", "build"]))
    })?;
    let mut built = None;
    steps.run(
        "build helpr, the desktop app and google-emulator (cargo build --workspace --bins)",
        || {
            built = Some(workspace::build_workspace(Targets::Bins)?);
            Ok(())
        },
    )?;
    let built = built.context("the build step made no binaries")?;
    let helpr = built.get(workspace::CLI_BIN)?;
    let desktop = if with_desktop {
        Some(built.get(workspace::DESKTOP_BIN)?)
    } else {
        if !args.cli {
            println!("note: no DISPLAY or WAYLAND_DISPLAY, so no desktop app; the demo ends with `helpr list`");
        }
        None
    };

    let scratch = tempfile::Builder::new()
        .prefix("helpr-demo-")
        .tempdir()
        .context("could not create the demo directory")?;
    let mut emulator = None;
    if !args.no_gmail {
        steps.run(
            "google-emulator: a Gmail account with generated mail",
            || {
                let exe = built.get(workspace::EMULATOR_BIN)?;
                emulator = Some(crate::demo_gmail::start(
                    &exe,
                    scratch.path(),
                    args.gmail_messages,
                    args.seed,
                )?);
                Ok(())
            },
        )?;
    }
    let programs = SessionArgs {
        helpr,
        desktop,
        data_dir: scratch.path().join("data"),
        maildir: scratch.path().join("maildir"),
        gmail_config: emulator.as_ref().map(|e| e.config.clone()),
    };
    steps.run(
        &format!(
            "generate {} sample messages (seed {})",
            args.messages, args.seed
        ),
        || {
            std::fs::create_dir_all(&programs.data_dir)?;
            let options = Options {
                seed: args.seed,
                count: args.messages,
            };
            let summary = sample_mail::write_maildir(&programs.maildir, &options)?;
            println!("{}: {summary}", programs.maildir.display());
            Ok(())
        },
    )?;

    if secret_service_reachable() {
        println!("keychain: using the Secret Service of this session");
        // The key goes into the caller's keychain, so keep the vault it opens, whatever happens.
        let kept = scratch.keep();
        let outcome = steps.run("helpr", || run_programs(&programs));
        print_keep_notes(&kept, &programs.helpr);
        outcome?;
    } else {
        println!("keychain: no Secret Service on this session bus; using a throw-away one");
        steps.run("helpr (throw-away keychain session)", || {
            keychain::run(&programs.to_task_args(), Display::Inherit)
        })?;
        println!(
            "\nThe demo vault's key lived in the throw-away keychain, so the vault was deleted."
        );
    }
    steps.finish()
}

/// Inside a keychain session: the same runs as with the caller's keychain.
pub fn run_in_session(args: &SessionArgs) -> Result<()> {
    run_programs(args)
}

fn run_programs(args: &SessionArgs) -> Result<()> {
    let helpr = || {
        let mut cmd = Command::new(&args.helpr);
        cmd.arg("--data-dir").arg(&args.data_dir);
        cmd
    };
    process::run(helpr().arg("init"))?;
    process::run(helpr().arg("import").arg(&args.maildir))?;
    match (&args.desktop, &args.gmail_config) {
        // In the window, the user connects the emulated account themselves and watches it sync.
        (Some(desktop), Some(config)) => {
            println!(
                "\nOpening the desktop app; close its window to end the demo.\n\
                 Try: Settings (g s) → Inboxes → Connect Gmail → Sign in with Google (consent is \
                 auto-approved), watch the sync, then read, search (/), reply (r), delete (#) and \
                 undo (z), and rotate the key under Settings → Security."
            );
            process::run(
                Command::new(desktop)
                    .arg("--data-dir")
                    .arg(&args.data_dir)
                    .arg("--gmail-config")
                    .arg(config),
            )
        }
        (Some(desktop), None) => {
            println!("\nOpening the desktop app; close its window to end the demo.");
            process::run(Command::new(desktop).arg("--data-dir").arg(&args.data_dir))
        }
        (None, config) => {
            if let Some(config) = config {
                crate::demo_gmail::connect(&args.helpr, &args.data_dir, config)?;
                process::run(helpr().arg("sync"))?;
                process::run(helpr().arg("status"))?;
            }
            process::run(helpr().arg("list"))
        }
    }
}

fn print_keep_notes(root: &Path, helpr: &Path) {
    let data = root.join("data");
    let helpr = helpr.display();
    let data_arg = data.display();
    println!(
        "\nThe demo vault stays in {data_arg}. Explore it:\n  \
         {helpr} --data-dir {data_arg} list --json\n  \
         {helpr} --data-dir {data_arg} show ID\n  \
         {helpr} --data-dir {data_arg} keys list\n  \
         {helpr} --data-dir {data_arg} doctor"
    );
    // The keyring crate files the key under the attributes service=helpr, username=vault-<uuid>.
    let cleanup_key = match vault_id(&data) {
        Some(id) => format!("secret-tool clear service helpr username vault-{id}"),
        None => "remove its entry (service \"helpr\") from your keychain".to_owned(),
    };
    println!(
        "Its key is in your keychain. When done:\n  rm -r {}\n  {cleanup_key}",
        root.display()
    );
}

/// The `vault_id` from `vault.json`, if the vault got that far.
fn vault_id(data_dir: &Path) -> Option<String> {
    let info = std::fs::read_to_string(data_dir.join("vault.json")).ok()?;
    let info: serde_json::Value = serde_json::from_str(&info).ok()?;
    info["vault_id"].as_str().map(str::to_owned)
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// True when the caller's session bus has, or can start, a Secret Service.
fn secret_service_reachable() -> bool {
    if env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none_or(|address| address.is_empty()) {
        return false;
    }
    ["ListNames", "ListActivatableNames"].iter().any(|method| {
        let mut cmd = Command::new("dbus-send");
        cmd.args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
        ])
        .arg(format!("org.freedesktop.DBus.{method}"));
        process::output(&mut cmd).is_ok_and(|reply| reply.contains(SECRET_SERVICE))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_args_round_trip_through_the_command_line() {
        use clap::Parser;

        #[derive(Debug, Parser)]
        struct Probe {
            #[command(subcommand)]
            task: keychain::Task,
        }

        let original = SessionArgs {
            helpr: "/t/helpr".into(),
            desktop: Some("/t/helpr desktop".into()),
            data_dir: "/tmp/d".into(),
            maildir: "/tmp/m".into(),
            gmail_config: Some("/tmp/g.toml".into()),
        };
        let mut argv = vec![OsString::from("in-session")];
        argv.extend(original.to_task_args());
        let parsed = Probe::try_parse_from(argv).unwrap();
        let keychain::Task::Demo(parsed) = parsed.task else {
            panic!("not the demo task: {parsed:?}");
        };
        assert_eq!(parsed.helpr, original.helpr);
        assert_eq!(parsed.desktop, original.desktop);
        assert_eq!(parsed.data_dir, original.data_dir);
        assert_eq!(parsed.maildir, original.maildir);
        assert_eq!(parsed.gmail_config, original.gmail_config);
    }
}
