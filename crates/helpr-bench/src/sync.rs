//! `sync`: a full Gmail sync of N synthetic messages against the google-emulator enforcing
//! Google's per-user quota (250 units/s; messages.get costs 5, so at most 50 messages/s),
//! through helpr-core exactly as `helpr sync` runs it (OAuth over loopback, HTTPS with the
//! emulator's test CA, pipeline, vault, index). The baseline is the quota-bound rate itself:
//! the figure is the fraction of it helpr achieves. Then the latency from a new message
//! arriving at Gmail to it being searchable (one incremental sync, then a search).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use google_emulator::{Config, Emulator, OAuthConfig};
use helpr_core::{Helpr, SearchOptions, SyncOptions};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 5000)]
    messages: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// New messages timed from arrival to searchable.
    #[arg(long, default_value_t = 5)]
    latency_rounds: usize,
    #[arg(long)]
    json: Option<PathBuf>,
}

const ACCOUNT: &str = "user@example.com";
/// Gmail's per-user budget and messages.get's cost.
const UNITS_PER_SECOND: f64 = 250.0;
const GET_COST: f64 = 5.0;

pub fn run(args: &Args) -> Result<()> {
    ensure!(args.messages > 0, "--messages must be at least 1");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(bench(args))
}

async fn bench(args: &Args) -> Result<()> {
    let emu = Emulator::start_with_oauth(
        Config::default(),
        OAuthConfig {
            auto_approve: true,
            ..OAuthConfig::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mail = google_emulator::generate::generate(args.seed, args.messages, ACCOUNT);
    emu.seed_messages(mail);
    let dir = tempfile::Builder::new()
        .prefix("helpr-bench-sync-")
        .tempdir()?;
    let helpr = Helpr::init(&dir.path().join("data"), "bench").await?;
    let config = helpr_gmail::GmailConfig::from_toml(&emu.helpr_config_toml())?;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()?;
    let handle = tokio::runtime::Handle::current();
    helpr
        .connect_gmail(config, move |url| {
            let url = url.to_owned();
            handle.spawn(async move { browser.get(url).send().await });
            Ok(())
        })
        .await?;

    println!(
        "full sync of {} messages against the emulator at {UNITS_PER_SECOND} units/s …",
        args.messages
    );
    let started = Instant::now();
    let outcomes = helpr
        .sync_gmail(None, SyncOptions::default(), Arc::new(|_, _| {}))
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let outcome = outcomes.first().context("no account synced")?;
    let added = outcome.summary.map(|s| s.added).unwrap_or(0);
    let stats = outcome.stats;
    if let Some(e) = &outcome.error {
        println!("sync error: {} {}", e.code, e.message);
    }
    let failed = args.messages as u64 - added.min(args.messages as u64);
    let msgs_per_s = added as f64 / seconds;
    let bound = UNITS_PER_SECOND / GET_COST;
    let fraction = msgs_per_s / bound;

    // Arrival → searchable.
    let mut latencies = Vec::new();
    for i in 0..args.latency_rounds {
        let word = format!("latencyprobe{i}x{}", args.seed);
        let raw = format!(
            "From: Probe <probe@example.org>\r\nTo: {ACCOUNT}\r\nSubject: probe {i}\r\n\
             Message-ID: <probe-{i}-{}@bench>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\n{word}\r\n",
            args.seed
        );
        let t = Instant::now();
        emu.add_message(raw.into_bytes(), &["INBOX", "UNREAD"]);
        helpr
            .sync_gmail(None, SyncOptions::default(), Arc::new(|_, _| {}))
            .await?;
        let page = helpr.search(word, SearchOptions::default()).await?;
        ensure!(page.total == 1, "probe {i} not searchable after sync");
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let median = latencies
        .get(latencies.len() / 2)
        .copied()
        .unwrap_or(Duration::ZERO);
    let max = latencies.last().copied().unwrap_or(Duration::ZERO);

    println!();
    println!("| figure | helpr | quota bound | |");
    println!("|---|---|---|---|");
    println!(
        "| full sync | {msgs_per_s:.1} msgs/s ({seconds:.1} s) | {bound:.0} msgs/s | {:.1}% (goal ≥ 90%) |",
        fraction * 100.0
    );
    println!("| failed messages | {failed} | 0 | |");
    if let Some(s) = stats {
        println!(
            "| requests / retries / 401 refreshes | {} / {} / {} | | |",
            s.requests, s.retries, s.refreshes_after_401
        );
    }
    println!(
        "| new message → searchable | median {:.0} ms, max {:.0} ms | | incremental sync + search |",
        median.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
    let doc = serde_json::json!({
        "messages": args.messages,
        "seconds": seconds,
        "msgs_per_s": msgs_per_s,
        "quota_bound_msgs_per_s": bound,
        "fraction_of_quota": fraction,
        "failed": failed,
        "requests": stats.map(|s| s.requests),
        "retries": stats.map(|s| s.retries),
        "incremental_to_searchable_ms_median": median.as_secs_f64() * 1e3,
        "incremental_to_searchable_ms_max": max.as_secs_f64() * 1e3,
        "latency_rounds": args.latency_rounds,
    });
    if let Some(path) = &args.json {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(&doc)?)?;
        println!("\nwrote {}", path.display());
    }
    Ok(())
}
