//! `cargo xtask bench <name>`: benchmarks, never tests. Each prepares its input here, builds
//! `helpr-bench` in release mode and runs it; figures print beside a baseline measured in the
//! same run and land as JSON in `target/bench/<name>.json` under the workspace root.
//!
//! - `pipeline [--messages N] [--seed S] [--rounds R]`: parse, sanitize and the whole mail
//!   pipeline vs ammonia alone, on a seeded sample Maildir (issue 3).
//! - `search [--messages N] [--seed S] [--rounds R]`: import throughput, search latency and
//!   index size vs notmuch and mu (issue 4; [`search`]).
//! - `hostile [--messages N] [--seed S] [--rounds R]`: deep nesting through the sanitizer vs
//!   ammonia alone, peak RSS importing a 50 MB message, and search latency while a large
//!   import runs vs idle (issue 13). It runs inside a throw-away keychain session.
//! - `lifecycle [--messages N] [--seed S]`: soft delete → absent from search, the purge's
//!   throughput with `secure_delete`, and audit `verify` of 100,000 entries (issue 14).
//! - `desktop [--messages N] [--seed S] [--runs R]`: the release desktop app on a vault of N
//!   messages under Xvfb, driven over WebDriver: start → list painted (cold and warm), memory
//!   after scrolling 10,000 rows, scroll frame times, keystroke → search results painted, each
//!   beside the CLI's same figure (issue 15). It runs inside a throw-away keychain session.
//! - `sync [--messages N] [--seed S]`: a full Gmail sync against the emulator at Google's
//!   quota, as a fraction of the quota-bound rate, and new-message-to-searchable latency
//!   (issue 5). It runs inside a throw-away keychain session (the vault needs one).
//! - `server [--sessions N] [--users U] [--changes C] [--seconds S] [--no-postgres]`: the team
//!   server's release binary under N WebSocket sessions, alone on SQLite and as two replicas on
//!   one throw-away PostgreSQL 15 cluster: access change → last affected session's new snapshot
//!   (p50/p99/max beside the goals), the entitlement-filtered list's requests/s beside the
//!   unfiltered one, and the server's RSS per 1,000 sessions (issue 16; `helpr-server-bench`).
//! - `secure [--rounds R] [--size-mb M] [--readers N] [--per-message P] [--reader-kib K]`:
//!   secure email (issue 17; `helpr-secure-bench`): send secure → notification accepted by
//!   SMTP beside ordinary mail; code entry → decrypted thread painted in Chromium for a message
//!   with an M MiB attachment beside one without, and Download → file saved beside the sealed
//!   part fetched (goal ≤ 1 s); the release server's RSS while N readers open their messages
//!   at once beside its RSS idle. It runs inside a throw-away keychain session.

mod helpr;
mod measure;
mod mu;
mod notmuch;
mod phases;
mod report;
mod search;

use std::path::PathBuf;

use anyhow::Result;

use crate::{process, sample_mail, workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub bench: Bench,
}

#[derive(Debug, clap::Subcommand)]
pub enum Bench {
    /// Mail pipeline throughput: parse, sanitize, whole pipeline, vs ammonia alone.
    Pipeline {
        /// Sample messages to generate.
        #[arg(long, default_value_t = 2000)]
        messages: usize,
        /// Seed of the sample generator (same seed, same mail).
        #[arg(long, default_value_t = sample_mail::DEFAULT_SEED)]
        seed: u64,
        /// Repetitions per stage; the fastest counts.
        #[arg(long, default_value_t = 5)]
        rounds: u32,
    },
    /// Import, search latency and index size: helpr vs notmuch and mu, 30 like-for-like queries.
    Search(search::Args),
    /// Hostile input and a busy vault: nesting vs ammonia, a 50 MB message's peak RSS, searches
    /// during a large import vs idle.
    Hostile {
        /// Sample messages in the corpus imported while searching.
        #[arg(long, default_value_t = 120_000)]
        messages: usize,
        #[arg(long, default_value_t = sample_mail::DEFAULT_SEED)]
        seed: u64,
        /// Repetitions of each sanitize measurement; the fastest counts.
        #[arg(long, default_value_t = 3)]
        rounds: u32,
    },
    /// Lifecycle costs on a large vault: delete → absent from search, purge throughput with
    /// secure_delete, audit verify of 100,000 entries.
    Lifecycle {
        /// Sample messages imported into the bench vault.
        #[arg(long, default_value_t = 100_000)]
        messages: usize,
        #[arg(long, default_value_t = sample_mail::DEFAULT_SEED)]
        seed: u64,
    },
    /// The desktop app on a large vault: start → list painted, memory after scrolling, scroll
    /// frame times, search as you type; beside `helpr list` and `helpr search`.
    Desktop {
        /// Sample messages imported into the bench vault.
        #[arg(long, default_value_t = 100_000)]
        messages: usize,
        #[arg(long, default_value_t = sample_mail::DEFAULT_SEED)]
        seed: u64,
        /// Starts per kind (cold, warm); the median counts.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// The team server under WebSocket sessions, alone (SQLite) and as two replicas
    /// (PostgreSQL): access change → last affected snapshot, filtered vs unfiltered list
    /// requests/s, RSS per 1,000 sessions.
    Server {
        /// WebSocket sessions held open, each a sign-in of its own.
        #[arg(long, default_value_t = 1000)]
        sessions: usize,
        /// Agents in the organization (at most 5 sessions each).
        #[arg(long, default_value_t = 1000)]
        users: usize,
        /// Access changes of each kind (member, visibility) per setup.
        #[arg(long, default_value_t = 50)]
        changes: usize,
        /// Seconds per round of the list throughput.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Only the single server on SQLite.
        #[arg(long)]
        no_postgres: bool,
    },
    /// Secure email: send secure vs send, code entry → decrypted thread painted in Chromium
    /// (10 MB attachment vs none), Download vs fetch, server RSS with 100 readers vs idle.
    Secure {
        /// Rounds of each timed send and Chromium measurement; the median counts.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// The timed message's attachment, in MiB.
        #[arg(long, default_value_t = 10)]
        size_mb: usize,
        /// Readers opening their messages at once.
        #[arg(long, default_value_t = 100)]
        readers: usize,
        /// Recipients per message in the readers' run (the server allows 50).
        #[arg(long, default_value_t = 10)]
        per_message: usize,
        /// The readers' messages' attachment, in KiB.
        #[arg(long, default_value_t = 1024)]
        reader_kib: usize,
    },
    /// Full Gmail sync at Google's quota (fraction of the quota-bound rate); arrival → searchable.
    Sync {
        /// Synthetic messages in the emulator's mailbox.
        #[arg(long, default_value_t = 5000)]
        messages: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

fn bench_dir() -> PathBuf {
    workspace::root().join("target").join("bench")
}

pub fn run(args: &Args) -> Result<()> {
    match &args.bench {
        Bench::Pipeline {
            messages,
            seed,
            rounds,
        } => pipeline(*messages, *seed, *rounds),
        Bench::Search(search_args) => search::run(search_args),
        Bench::Sync { messages, seed } => sync(*messages, *seed),
        Bench::Server {
            sessions,
            users,
            changes,
            seconds,
            no_postgres,
        } => server(*sessions, *users, *changes, *seconds, *no_postgres),
        Bench::Secure {
            rounds,
            size_mb,
            readers,
            per_message,
            reader_kib,
        } => secure(&[
            ("--rounds", rounds),
            ("--size-mb", size_mb),
            ("--readers", readers),
            ("--per-message", per_message),
            ("--reader-kib", reader_kib),
        ]),
        Bench::Lifecycle { messages, seed } => lifecycle(*messages, *seed),
        Bench::Desktop {
            messages,
            seed,
            runs,
        } => desktop(*messages, *seed, *runs),
        Bench::Hostile {
            messages,
            seed,
            rounds,
        } => hostile(*messages, *seed, *rounds),
    }
}

fn hostile(messages: usize, seed: u64, rounds: u32) -> Result<()> {
    crate::deps::ensure_packages(&[crate::deps::KEYCHAIN_PACKAGES])?;
    let corpus = bench_dir().join(format!("hostile-corpus-{seed}-{messages}"));
    ensure_corpus(&corpus, seed, messages)?;
    let helpr = workspace::build_cli_release()?;
    let bench = workspace::build_bench_release()?;
    let task: Vec<std::ffi::OsString> = vec![
        "run".into(),
        "--".into(),
        bench.into(),
        "hostile".into(),
        "--helpr".into(),
        helpr.into(),
        "--corpus".into(),
        corpus.into(),
        "--rounds".into(),
        rounds.to_string().into(),
        "--json".into(),
        bench_dir().join("hostile.json").into(),
    ];
    crate::keychain::run(&task, crate::keychain::Display::Inherit)
}

fn lifecycle(messages: usize, seed: u64) -> Result<()> {
    crate::deps::ensure_packages(&[crate::deps::KEYCHAIN_PACKAGES])?;
    let corpus = bench_dir().join(format!("lifecycle-corpus-{seed}-{messages}"));
    ensure_corpus(&corpus, seed, messages)?;
    let bench = workspace::build_bench_release()?;
    let task: Vec<std::ffi::OsString> = vec![
        "run".into(),
        "--".into(),
        bench.into(),
        "lifecycle".into(),
        "--corpus".into(),
        corpus.into(),
        "--json".into(),
        bench_dir().join("lifecycle.json").into(),
    ];
    crate::keychain::run(&task, crate::keychain::Display::Inherit)
}

fn desktop(messages: usize, seed: u64, runs: usize) -> Result<()> {
    crate::deps::ensure_packages(&[
        crate::deps::DESKTOP_PACKAGES,
        crate::deps::E2E_PACKAGES,
        crate::deps::KEYCHAIN_PACKAGES,
    ])?;
    let tauri_driver = crate::deps::ensure_tauri_driver()?;
    crate::deps::ensure_node()?;
    crate::deps::npm_install()?;
    process::run(crate::deps::npm().args(["run", "build"]))?;
    let corpus = bench_dir().join(format!("desktop-corpus-{seed}-{messages}"));
    ensure_corpus(&corpus, seed, messages)?;
    let helpr = workspace::build_cli_release()?;
    let app = workspace::build_desktop_release()?;
    let bench = workspace::build_bench_release()?;
    let task: Vec<std::ffi::OsString> = vec![
        "run".into(),
        "--".into(),
        bench.into(),
        "desktop".into(),
        "--helpr".into(),
        helpr.into(),
        "--desktop".into(),
        app.into(),
        "--tauri-driver".into(),
        tauri_driver.into(),
        "--corpus".into(),
        corpus.into(),
        "--runs".into(),
        runs.to_string().into(),
        "--json".into(),
        bench_dir().join("desktop.json").into(),
    ];
    let display = crate::xvfb::VirtualDisplay::start()?;
    crate::keychain::run(&task, crate::keychain::Display::X11(display.display()))
}

fn sync(messages: usize, seed: u64) -> Result<()> {
    crate::deps::ensure_packages(&[crate::deps::KEYCHAIN_PACKAGES])?;
    let bench = workspace::build_bench_release()?;
    let json = bench_dir().join("sync.json");
    let task: Vec<std::ffi::OsString> = vec![
        "run".into(),
        "--".into(),
        bench.into(),
        "sync".into(),
        "--messages".into(),
        messages.to_string().into(),
        "--seed".into(),
        seed.to_string().into(),
        "--json".into(),
        json.into(),
    ];
    crate::keychain::run(&task, crate::keychain::Display::Inherit)
}

fn server(
    sessions: usize,
    users: usize,
    changes: usize,
    seconds: u64,
    no_postgres: bool,
) -> Result<()> {
    if !no_postgres {
        crate::deps::ensure_packages(&[crate::deps::POSTGRES_PACKAGES])?;
    }
    let (server, bench) = workspace::build_server_bench_release()?;
    let mut cmd = std::process::Command::new(bench);
    cmd.arg("--server")
        .arg(server)
        .args(["--sessions", &sessions.to_string()])
        .args(["--users", &users.to_string()])
        .args(["--changes", &changes.to_string()])
        .args(["--seconds", &seconds.to_string()])
        .arg("--json")
        .arg(bench_dir().join("server.json"));
    if no_postgres {
        cmd.arg("--no-postgres");
    }
    process::run(&mut cmd)
}

/// Builds the server and `helpr-secure-bench` in release and runs the bench with `flags` in a
/// throw-away keychain session (the agent's vault); Chromium must be installed.
fn secure(flags: &[(&str, &usize)]) -> Result<()> {
    crate::deps::ensure_packages(&[
        crate::deps::BROWSER_PACKAGES,
        crate::deps::KEYCHAIN_PACKAGES,
    ])?;
    let (server, bench) = workspace::build_secure_bench_release()?;
    let mut task: Vec<std::ffi::OsString> = vec![
        "run".into(),
        "--".into(),
        bench.into(),
        "--server".into(),
        server.into(),
        "--json".into(),
        bench_dir().join("secure.json").into(),
    ];
    for (flag, value) in flags {
        task.push((*flag).into());
        task.push(value.to_string().into());
    }
    crate::keychain::run(&task, crate::keychain::Display::Inherit)
}

/// `cargo run --release -p helpr-bench -- SUBCOMMAND` (arguments follow).
fn helpr_bench(subcommand: &str) -> std::process::Command {
    let mut cmd = workspace::cargo();
    cmd.args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "helpr-bench",
        "--",
        subcommand,
    ]);
    cmd
}

/// The cached seeded corpus in `corpus`, generated when missing (into a `.partial` folder renamed
/// at the end, so an interrupted run never leaves a half corpus that looks complete).
fn ensure_corpus(corpus: &std::path::Path, seed: u64, count: usize) -> Result<()> {
    if corpus.join("cur").is_dir() {
        println!("cached: {}", corpus.display());
        return Ok(());
    }
    let partial = corpus.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    let summary = sample_mail::write_maildir(&partial, &sample_mail::Options { seed, count })?;
    std::fs::rename(&partial, corpus)
        .map_err(|e| anyhow::anyhow!("could not move the corpus to {}: {e}", corpus.display()))?;
    println!("{}: {summary}", corpus.display());
    Ok(())
}

fn pipeline(messages: usize, seed: u64, rounds: u32) -> Result<()> {
    let corpus = bench_dir().join(format!("pipeline-corpus-{seed}-{messages}"));
    ensure_corpus(&corpus, seed, messages)?;
    process::run(
        helpr_bench("pipeline")
            .arg("--maildir")
            .arg(&corpus)
            .arg("--json")
            .arg(bench_dir().join("pipeline.json"))
            .args(["--rounds", &rounds.to_string()]),
    )
}
