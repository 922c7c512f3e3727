//! `cargo xtask session [--xvfb] -- CMD…`: run one command the way the tests run, inside a
//! throw-away D-Bus session with an unlocked gnome-keyring (and optionally a virtual display).
//! Handy for a single test against the real keychain, e.g.
//! `cargo xtask session -- cargo nextest run -p helpr-crypto keychain`.

use std::ffi::OsString;
use std::process::Command;

use anyhow::Result;

use crate::keychain::{self, Display};
use crate::xvfb::VirtualDisplay;
use crate::{deps, process};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also start a virtual X display (Xvfb) and point DISPLAY at it.
    #[arg(long)]
    pub xvfb: bool,
    /// The command and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<OsString>,
}

pub fn run(args: &Args) -> Result<()> {
    let mut packages = vec![deps::KEYCHAIN_PACKAGES];
    if args.xvfb {
        packages.push(deps::E2E_PACKAGES);
    }
    deps::ensure_packages(&packages)?;

    let virtual_display = if args.xvfb {
        Some(VirtualDisplay::start()?)
    } else {
        None
    };
    let display = match &virtual_display {
        Some(virtual_display) => Display::X11(virtual_display.display()),
        None => Display::Inherit,
    };
    let mut task = vec![OsString::from("run"), OsString::from("--")];
    task.extend(args.command.iter().cloned());
    keychain::run(&task, display)
}

/// Inside the session: run the command, passing its failure on.
pub fn run_command(command: &[OsString]) -> Result<()> {
    let (program, rest) = command
        .split_first()
        .expect("clap requires at least the program");
    process::run(Command::new(program).args(rest))
}
