//! `cargo xtask`: the project's own commands, the ones the README tells a new developer to run.
//!
//! Each subcommand lives in its own module; the shared machinery (processes, step reports,
//! system packages, the throw-away keychain session, the virtual display) lives beside them.
//! `.ci/run` calls `cargo xtask test`, so CI and a laptop run the same gate.

mod api_fuzz;
mod bench;
mod conformance;
mod corpus;
mod demo;
mod demo_gmail;
mod deps;
mod keychain;
mod package;
mod process;
mod sample_mail;
mod server;
mod session;
mod steps;
mod test;
mod venv;
mod workspace;
mod xvfb;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// helpr's developer commands.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Install what is missing, then run the whole gate: fmt, UI checks, clippy, desktop build,
    /// tests and the desktop E2E (in a throw-away keychain session on a virtual display).
    Test(test::Args),
    /// Build helpr, import a generated sample mailbox into a fresh vault and open it.
    Demo(demo::Args),
    /// Write the deterministic sample mailbox (a Maildir) into DIR.
    SampleMail(sample_mail::Args),
    /// Run one command inside a throw-away D-Bus session with an unlocked gnome-keyring.
    Session(session::Args),
    /// Run the MIME/XSS corpora in DIR through the pipeline and a real browser; fail on any
    /// panic, script execution or request.
    Corpus(corpus::Args),
    /// Benchmarks: `pipeline`, `search`, `sync`, `desktop`, … (see `cargo xtask bench --help`).
    Bench(bench::Args),
    /// Start a local team server (`--postgres [--replicas N]`, `--gmail`) until Ctrl-C.
    Server(server::Args),
    /// Build a Debian package (`target/package/helpr_<version>_<arch>.deb`) from this checkout.
    Package(package::Args),
    /// Internal: the second half of a keychain session, run under `dbus-run-session`.
    #[command(name = "in-session", hide = true)]
    InSession(keychain::InSessionArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Test(args) => test::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::SampleMail(args) => sample_mail::run(&args),
        Command::Session(args) => session::run(&args),
        Command::Corpus(args) => corpus::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Server(args) => server::run(&args),
        Command::Package(args) => package::run(&args),
        Command::InSession(args) => keychain::run_in_session(args),
    }
}
