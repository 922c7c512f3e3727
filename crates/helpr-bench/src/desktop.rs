//! `desktop`: the desktop app on a large vault (issue 15), tried as a new user would: a release
//! build under Xvfb, a vault filled with `helpr import`, the app started and driven over
//! WebDriver (tauri-driver + WebKitWebDriver). Each figure beside its goal and beside the CLI's
//! same figure measured in the same run:
//!
//! - start → first conversation list painted (the UI's `helpr:list-painted` performance mark,
//!   set in the frame after the first rows render, on the page's clock, against the wall clock
//!   when the WebDriver session was requested), cold (page cache dropped, when run as root) and
//!   warm, median of `runs` (goal ≤ 1.0 s); beside `helpr list --limit 100` (one page) and
//!   `helpr list` of every message, as processes;
//! - memory of the whole app (PSS summed over helpr-desktop and its WebKit processes) idle,
//!   right after scrolling through 10,000 rows, and 30 s later (goal ≤ 250 MB; the table
//!   measures 30 s after), each split by process into heap, mapped files and shared memory;
//! - scroll frame times while scrolling those rows at a steady speed (the position follows the
//!   clock, not the frame count, so a faster-painting window does not scroll faster): p50/p99 of
//!   the interval between frames (goal p99 ≤ 16 ms, one 60 Hz frame plus rounding: 16.7), and
//!   the share of frames that showed a row not loaded yet;
//! - search as you type: from each keystroke (an `input` event in the search field, as typing
//!   makes) to its results painted (the list reports the query it shows and that it is no longer
//!   searching, then one frame), p50/p99 (goal p99 ≤ 100 ms); beside `helpr search` as a process
//!   for the finished queries.
//!
//! It runs inside a throw-away keychain session on a virtual display (`cargo xtask bench
//! desktop`), so the bench vault's key goes with it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, ensure, Context};
use fantoccini::{Client, ClientBuilder};
use helpr_tests::desktop::TauriDriver;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The release `helpr` CLI (imports the corpus; the baseline).
    #[arg(long)]
    pub helpr: PathBuf,
    /// The release desktop app, with the UI embedded.
    #[arg(long)]
    pub desktop: PathBuf,
    /// `tauri-driver`.
    #[arg(long)]
    pub tauri_driver: PathBuf,
    /// A Maildir to import into a fresh vault.
    #[arg(long)]
    pub corpus: PathBuf,
    /// Starts per kind (cold, warm); the median counts.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Where to write the figures as JSON.
    #[arg(long)]
    pub json: PathBuf,
}

/// Rows scrolled through for the memory and frame-time figures.
const SCROLL_ROWS: u32 = 10_000;
/// The slowest keystrokes listed, each beside core's search through the IPC for its text.
const SLOWEST_SHOWN: usize = 5;
/// Conversation pages asked for through the IPC for the page figure.
const PAGE_CALLS: u32 = 20;
/// How long after scrolling the memory is measured again (as the table measures it).
const SETTLE: Duration = Duration::from_secs(30);
/// Scrolling speed in rows per second (a fast flick held: 8 rows per 60 Hz frame, 10,000 rows
/// in ~21 s).
const ROWS_PER_SECOND: u32 = 480;
/// How long the app may take to paint its list before the run fails.
const PAINT_DEADLINE: Duration = Duration::from_secs(180);
/// Queries typed character by character for search as you type (words of the sample mail).
const TYPED: &[&str] = &["invoice", "from:alice", "meeting notes", "subject:report"];
/// Pause between keystrokes when the results came sooner: a fast typist.
const KEYSTROKE_GAP_MS: u32 = 120;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

fn median(samples: &mut [f64]) -> f64 {
    percentile(samples, 50.0)
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// Drops the page cache (root only); `false` when it could not.
fn drop_caches() -> bool {
    let synced = Command::new("sync").status().is_ok_and(|s| s.success());
    synced && std::fs::write("/proc/sys/vm/drop_caches", "3\n").is_ok()
}

/// Runs `helpr --data-dir DATA ARGS…` with its output discarded; its wall time in ms.
fn helpr_ms(helpr: &Path, data: &Path, args: &[&str]) -> anyhow::Result<f64> {
    let started = Instant::now();
    let status = Command::new(helpr)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .with_context(|| format!("running helpr {args:?}"))?;
    ensure!(status.success(), "helpr {args:?} failed: {status}");
    Ok(started.elapsed().as_secs_f64() * 1e3)
}

/// The median wall time of `runs` runs of `helpr ARGS…`, each after dropping the page cache
/// when `cold`.
fn cli_median(
    helpr: &Path,
    data: &Path,
    args: &[&str],
    runs: usize,
    cold: bool,
) -> anyhow::Result<f64> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        if cold {
            drop_caches();
        }
        samples.push(helpr_ms(helpr, data, args)?);
    }
    Ok(median(&mut samples))
}

/// Starts the app on `data` through a WebDriver session; the wall clock (epoch ms) at the
/// request.
async fn launch(driver: &TauriDriver, app: &Path, data: &Path) -> anyhow::Result<(Client, f64)> {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("wry"));
    capabilities.insert(
        "tauri:options".into(),
        json!({ "application": app, "args": ["--data-dir", data] }),
    );
    let requested = epoch_ms();
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url())
        .await
        .with_context(|| format!("starting the app; driver output:\n{}", driver.log()))?;
    Ok((client, requested))
}

/// Waits for the UI's list-painted mark; its time on the wall clock (epoch ms).
async fn painted_at(client: &Client) -> anyhow::Result<f64> {
    let deadline = Instant::now() + PAINT_DEADLINE;
    loop {
        let at = client
            .execute(
                "const m = performance.getEntriesByName('helpr:list-painted')[0];
                 return m === undefined ? null : performance.timeOrigin + m.startTime;",
                vec![],
            )
            .await?;
        if let Some(at) = at.as_f64() {
            return Ok(at);
        }
        if Instant::now() > deadline {
            bail!("the conversation list was not painted within {PAINT_DEADLINE:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Proportional set size of one process (KiB), from `/proc/PID/smaps_rollup`: the total, and
/// the parts that are its own heap (anonymous), mapped files (libraries) and shared memory.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct Pss {
    process: String,
    total: u64,
    anon: u64,
    file: u64,
    shmem: u64,
}

/// [`Pss`] of `pid` and every process below it, one entry per process.
fn tree_pss(pid: u32) -> Vec<Pss> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        if let Ok(rollup) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) {
            let field = |name: &str| {
                rollup
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let process = std::fs::read_to_string(format!("/proc/{p}/comm"))
                .unwrap_or_default()
                .trim()
                .to_owned();
            out.push(Pss {
                process,
                total: field("Pss:"),
                anon: field("Pss_Anon:"),
                file: field("Pss_File:"),
                shmem: field("Pss_Shmem:"),
            });
        }
        let tasks = std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten();
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            todo.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    out
}

/// The sum of [`tree_pss`] in MiB.
fn total_mib(parts: &[Pss]) -> f64 {
    parts.iter().map(|p| p.total).sum::<u64>() as f64 / 1024.0
}

/// One line per process: `name total (anon/file/shmem)` in MiB.
fn pss_lines(parts: &[Pss]) -> String {
    parts
        .iter()
        .map(|p| {
            format!(
                "  {:<22} {:>5.0} MiB (heap {:.0}, files {:.0}, shared {:.0})",
                p.process,
                p.total as f64 / 1024.0,
                p.anon as f64 / 1024.0,
                p.file as f64 / 1024.0,
                p.shmem as f64 / 1024.0
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The pid of the running app (`/proc/*/exe` is `app`).
fn app_pid(app: &Path) -> anyhow::Result<u32> {
    let app = app.canonicalize()?;
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == app) {
            return Ok(pid);
        }
    }
    bail!("the app {} is not running", app.display())
}

/// Scrolls the list through `SCROLL_ROWS` rows at `ROWS_PER_SECOND`, placing it once per frame;
/// the frame intervals (ms) and how many frames showed a row still loading.
async fn scroll(client: &Client) -> anyhow::Result<(Vec<f64>, u64)> {
    let out = client
        .execute_async(
            "const [rows, perSecond, done] = arguments;
             const list = document.querySelector('[data-testid=row-list]');
             const end = rows * 56;
             const intervals = []; let blank = 0; let last = null; let start = null;
             function frame(now) {
               if (last !== null) intervals.push(now - last);
               else start = now;
               last = now;
               if (document.querySelector('[data-testid=row-skeleton]') !== null) blank += 1;
               const y = Math.min(end, (now - start) * perSecond * 56 / 1000);
               list.scrollTop = y;
               if (y < end) requestAnimationFrame(frame);
               else done({ intervals, blank });
             }
             requestAnimationFrame(frame);",
            vec![json!(SCROLL_ROWS), json!(ROWS_PER_SECOND)],
        )
        .await?;
    let intervals = out["intervals"]
        .as_array()
        .context("no frame intervals")?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    Ok((intervals, out["blank"].as_u64().unwrap_or(0)))
}

/// Asks core for `PAGE_CALLS` pages of the whole list at scattered offsets through the
/// window's IPC, as the list does; the ms of each (core's kept order serves them all while
/// the vault does not change).
async fn page_calls(client: &Client) -> anyhow::Result<Vec<f64>> {
    let out = client
        .execute_async(
            "const [calls, done] = arguments;
             (async () => {
               const took = [];
               for (let i = 0; i < calls; i++) {
                 const offset = ((i * 7919) % 1000) * 100;
                 const started = performance.now();
                 await window.__TAURI_INTERNALS__.invoke('conversations', {
                   query: { inbox: null, label: null, limit: 100, offset },
                 });
                 took.push(performance.now() - started);
               }
               done(took);
             })().catch(e => done(String(e)));",
            vec![json!(PAGE_CALLS)],
        )
        .await?;
    Ok(out
        .as_array()
        .with_context(|| format!("no page timings: {out}"))?
        .iter()
        .filter_map(Value::as_f64)
        .collect())
}

/// The ms of one `search_messages` call for `text` through the window's IPC, as the search box
/// makes it (the median of three, the index warm).
async fn search_call_ms(client: &Client, text: &str) -> anyhow::Result<f64> {
    let out = client
        .execute_async(
            "const [query, done] = arguments;
             (async () => {
               const took = [];
               for (let i = 0; i < 3; i++) {
                 const started = performance.now();
                 // A malformed query's error is its answer, timed the same.
                 await window.__TAURI_INTERNALS__.invoke('search_messages', {
                   query: query.trim(), options: { limit: 50, offset: 0, sort: 'date' },
                 }).catch(() => null);
                 took.push(performance.now() - started);
               }
               took.sort((a, b) => a - b);
               done(took[1]);
             })().catch(e => done(String(e)));",
            vec![json!(text)],
        )
        .await?;
    out.as_f64()
        .with_context(|| format!("no search timing for a typed query: {out}"))
}

/// Types each query of `TYPED` into the search box a character at a time; for each keystroke,
/// the text then in the box and the ms until its results were painted.
async fn type_queries(client: &Client) -> anyhow::Result<Vec<(String, f64)>> {
    let out = client
        .execute_async(
            "const [queries, gap, done] = arguments;
             const input = document.querySelector('[data-testid=search-input]');
             const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
             const frame = () => new Promise(r => requestAnimationFrame(() => r()));
             const sleep = ms => new Promise(r => setTimeout(r, ms));
             const shows = q => {
               const h = document.querySelector('[data-testid=list-count]');
               return h !== null && h.dataset.query === q && h.dataset.state === 'ready';
             };
             const latencies = [];
             (async () => {
               for (const query of queries) {
                 input.focus();
                 setValue.call(input, '');
                 input.dispatchEvent(new Event('input', { bubbles: true }));
                 while (document.querySelector('[data-testid=list-count]')?.dataset.query !== undefined) await frame();
                 for (let i = 1; i <= query.length; i++) {
                   const text = query.slice(0, i);
                   const started = performance.now();
                   setValue.call(input, text);
                   input.dispatchEvent(new Event('input', { bubbles: true }));
                   if (text.trim() === query.slice(0, i - 1).trim()) { await sleep(gap); continue; }
                   while (!shows(text.trim())) await frame();
                   await frame();
                   const took = performance.now() - started;
                   latencies.push([text, took]);
                   if (took < gap) await sleep(gap - took);
                 }
               }
               setValue.call(input, '');
               input.dispatchEvent(new Event('input', { bubbles: true }));
               done(latencies);
             })().catch(e => done(String(e)));",
            vec![json!(TYPED), json!(KEYSTROKE_GAP_MS)],
        )
        .await?;
    Ok(out
        .as_array()
        .with_context(|| format!("no keystroke latencies: {out}"))?
        .iter()
        .filter_map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_f64()?)))
        .collect())
}

/// One start of the app: ms from the session request to the list painted.
async fn start_once(
    driver: &TauriDriver,
    app: &Path,
    data: &Path,
) -> anyhow::Result<(Client, f64, String)> {
    let (client, requested) = launch(driver, app, data).await?;
    let painted = painted_at(&client).await?;
    let phases = start_phases(&client, app, requested, painted).await?;
    Ok((client, painted - requested, phases))
}

/// Where one start's time went, as wall-clock offsets from the request: the app's process
/// started, the page's navigation began, its script ran (DOMContentLoaded), the list painted.
async fn start_phases(
    client: &Client,
    app: &Path,
    requested: f64,
    painted: f64,
) -> anyhow::Result<String> {
    let page = client
        .execute(
            "const n = performance.getEntriesByType('navigation')[0];
             return [performance.timeOrigin, n ? n.domContentLoadedEventEnd : null];",
            vec![],
        )
        .await?;
    let origin = page[0].as_f64().unwrap_or(f64::NAN);
    let loaded = origin + page[1].as_f64().unwrap_or(f64::NAN);
    let process = app_pid(app).map_or(f64::NAN, process_started_ms);
    Ok(format!(
        "process +{:.0}, page +{:.0}, script +{:.0}, painted +{:.0} ms",
        process - requested,
        origin - requested,
        loaded - requested,
        painted - requested
    ))
}

/// When process `pid` started, on the wall clock (epoch ms): its start time in clock ticks
/// after boot (`/proc/PID/stat`, field 22) against the time since boot now (`/proc/uptime`),
/// both to the hundredth of a second (the boot time in `/proc/stat` is whole seconds).
fn process_started_ms(pid: u32) -> f64 {
    let now = epoch_ms();
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The command name may hold spaces; the fields after it are plain.
            let after = stat.rsplit_once(')')?.1;
            after.split_whitespace().nth(19)?.parse::<f64>().ok()
        });
    let uptime = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok());
    match (ticks, uptime) {
        // Linux reports start times in USER_HZ, which is 100 on every architecture it supports.
        (Some(ticks), Some(uptime)) => now - (uptime - ticks / 100.0) * 1e3,
        _ => f64::NAN,
    }
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let work = tempfile::Builder::new()
        .prefix("helpr-bench-desktop-")
        .tempdir()?;
    let data = work.path().join("data");
    let helpr = &args.helpr;
    let started = Instant::now();
    let status = Command::new(helpr)
        .arg("--data-dir")
        .arg(&data)
        .arg("init")
        .status()?;
    ensure!(status.success(), "helpr init failed");
    let status = Command::new(helpr)
        .arg("--data-dir")
        .arg(&data)
        .arg("import")
        .arg(&args.corpus)
        .stdout(Stdio::null())
        .status()?;
    ensure!(status.success(), "helpr import failed");
    println!(
        "imported {} in {:.1} s",
        args.corpus.display(),
        started.elapsed().as_secs_f64()
    );
    let can_drop = drop_caches();
    if !can_drop {
        println!("(not root: the page cache cannot be dropped; cold figures are warm ones)");
    }

    // The CLI's same figures, in this run.
    let runs = args.runs.max(1);
    let cli_page_cold = cli_median(helpr, &data, &["list", "--limit", "100"], runs, true)?;
    let cli_page_warm = cli_median(helpr, &data, &["list", "--limit", "100"], runs, false)?;
    let cli_all_warm = cli_median(helpr, &data, &["list"], runs, false)?;
    let mut cli_search = Vec::new();
    for query in TYPED {
        cli_search.push(cli_median(helpr, &data, &["search", query], runs, false)?);
    }

    let rt = tokio::runtime::Runtime::new()?;
    let figures = rt.block_on(async {
        let driver = TauriDriver::start(&args.tauri_driver, &work.path().join("driver.log"))?;
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for kind in ["cold", "warm"] {
            for _ in 0..runs {
                if kind == "cold" {
                    drop_caches();
                }
                let (client, ms, phases) = start_once(&driver, &args.desktop, &data).await?;
                client.close().await?;
                println!("start → list painted ({kind}): {ms:.0} ms ({phases})");
                if kind == "cold" {
                    cold.push(ms);
                } else {
                    warm.push(ms);
                }
            }
        }
        let (cold, warm) = (median(&mut cold), median(&mut warm));

        // One more start for memory, scrolling and typing (scripts that run for a while).
        let (client, _, _) = start_once(&driver, &args.desktop, &data).await?;
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(600)),
                None,
                None,
            ))
            .await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let pid = app_pid(&args.desktop)?;
        let idle = tree_pss(pid);
        let (mut intervals, blank) = scroll(&client).await.context("scrolling the list")?;
        let frames = intervals.len();
        let scrolled = tree_pss(pid);
        tokio::time::sleep(SETTLE).await;
        let settled = tree_pss(pid);
        let keystrokes = type_queries(&client).await.context("typing the queries")?;
        let mut typed: Vec<f64> = keystrokes.iter().map(|k| k.1).collect();
        let typed_count = typed.len();
        let mut slowest = keystrokes.clone();
        slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
        slowest.truncate(SLOWEST_SHOWN);
        let mut core_ms = Vec::new();
        for (text, _) in &slowest {
            core_ms.push(
                search_call_ms(&client, text)
                    .await
                    .with_context(|| format!("timing core's search for {text:?}"))?,
            );
        }
        let mut pages = page_calls(&client)
            .await
            .context("timing list pages through the IPC")?;
        client.close().await?;
        anyhow::Ok(json!({
            "start_cold_ms": cold, "start_warm_ms": warm,
            "pss_idle_mib": total_mib(&idle),
            "pss_scrolled_mib": total_mib(&scrolled),
            "pss_idle": idle,
            "pss_scrolled": scrolled,
            "pss_settled_mib": total_mib(&settled),
            "pss_settled": settled,
            "frames": frames,
            "frame_p50_ms": percentile(&mut intervals, 50.0),
            "frame_p99_ms": percentile(&mut intervals, 99.0),
            "frames_with_loading_rows": blank,
            "page_p50_ms": percentile(&mut pages, 50.0),
            "page_max_ms": percentile(&mut pages, 100.0),
            "keystrokes": typed_count,
            "slowest_keystrokes": slowest
                .iter()
                .zip(&core_ms)
                .map(|((text, ms), core)| json!({ "text": text, "ms": ms, "search_ipc_ms": core }))
                .collect::<Vec<_>>(),
            "keystroke_p50_ms": percentile(&mut typed, 50.0),
            "keystroke_p99_ms": percentile(&mut typed, 99.0),
        }))
    })?;
    let f = |k: &str| figures[k].as_f64().unwrap_or(f64::NAN);
    let cli_search_median = median(&mut cli_search.clone());
    println!("\n{:<44} {:>10} {:>10}  goal", "", "desktop", "CLI");
    println!(
        "{:<44} {:>7.0} ms {:>7.0} ms  ≤ 1000 ms   (CLI: list --limit 100)",
        "start → list painted, cold (median)",
        f("start_cold_ms"),
        cli_page_cold
    );
    println!(
        "{:<44} {:>7.0} ms {:>7.0} ms  ≤ 1000 ms   (CLI: list --limit 100)",
        "start → list painted, warm (median)",
        f("start_warm_ms"),
        cli_page_warm
    );
    println!(
        "{:<44} {:>10} {:>7.0} ms              (CLI: list, every message)",
        "", "", cli_all_warm
    );
    println!(
        "{:<44} {:>7.0} MiB",
        "memory (PSS, app + WebKit), idle",
        f("pss_idle_mib")
    );
    println!(
        "{:<44} {:>7.0} MiB",
        format!("memory right after scrolling {SCROLL_ROWS} rows"),
        f("pss_scrolled_mib"),
    );
    println!(
        "{:<44} {:>7.0} MiB {:>10}  ≤ 250 MB (238 MiB)",
        format!("memory {} s after scrolling", SETTLE.as_secs()),
        f("pss_settled_mib"),
        ""
    );
    for (when, key) in [
        ("idle", "pss_idle"),
        ("right after scrolling", "pss_scrolled"),
        ("settled", "pss_settled"),
    ] {
        let parts: Vec<Pss> = serde_json::from_value(figures[key].clone()).unwrap_or_default();
        println!("  by process, {when}:\n{}", pss_lines(&parts));
    }
    println!(
        "{:<44} {:>7.1} ms {:>10}  p99 ≤ 16 ms (p50 {:.1} ms; {} of {} frames showed a loading row)",
        "scroll frame interval, p99",
        f("frame_p99_ms"),
        "",
        f("frame_p50_ms"),
        figures["frames_with_loading_rows"],
        figures["frames"]
    );
    println!(
        "{:<44} {:>7.0} ms {:>7.0} ms  p99 ≤ 100 ms (p50 {:.0} ms, {} keystrokes; CLI: helpr search, median of {} queries)",
        "keystroke → results painted, p99",
        f("keystroke_p99_ms"),
        cli_search_median,
        f("keystroke_p50_ms"),
        figures["keystrokes"],
        TYPED.len()
    );
    println!(
        "{:<44} {:>7.1} ms {:>7.0} ms              (slowest {:.0} ms of {}; CLI: list --limit 100)",
        "one list page through the IPC, median",
        f("page_p50_ms"),
        cli_page_warm,
        f("page_max_ms"),
        PAGE_CALLS
    );
    for k in figures["slowest_keystrokes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        println!(
            "  slow keystroke {:<22} {:>5.0} ms (search alone through the IPC {:.0} ms)",
            format!("{:?}", k["text"].as_str().unwrap_or("")),
            k["ms"].as_f64().unwrap_or(f64::NAN),
            k["search_ipc_ms"].as_f64().unwrap_or(f64::NAN)
        );
    }
    let all = json!({
        "desktop": figures,
        "cli": {
            "list_page_cold_ms": cli_page_cold, "list_page_warm_ms": cli_page_warm,
            "list_all_warm_ms": cli_all_warm, "search_ms": cli_search,
        },
        "cold_is_cold": can_drop,
    });
    std::fs::write(&args.json, serde_json::to_vec_pretty(&all)?)?;
    println!("\nfigures written to {}", args.json.display());
    Ok(())
}
