//! helpr-secure-bench: secure email under the clock, behind `cargo xtask bench secure` (issue
//! 17), which builds the `helpr-server` binary and this one in release mode and runs this in a
//! throw-away keychain session (the agent's vault needs one). Everything runs over real
//! sockets and TLS: the release server as a child process (so the memory read is its alone),
//! the google-emulator in this process, the agent's vault (helpr-core) in this process, and
//! Debian's Chromium.
//!
//! 1. [`rig`]: the organization, its shared inbox with Gmail connected, the agent's vault.
//! 2. [`send`]: "send secure" → the notification accepted by SMTP, beside ordinary mail;
//!    [`breakdown`]: of which sealing and posting the parts.
//! 3. [`browser`]: code entry → the decrypted thread painted in Chromium for a message with
//!    the large attachment, beside one without; Download → the file saved, beside the sealed
//!    part fetched.
//! 4. [`readers`]: the server's RSS while many readers open their messages at once, beside
//!    its RSS idle.
//! 5. [`report`]: the table and `target/bench/secure.json`.
//!
//! Figures are this machine's, printed beside their baselines and goals, never asserted.

mod breakdown;
mod browser;
mod error;
mod mail;
mod readers;
mod report;
mod rig;
mod send;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{ensure, Context};
use clap::Parser;
use helpr_core::team::secure::SecureOptions;
use rand::RngCore;

use crate::error::BenchError;

/// The sealed part's overhead: a 12-byte nonce and a 16-byte tag.
const SEALED_OVERHEAD: usize = 28;

#[derive(Debug, Parser)]
#[command(name = "helpr-secure-bench")]
pub struct Args {
    /// The `helpr-server` executable (release).
    #[arg(long)]
    pub server: PathBuf,
    /// Rounds of each timed send and of each Chromium measurement; the median counts.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// The timed message's attachment, in MiB.
    #[arg(long, default_value_t = 10)]
    pub size_mb: usize,
    /// Readers opening their messages at once.
    #[arg(long, default_value_t = 100)]
    pub readers: usize,
    /// Recipients per message in the readers' run (the server allows 50).
    #[arg(long, default_value_t = 10)]
    pub per_message: usize,
    /// The readers' messages' attachment, in KiB.
    #[arg(long, default_value_t = 1024)]
    pub reader_kib: usize,
    /// Where to write the figures as JSON.
    #[arg(long)]
    pub json: PathBuf,
}

/// What the machine and the run were.
pub struct Conditions {
    pub cores: usize,
    pub load_at_start: String,
    pub load_at_end: String,
    pub rounds: usize,
    pub size_mib: usize,
    pub readers: usize,
    pub reader_messages: usize,
    pub per_message: usize,
    pub reader_kib: usize,
}

/// The 1, 5 and 15 minute load averages.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(
        (1..=50).contains(&args.rounds),
        "--rounds is 1 to 50 (each Chromium round is a recipient of one message)"
    );
    ensure!(
        (1..=50).contains(&args.per_message),
        "--per-message is 1 to 50"
    );
    ensure!(args.readers > 0, "--readers is at least 1");
    let conditions = Conditions {
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_at_start: load(),
        load_at_end: String::new(),
        rounds: args.rounds,
        size_mib: args.size_mb,
        readers: args.readers,
        reader_messages: args.readers.div_ceil(args.per_message),
        per_message: args.per_message,
        reader_kib: args.reader_kib,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("a runtime")?;
    let root = tempfile::Builder::new()
        .prefix("helpr-secure-bench-")
        .tempdir()?;
    let figures = run(&args, &rt, root.path(), conditions)?;
    report::print(&figures);
    report::write_json(&args.json, &figures)
        .with_context(|| format!("writing {}", args.json.display()))?;
    println!("figures written to {}", args.json.display());
    Ok(())
}

fn run(
    args: &Args,
    rt: &tokio::runtime::Runtime,
    root: &std::path::Path,
    mut conditions: Conditions,
) -> Result<report::Figures, BenchError> {
    let emu = Arc::new(rt.block_on(rig::emulator())?);
    let launch = rig::launch(root, args.server.clone(), &emu)?;
    let server = launch.serve()?;
    println!(
        "[setup] helpr-server (pid {}) at {}",
        server.pid(),
        server.addr
    );
    let inbox = rt.block_on(rig::shared_inbox(&server))?;
    let agent = rt.block_on(rig::agent(&root.join("vault"), &server))?;
    println!("[setup] shared inbox connected; the agent's vault signed in and synced");

    let attachment = random_bytes(args.size_mb << 20);
    let sent = rt.block_on(send::measure(
        (&agent, &emu, &server),
        args.rounds,
        &attachment,
    ))?;
    let parts = rt.block_on(breakdown::measure(
        (&agent, &emu),
        inbox,
        args.rounds,
        &attachment,
    ))?;

    // Chromium: two messages, each to one reader per round.
    let chromium_readers: Vec<String> = (0..args.rounds)
        .map(|r| format!("chromium{r}@customer.test"))
        .collect();
    let mut links = Vec::new();
    for (subject, file) in [
        (
            "Documents with a file",
            Some(("documents.bin", &attachment[..])),
        ),
        ("Documents, no file", None),
    ] {
        let before = mail::count(&emu);
        let request = send::request(&chromium_readers, subject, file);
        rt.block_on(agent.send_secure(request, SecureOptions::default()))?;
        links.push(mail::notification_link(&mail::since(&emu, before))?.0);
    }
    let codes = mail::CodeBook::start(emu.clone(), mail::count(&emu));
    let chromium = browser::measure(
        &rig::certificate(&launch)?,
        root.join("downloads"),
        &codes,
        &browser::Opened {
            link: &links[0],
            subject: "Documents with a file",
            attachment: Some(("documents.bin", &attachment)),
        },
        &browser::Opened {
            link: &links[1],
            subject: "Documents, no file",
            attachment: None,
        },
        &chromium_readers,
    )?;
    drop(codes);

    // Readers: their messages sent, then the server restarted for a clean idle baseline.
    let reader_file = random_bytes(args.reader_kib << 10);
    let mut messages = Vec::new();
    let addresses: Vec<String> = (0..args.readers)
        .map(|i| format!("load{i}@customer.test"))
        .collect();
    for chunk in addresses.chunks(args.per_message) {
        let request = send::request(chunk, "Statement", Some(("statement.bin", &reader_file)));
        let sent = rt.block_on(agent.send_secure(request, SecureOptions::default()))?;
        messages.push(readers::Message {
            id: sent.id,
            readers: chunk.to_vec(),
        });
    }
    println!(
        "[readers] {} messages sent to {} readers",
        messages.len(),
        args.readers
    );
    rt.block_on(async move { drop(agent) });
    drop(server);
    let server = launch.serve()?;
    println!(
        "[readers] helpr-server restarted (pid {}) at {}",
        server.pid(),
        server.addr
    );
    let codes = Arc::new(mail::CodeBook::start(emu.clone(), mail::count(&emu)));
    let readers = rt.block_on(readers::run(
        &server,
        codes,
        &messages,
        reader_file.len() + SEALED_OVERHEAD,
    ))?;
    drop(server);
    conditions.load_at_end = load();
    Ok(report::Figures {
        conditions,
        send: sent,
        parts,
        chromium,
        readers,
    })
}
