//! `hostile`: what hostile input and a busy vault cost (issue 13), each beside a baseline
//! measured in the same run on the same input:
//! - sanitizing `<div>` (and `<blockquote type=cite>`) nested n = 25k, 50k, 100k deep, helpr's
//!   sanitize beside ammonia's `clean` alone (goal: linear, ≤ 0.3 s at 100k);
//! - the peak RSS of `helpr import` of one 50 MB message (goal: ≤ 3× the message);
//! - `helpr search` latency while `helpr import` of a large corpus runs, beside the same
//!   searches on the same vault once it is idle (goal: p99 ≤ 2× idle).
//!
//! It runs inside a keychain session (`cargo xtask bench hostile`): the vaults need one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The `helpr` binary (release) to run.
    #[arg(long)]
    pub helpr: PathBuf,
    /// A Maildir to import while searching.
    #[arg(long)]
    pub corpus: PathBuf,
    /// Where to write the figures as JSON.
    #[arg(long)]
    pub json: PathBuf,
    /// Repetitions of each sanitize measurement; the fastest counts.
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
}

const DEPTHS: [usize; 3] = [25_000, 50_000, 100_000];
const QUERIES: [&str; 4] = ["invoice", "from:priya", "refund OR vat", "\"dark mode\""];

fn nested(open: &str, close: &str, n: usize) -> String {
    format!("{}x{}", open.repeat(n), close.repeat(n))
}

fn best_of(rounds: u32, mut f: impl FnMut()) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
    }
    best
}

fn sanitize_figures(rounds: u32) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    println!("sanitize, nested elements (best of {rounds}; ammonia alone: one run)");
    println!("| shape      | depth   | helpr (s) | ammonia alone (s) | helpr / ammonia |");
    println!("|------------|---------|-----------|-------------------|-----------------|");
    for (shape, open, close) in [
        ("div", "<div>", "</div>"),
        ("blockquote", "<blockquote type=cite>", "</blockquote>"),
    ] {
        for n in DEPTHS {
            let html = nested(open, close, n);
            let helpr = best_of(rounds, || {
                std::hint::black_box(helpr_mail::sanitize(&html));
            });
            let ammonia = best_of(1, || {
                std::hint::black_box(ammonia::clean(&html));
            });
            println!(
                "| {shape:<10} | {n:>7} | {:>9.3} | {:>17.3} | {:>15.3} |",
                helpr.as_secs_f64(),
                ammonia.as_secs_f64(),
                helpr.as_secs_f64() / ammonia.as_secs_f64()
            );
            out.push(serde_json::json!({
                "shape": shape, "depth": n,
                "helpr_s": helpr.as_secs_f64(), "ammonia_s": ammonia.as_secs_f64(),
            }));
        }
    }
    out
}

fn helpr(bin: &Path, data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir").arg(data).args(args);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

fn run_ok(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("running {what}"))?;
    ensure!(status.success(), "{what} failed: {status}");
    Ok(())
}

/// This process's own peak resident set in bytes.
fn own_peak_rss() -> u64 {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a local.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as u64 * 1024
}

/// Runs `cmd` to its end; its peak resident set in bytes (from `wait4`).
///
/// Linux carries the spawning process's peak into the child's: the child starts on the parent's
/// memory (`vfork`/`fork`) and `exec` records that memory's high-water mark in the child's
/// `maxrss`. So this must run while the bench itself is small (before the sanitizer figures,
/// whose ammonia runs reach ~180 MB, which is what an earlier version reported as helpr's
/// peak), and a figure not above the bench's own peak is refused as unmeasured.
fn peak_rss(mut cmd: Command) -> anyhow::Result<u64> {
    let own = own_peak_rss();
    let child = cmd.spawn().context("starting helpr")?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, with valid pointers to locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    ensure!(pid > 0, "wait4 failed: {}", std::io::Error::last_os_error());
    ensure!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "helpr import failed"
    );
    let peak = usage.ru_maxrss as u64 * 1024;
    ensure!(
        peak > own,
        "helpr's peak RSS ({peak} bytes) is not above the bench's own ({own} bytes): \
         it cannot be told from the bench's"
    );
    Ok(peak)
}

/// One message of `size` bytes: a short text and a base64 attachment of random-looking bytes,
/// written line by line so the bench stays small (see `peak_rss`).
fn big_message(path: &Path, size: usize) -> anyhow::Result<()> {
    use base64::Engine;
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    write!(
        f,
        "From: Big <big@example.com>\r\nTo: team@example.com\r\nSubject: a 50 MB attachment\r\n\
Message-ID: <big@example.com>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
--B\r\nContent-Type: application/octet-stream; name=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )?;
    // 57 bytes make one 76-character base64 line.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut left = size / 4 * 3;
    let mut line = [0u8; 57];
    let mut encoded = String::with_capacity(80);
    while left > 0 {
        let n = left.min(line.len());
        for b in &mut line[..n] {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        encoded.clear();
        base64::engine::general_purpose::STANDARD.encode_string(&line[..n], &mut encoded);
        f.write_all(encoded.as_bytes())?;
        f.write_all(b"\r\n")?;
        left -= n;
    }
    f.write_all(b"\r\n--B--\r\n")?;
    f.flush()?;
    Ok(())
}

fn rss_figures(bin: &Path, work: &Path) -> anyhow::Result<serde_json::Value> {
    let data = work.join("rss-vault");
    run_ok(helpr(bin, &data, &["init"]), "helpr init")?;
    let message = work.join("big.eml");
    big_message(&message, 50_000_000)?;
    let size = std::fs::metadata(&message)?.len();
    let rss = peak_rss(helpr(bin, &data, &["import", message.to_str().unwrap()]))?;
    println!(
        "\nimport of one {:.1} MB message: peak RSS {:.1} MB = {:.2}× the message (goal ≤ 3×)",
        size as f64 / 1e6,
        rss as f64 / 1e6,
        rss as f64 / size as f64
    );
    Ok(serde_json::json!({"message_bytes": size, "peak_rss_bytes": rss}))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn search_once(bin: &Path, data: &Path, query: &str) -> anyhow::Result<f64> {
    let t = Instant::now();
    run_ok(
        helpr(bin, data, &["search", query, "--limit", "50"]),
        "helpr search",
    )?;
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

fn busy_figures(bin: &Path, corpus: &Path, work: &Path) -> anyhow::Result<serde_json::Value> {
    let data = work.join("busy-vault");
    run_ok(helpr(bin, &data, &["init"]), "helpr init")?;
    let mut import = helpr(bin, &data, &["import", corpus.to_str().unwrap()])
        .spawn()
        .context("starting the import")?;
    let started = Instant::now();
    let mut busy = Vec::new();
    // Searches from the first committed batch on (before it, there is nothing to search).
    while !data.join("vault.db-wal").exists() && import.try_wait()?.is_none() {
        std::thread::sleep(Duration::from_millis(10));
    }
    while import.try_wait()?.is_none() {
        busy.push(search_once(
            bin,
            &data,
            QUERIES[busy.len() % QUERIES.len()],
        )?);
    }
    let import_s = started.elapsed().as_secs_f64();
    ensure!(import.wait()?.success(), "the import failed");
    if busy.len() < 20 {
        bail!(
            "only {} searches ran during the import: use a larger corpus",
            busy.len()
        );
    }
    let mut idle = Vec::new();
    for i in 0..busy.len().max(100) {
        idle.push(search_once(bin, &data, QUERIES[i % QUERIES.len()])?);
    }
    for v in [&mut busy, &mut idle] {
        v.sort_by(f64::total_cmp);
    }
    let (bp50, bp99) = (percentile(&busy, 0.5), percentile(&busy, 0.99));
    let (ip50, ip99) = (percentile(&idle, 0.5), percentile(&idle, 0.99));
    println!(
        "\nhelpr search during an import of {} ({import_s:.0} s), as processes",
        corpus.display()
    );
    println!("| vault                 | searches | p50 (ms) | p99 (ms) |");
    println!("|-----------------------|----------|----------|----------|");
    println!(
        "| importing             | {:>8} | {bp50:>8.1} | {bp99:>8.1} |",
        busy.len()
    );
    println!(
        "| idle (same vault)     | {:>8} | {ip50:>8.1} | {ip99:>8.1} |",
        idle.len()
    );
    println!("busy / idle p99: {:.2} (goal ≤ 2)", bp99 / ip99);
    Ok(serde_json::json!({
        "import_s": import_s,
        "busy": {"searches": busy.len(), "p50_ms": bp50, "p99_ms": bp99},
        "idle": {"searches": idle.len(), "p50_ms": ip50, "p99_ms": ip99},
    }))
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let work = tempfile::Builder::new()
        .prefix("helpr-bench-hostile-")
        .tempdir()?;
    // First, while this process is small: see `peak_rss`.
    let rss = rss_figures(&args.helpr, work.path())?;
    let sanitize = sanitize_figures(args.rounds);
    let busy = busy_figures(&args.helpr, &args.corpus, work.path())?;
    let figures = serde_json::json!({"sanitize": sanitize, "import_rss": rss, "search_while_importing": busy});
    std::fs::write(&args.json, serde_json::to_vec_pretty(&figures)?)?;
    println!("\nfigures written to {}", args.json.display());
    Ok(())
}
