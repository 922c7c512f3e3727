//! `helpr`: the command-line client. Each subcommand parses its input, calls helpr-core and
//! formats the result (text, or JSON with `--json`). Errors go to stderr as `helpr: <message>`
//! (and as `{"error": {code, message}}` on stdout with `--json`); a locked vault exits 3, other
//! failures 1.

mod commands;
mod output;

/// How a command failed: with an error for `main` to print (`Core`), or after printing its own
/// `--json` document, which then carries the error (`Reported`), so stdout stays one document.
pub enum Failure {
    Core(CoreError),
    Reported(CoreError),
}

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use helpr_core::{CoreError, Helpr};

use crate::output::phase;

#[derive(Parser)]
#[command(
    name = "helpr",
    version,
    about = "helpr: an encrypted team inbox, from a terminal"
)]
struct Cli {
    /// The vault's data folder (default: the platform data dir, e.g. ~/.local/share/helpr).
    #[arg(long, global = true, env = "HELPR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a vault and its key in the OS keychain (refuses to overwrite).
    Init {
        /// Name of the first tenant.
        #[arg(long, default_value = "default")]
        tenant: String,
    },
    /// Import .eml files, Maildir folders and mbox files (idempotent).
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List messages, newest first.
    List {
        #[arg(long)]
        json: bool,
        /// At most this many messages.
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Show one message, decrypted.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
        /// Print only the stored (sanitized) HTML body.
        #[arg(long, conflicts_with_all = ["json", "remote_images"])]
        html: bool,
        /// List the remote image sources blocked in this message.
        #[arg(long, conflicts_with = "json")]
        remote_images: bool,
        /// Print the original source of a message helpr could not display (kept as it came).
        #[arg(long, conflicts_with_all = ["json", "html", "remote_images"])]
        raw: bool,
    },
    /// Run the mail pipeline again over the messages helpr could not display (say, after an
    /// upgrade); each one it can now display replaces the kept copy under the same id.
    Reprocess {
        #[arg(long)]
        json: bool,
    },
    /// Search messages, Gmail-style: words, "phrases", from:, to:, cc:, subject:, label:/in:,
    /// has:attachment, filename:, is:unread|read, before:/after:YYYY-MM-DD, -term, OR, ( ).
    Search {
        /// The query, as one argument (quote it when it has spaces): `helpr search 'from:ana -is:read'`.
        #[arg(allow_hyphen_values = true)]
        query: String,
        /// Hits per page.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Hits to skip (the next page starts at the previous offset + limit).
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long, value_enum, default_value = "date")]
        sort: commands::search::SortArg,
        #[arg(long)]
        json: bool,
    },
    /// Delete a message (or a conversation with --thread): hidden at once, gone from search and
    /// the index files, restorable from the trash until the grace period ends.
    Delete(commands::lifecycle::TargetArgs),
    /// Bring a deleted message (or conversation) back from the trash.
    Restore(commands::lifecycle::TargetArgs),
    /// Deleted messages with the days left before the purge.
    Trash {
        #[arg(long)]
        json: bool,
    },
    /// Delete for good: what outlived the grace period (--expired), or named items now.
    Purge(commands::lifecycle::PurgeArgs),
    /// Settings of the tenant: show, set grace-days N.
    Settings {
        #[command(subcommand)]
        command: commands::lifecycle::SettingsCommand,
    },
    /// The audit trail (--since, --action), or `audit verify`.
    Audit(commands::lifecycle::AuditArgs),
    /// The search index: stats, rebuild.
    Index {
        #[command(subcommand)]
        command: commands::index::IndexCommand,
    },
    /// Print sanitized HTML: reads FILE (or stdin with `-` or no FILE), no vault needed.
    Sanitize { file: Option<std::path::PathBuf> },
    /// Key versions: list, rotate, retire.
    Keys {
        #[command(subcommand)]
        command: commands::keys::KeysCommand,
    },
    /// Connect an account: `helpr connect gmail [--config FILE] [--no-browser]`.
    Connect {
        #[command(subcommand)]
        command: commands::connect::ConnectCommand,
    },
    /// Sync the connected Gmail accounts (full first, then incremental).
    Sync {
        /// Only this account.
        #[arg(long)]
        account: Option<String>,
        /// Keep syncing every --interval seconds until stopped.
        #[arg(long)]
        watch: bool,
        #[arg(long, default_value_t = 60)]
        interval: u64,
        #[arg(long)]
        json: bool,
    },
    /// Send mail from a connected Gmail account; the body from --body, --body-file or stdin.
    Send(commands::send::Args),
    /// Health of every Gmail inbox: state, last sync, progress, last error.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Disconnect a Gmail account: revoke at Google, delete the token, stop sync.
    Disconnect {
        address: String,
        #[arg(long)]
        json: bool,
    },
    /// Secure messages sent from here: status, sync, revoke, unlock.
    Secure {
        #[command(subcommand)]
        command: commands::secure::SecureCommand,
    },
    /// Team mode: sign in to a team server, status, the live connection, administration.
    Team {
        #[command(subcommand)]
        command: commands::team::TeamCommand,
    },
    /// Check the keychain, the database's integrity, the schema version and counts; reconcile
    /// the search index with the vault (indexes what is missing, removes what is stale).
    Doctor {
        #[arg(long)]
        json: bool,
    },
}

impl Command {
    fn json(&self) -> bool {
        match self {
            Command::Init { .. } | Command::Sanitize { .. } => false,
            Command::Import { json, .. }
            | Command::List { json, .. }
            | Command::Show { json, .. }
            | Command::Search { json, .. }
            | Command::Trash { json }
            | Command::Doctor { json }
            | Command::Sync { json, .. }
            | Command::Status { json }
            | Command::Disconnect { json, .. }
            | Command::Reprocess { json } => *json,
            Command::Send(args) => args.json,
            Command::Delete(args) | Command::Restore(args) => args.json,
            Command::Purge(args) => args.json,
            Command::Audit(args) => args.json(),
            Command::Settings { command } => command.json(),
            Command::Connect { command } => command.json(),
            Command::Keys { command } => command.json(),
            Command::Index { command } => command.json(),
            Command::Team { command } => command.json(),
            Command::Secure { command } => command.json(),
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let dir = cli.data_dir.unwrap_or_else(Helpr::default_data_dir);
    match cli.command {
        // doctor prints its report even when it fails, so with --json it reports the error inside
        // that one document.
        Command::Doctor { json } => commands::doctor::run(&dir, json).await,
        // sync prints every account's outcome, failed ones included, as one document.
        Command::Sync {
            account,
            watch,
            interval,
            json,
        } => {
            let args = commands::sync::Args {
                account,
                watch,
                interval,
                json,
            };
            commands::sync::run(&dir, args).await
        }
        command => dispatch(&dir, command).await.map_err(Failure::Core),
    }
}

async fn dispatch(dir: &std::path::Path, command: Command) -> Result<(), CoreError> {
    let dir = dir.to_path_buf();
    match command {
        Command::Init { tenant } => commands::init::run(&dir, &tenant).await,
        Command::Import { paths, json } => commands::import::run(&dir, paths, json).await,
        Command::List { json, limit } => commands::list::run(&dir, json, limit).await,
        Command::Show {
            id,
            json,
            html,
            remote_images,
            raw,
        } => {
            let view = match (html, remote_images) {
                _ if raw => commands::show::View::Raw,
                (true, _) => commands::show::View::Html,
                (_, true) => commands::show::View::RemoteImages,
                _ if json => commands::show::View::Json,
                _ => commands::show::View::Text,
            };
            commands::show::run(&dir, id, view).await
        }
        Command::Search {
            query,
            limit,
            offset,
            sort,
            json,
        } => {
            let args = commands::search::Args {
                query,
                limit,
                offset,
                sort,
                json,
            };
            commands::search::run(&dir, args).await
        }
        Command::Delete(args) => commands::lifecycle::delete(&dir, args).await,
        Command::Restore(args) => commands::lifecycle::restore(&dir, args).await,
        Command::Trash { json } => commands::lifecycle::trash(&dir, json).await,
        Command::Purge(args) => commands::lifecycle::purge(&dir, args).await,
        Command::Settings { command } => commands::lifecycle::settings(&dir, command).await,
        Command::Audit(args) => commands::lifecycle::audit(&dir, args).await,
        Command::Index { command } => commands::index::run(&dir, command).await,
        Command::Sanitize { file } => commands::sanitize::run(file.as_deref()).await,
        Command::Keys { command } => commands::keys::run(&dir, command).await,
        Command::Connect { command } => commands::connect::run(&dir, command).await,
        Command::Send(args) => commands::send::run(&dir, args).await,
        Command::Secure { command } => commands::secure::run(&dir, command).await,
        Command::Status { json } => commands::status::run(&dir, json).await,
        Command::Reprocess { json } => commands::reprocess::run(&dir, json).await,
        Command::Disconnect { address, json } => {
            commands::disconnect::run(&dir, &address, json).await
        }
        Command::Team { command } => commands::team::run(&dir, command).await,
        Command::Doctor { .. } | Command::Sync { .. } => unreachable!("run by `run`"),
    }
}

/// `helpr list | head` should end quietly like any Unix tool, not panic on a closed pipe.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    // SAFETY: the first statement of `main`; no other thread exists yet.
    #[cfg(target_os = "linux")]
    unsafe {
        helpr_core::session_bus::use_runtime_bus_if_unset()
    };
    restore_default_sigpipe();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HELPR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        // Closing spans report their time: `HELPR_LOG=helpr::phase=debug` shows where a command
        // spends it (see `output::phase`).
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, never into a file or a pipe.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let _main = phase!("main").entered();
    let setup = phase!("cli_setup").entered();
    let cli = Cli::parse();
    let json = cli.command.json();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("helpr: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    drop(setup);
    let (e, reported) = match runtime.block_on(run(cli)) {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Core(e)) => (e, false),
        Err(Failure::Reported(e)) => (e, true),
    };
    eprintln!("helpr: {}", output::safe(&e.to_string()));
    let code = if matches!(e, CoreError::Locked(_)) {
        3
    } else {
        1
    };
    if json && !reported {
        output::print_json(&serde_json::json!({
            "error": helpr_core::ErrorPayload::from(e)
        }));
    }
    ExitCode::from(code)
}
