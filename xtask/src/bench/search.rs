//! `cargo xtask bench search`: helpr's import throughput, search latency and index size beside
//! notmuch and mu, on the same seeded sample Maildir, in the same run (issue 4).
//!
//! The whole benchmark runs inside one throw-away keychain session (`keychain.rs`): the outer
//! half installs what is missing and re-runs this xtask as `session -- xtask bench search …
//! --in-session`; the inner half does everything else, so there is one code path whether or not
//! helpr is measured. Order: corpus (cached under `target/bench`), page cache warmed, notmuch and
//! mu imports, notmuch searches (in-process through `notmuch2`, then as processes), then helpr:
//! release build, import, `helpr search` processes (timed, then again with their phases logged:
//! `phases.rs`), `helpr-bench search` in-process. A failing
//! helpr step still prints and writes the baselines before the run fails.
//!
//! The 30 queries are [`QUERIES`]: each in helpr's syntax and in notmuch's, meaning the same.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{ensure, Context, Result};

use super::helpr::{self, Helpr};
use super::measure::{self, ms};
use super::mu::Mu;
use super::notmuch::Notmuch;
use super::phases::Phases;
use super::report::Figures;
use crate::keychain::{self, Display};
use crate::steps::Steps;
use crate::{deps, sample_mail, workspace};

/// The baselines, and Debian's Python bindings for notmuch's in-process timing.
const BASELINE_PACKAGES: &[&str] = &["notmuch", "maildir-utils", "python3-notmuch2"];

/// Results per query, as a mail client's first page shows them.
pub const LIMIT: usize = 50;

/// One query, the same search in both languages.
pub struct QueryPair {
    /// What the pair exercises.
    pub what: &'static str,
    pub helpr: &'static str,
    pub notmuch: &'static str,
}

const fn pair(what: &'static str, helpr: &'static str, notmuch: &'static str) -> QueryPair {
    QueryPair {
        what,
        helpr,
        notmuch,
    }
}

/// The benchmark's queries, over words, people, subjects, files and dates that the sample
/// generator (`sample_mail/content.rs`) really writes.
///
/// Like for like:
/// - notmuch's `to:` matches To, Cc and Bcc; helpr's `to:` only To and `cc:` only Cc. So `to:`
///   pairs use an address that is never copied, the `cc:` pair is "Priya wrote, Finance was
///   copied" (Priya always writes to the inbox, so notmuch's `to:` can only be the Cc), and
///   "addressed or copied" is `to:X OR cc:X` for helpr.
/// - helpr's `before:D` excludes day D and `after:D` includes it (UTC midnight); notmuch's
///   `date:..D` includes all of day D, so `before:` maps to the day before. notmuch runs with
///   `TZ=UTC`.
/// - is:unread / has:attachment / filename: are notmuch's `tag:unread` (from the Maildir `S`
///   flag), `tag:attachment` and `attachment:`.
/// - There is no label pair: the sample Maildir carries no labels (helpr takes them from
///   `X-Gmail-Labels`), while notmuch tags every message `inbox`.
/// - Free-text words can differ in hit counts by design: notmuch stems English words and indexes
///   quoted history, helpr indexes words as written, without the quoted history it strips.
pub const QUERIES: [QueryPair; 30] = [
    pair("word", "password", "password"),
    pair("rarer word", "lockout", "lockout"),
    pair("two words", "chrome firefox", "chrome and firefox"),
    pair("rare German word", "Gutschrift", "Gutschrift"),
    pair("phrase", "\"dark mode\"", "\"dark mode\""),
    pair("phrase", "\"VAT number\"", "\"VAT number\""),
    pair("from: first name", "from:priya", "from:priya"),
    pair(
        "from: full name",
        "from:\"Maria Chen\"",
        "from:\"Maria Chen\"",
    ),
    pair(
        "from: address",
        "from:billing@acme.example",
        "from:billing@acme.example",
    ),
    pair(
        "from: domain",
        "from:northwind.example",
        "from:northwind.example",
    ),
    pair(
        "to: (never copied)",
        "to:tom@beckerbikes.example",
        "to:tom@beckerbikes.example",
    ),
    pair(
        "cc:",
        "from:priya cc:ap@northwind.example",
        "from:priya and to:ap@northwind.example",
    ),
    pair(
        "to: or cc:",
        "to:ap@northwind.example OR cc:ap@northwind.example",
        "to:ap@northwind.example",
    ),
    pair("subject: word", "subject:refund", "subject:refund"),
    pair(
        "subject: phrase",
        "subject:\"SaaS Weekly\"",
        "subject:\"SaaS Weekly\"",
    ),
    pair(
        "subject: encoded word",
        "subject:Rückerstattung",
        "subject:Rückerstattung",
    ),
    pair("unread", "is:unread", "tag:unread"),
    pair("has attachment", "has:attachment", "tag:attachment"),
    pair("filename: word", "filename:pdf", "attachment:pdf"),
    pair(
        "filename: whole name",
        "filename:tickets-export.csv",
        "attachment:tickets-export.csv",
    ),
    pair(
        "filename: RFC 2231 name",
        "filename:Rückerstattung_Beleg.pdf",
        "attachment:Rückerstattung_Beleg.pdf",
    ),
    pair("before:", "before:2024-09-15", "date:..2024-09-14"),
    pair("after:", "after:2024-11-01", "date:2024-11-01.."),
    pair(
        "one week",
        "after:2024-10-01 before:2024-10-08",
        "date:2024-10-01..2024-10-07",
    ),
    pair(
        "negation",
        "subject:invoice -from:billing@acme.example",
        "subject:invoice and not from:billing@acme.example",
    ),
    pair(
        "leading negation",
        "-is:unread from:olivia.park@brightline.example",
        "not tag:unread and from:olivia.park@brightline.example",
    ),
    pair(
        "OR",
        "from:priya OR from:olivia",
        "from:priya or from:olivia",
    ),
    pair(
        "parentheses",
        "(subject:refund OR subject:invoice) is:unread",
        "(subject:refund or subject:invoice) and tag:unread",
    ),
    pair(
        "three filters",
        "has:attachment from:northwind.example after:2024-10-15",
        "tag:attachment and from:northwind.example and date:2024-10-15..",
    ),
    pair(
        "every message, newest first",
        "after:2024-09-01",
        "date:2024-09-01..",
    ),
];

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Sample messages to generate (the corpus is cached per seed and count).
    #[arg(long, default_value_t = 100_000)]
    pub messages: usize,
    /// Seed of the sample generator (same seed, same mail).
    #[arg(long, default_value_t = sample_mail::DEFAULT_SEED)]
    pub seed: u64,
    /// Timed rounds of all 30 queries (after one warm-up round).
    #[arg(long, default_value_t = 20)]
    pub rounds: u32,
    /// Imports per tool, each into a fresh database; the fastest counts.
    #[arg(long, default_value_t = 1)]
    pub import_runs: u32,
    /// Measure notmuch and mu only (no helpr build, import or search).
    #[arg(long)]
    pub only_baselines: bool,
    /// Internal: this is the half inside the keychain session.
    #[arg(long, hide = true)]
    pub in_session: bool,
}

impl Args {
    fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = [
            "--messages".to_owned(),
            self.messages.to_string(),
            "--seed".to_owned(),
            self.seed.to_string(),
            "--rounds".to_owned(),
            self.rounds.to_string(),
            "--import-runs".to_owned(),
            self.import_runs.to_string(),
        ]
        .map(OsString::from)
        .into();
        if self.only_baselines {
            args.push("--only-baselines".into());
        }
        args
    }
}

pub fn run(args: &Args) -> Result<()> {
    ensure!(args.messages > 0, "--messages must be at least 1");
    ensure!(args.rounds > 0, "--rounds must be at least 1");
    ensure!(args.import_runs > 0, "--import-runs must be at least 1");
    if args.in_session {
        ensure!(
            env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "--in-session is the half inside the keychain session; run without it"
        );
        return in_session(args);
    }
    deps::ensure_packages(&[deps::KEYCHAIN_PACKAGES, BASELINE_PACKAGES])?;
    let mut task: Vec<OsString> = vec!["run".into(), "--".into(), this_executable()?.into()];
    task.extend(["bench", "search"].map(OsString::from));
    task.extend(args.to_args());
    task.push("--in-session".into());
    keychain::run(&task, Display::Inherit)
}

/// This very xtask: `/proc/<pid>/exe` stays valid while we wait, even if a concurrent build
/// replaces the file on disk.
fn this_executable() -> Result<PathBuf> {
    let proc_exe = PathBuf::from(format!("/proc/{}/exe", std::process::id()));
    if proc_exe.exists() {
        return Ok(proc_exe);
    }
    env::current_exe().context("could not find the running xtask executable")
}

fn in_session(args: &Args) -> Result<()> {
    let out_dir = super::bench_dir();
    fs::create_dir_all(&out_dir)?;
    let mut steps = Steps::new("bench search", false);
    let corpus = out_dir.join(format!("search-corpus-{}-{}", args.seed, args.messages));
    steps.run(
        &format!("corpus: {} messages, seed {}", args.messages, args.seed),
        || ensure_corpus(&corpus, args),
    )?;
    steps.run("warm the page cache", || {
        let bytes = measure::warm_page_cache(&corpus)?;
        println!("read {:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
        Ok(())
    })?;

    let scratch = tempfile::Builder::new()
        .prefix("helpr-bench-search-")
        .tempdir()
        .context("could not create the benchmark's scratch folder")?;
    let helpr_queries = out_dir.join("search-queries.json");
    let notmuch_queries = scratch.path().join("notmuch-queries.json");
    fs::write(
        &helpr_queries,
        serde_json::to_string_pretty(&QUERIES.map(|q| q.helpr))?,
    )?;
    fs::write(
        &notmuch_queries,
        serde_json::to_string(&QUERIES.map(|q| q.notmuch))?,
    )?;

    let mut figures = Figures::new(args.messages, args.seed, args.rounds, args.import_runs);
    figures.load_average.0 = measure::load_average();
    warn_if_busy(figures.load_average.0);
    let notmuch = Notmuch::new(&scratch.path().join("notmuch"), &corpus)?;
    let mu = Mu::new(&scratch.path().join("mu"), &corpus);
    steps.run("notmuch new", || {
        figures.notmuch_import_s =
            Some(fastest(args.import_runs, || notmuch.import(args.messages))?);
        figures.notmuch_index_bytes = Some(notmuch.index_bytes()?);
        Ok(())
    })?;
    steps.run("mu index", || {
        figures.mu_import_s = Some(fastest(args.import_runs, || mu.import(args.messages))?);
        figures.mu_index_bytes = Some(mu.index_bytes()?);
        Ok(())
    })?;
    steps.run("notmuch search, in-process (python3-notmuch2)", || {
        let found = notmuch.in_process(&notmuch_queries, args.rounds, LIMIT)?;
        ensure!(
            found.hits.len() == QUERIES.len() && found.per_query_p50_ms.len() == QUERIES.len(),
            "the notmuch2 script reported {} queries, not {}",
            found.hits.len(),
            QUERIES.len()
        );
        for (q, query) in figures.queries.iter_mut().zip(&QUERIES) {
            let i = q.index;
            q.notmuch_hits = Some(found.hits[i]);
            q.notmuch_p50_ms = Some(found.per_query_p50_ms[i]);
            if found.hits[i] == 0 {
                println!(
                    "warning: query {} ({}) matches nothing in notmuch",
                    i + 1,
                    query.notmuch
                );
            }
        }
        figures.notmuch_inprocess = Some((found.p50_ms, found.p99_ms));
        Ok(())
    })?;
    steps.run("notmuch search, processes", || {
        let samples = time_queries(args.rounds, |_, query| {
            Ok(notmuch.cli_search(query.notmuch, LIMIT)?.0)
        })?;
        for (q, samples) in figures.queries.iter_mut().zip(samples) {
            q.notmuch_cli_ms = samples;
        }
        Ok(())
    })?;

    let helpr_result = if args.only_baselines {
        println!("\n--only-baselines: helpr not measured");
        Ok(())
    } else {
        measure_helpr(
            &mut steps,
            scratch.path(),
            &corpus,
            &helpr_queries,
            args,
            &mut figures,
        )
    };

    figures.load_average.1 = measure::load_average(); // includes our own work
    figures.print();
    let json = out_dir.join("search.json");
    fs::write(&json, serde_json::to_string_pretty(&figures.to_json())?)?;
    println!("\nfigures written to {}", json.display());
    helpr_result?;
    steps.finish()
}

/// helpr's half: build, import, search processes, helpr-bench in-process. On failure, the
/// cause also lands in `figures.helpr_error` (the step report keeps only the step's name).
fn measure_helpr(
    steps: &mut Steps,
    scratch: &Path,
    corpus: &Path,
    queries: &Path,
    args: &Args,
    figures: &mut Figures,
) -> Result<()> {
    let mut cause = None;
    let mut exe = PathBuf::new();
    let result = (|| {
        steps.run("build helpr (release)", || {
            noting(&mut cause, || {
                exe = workspace::build_cli_release()?;
                Ok(())
            })
        })?;
        let data_dir = scratch.join("helpr");
        let helpr = Helpr::new(&exe, &data_dir);
        steps.run("helpr import", || {
            noting(&mut cause, || {
                figures.helpr_import_s = Some(fastest(args.import_runs, || {
                    helpr.import(corpus, args.messages)
                })?);
                figures.helpr_index_bytes = Some(helpr.index_bytes()?);
                Ok(())
            })
        })?;
        steps.run("helpr search, processes", || {
            noting(&mut cause, || {
                let mut totals = [None; QUERIES.len()];
                let samples = time_queries(args.rounds, |i, query| {
                    let (took, total) = helpr.cli_search(query.helpr, LIMIT)?;
                    totals[i] = Some(total);
                    Ok(took)
                })?;
                for ((q, samples), total) in figures.queries.iter_mut().zip(samples).zip(totals) {
                    q.helpr_cli_ms = samples;
                    q.helpr_hits = total;
                }
                Ok(())
            })
        })?;
        steps.run("helpr search, processes: where the time goes", || {
            noting(&mut cause, || {
                let mut phases = Phases::default();
                time_queries(args.rounds, |_, query| {
                    let (took, stderr) = helpr.cli_search_phases(query.helpr, LIMIT)?;
                    phases.add(ms(took), &stderr);
                    Ok(took)
                })?;
                figures.helpr_phases = Some(phases);
                Ok(())
            })
        })?;
        steps.run("helpr-bench search, in-process", || {
            noting(&mut cause, || {
                let out = super::bench_dir().join("search-helpr-bench.json");
                figures.helpr_bench =
                    Some(helpr::bench_search(&data_dir, queries, args.rounds, &out)?);
                Ok(())
            })
        })
    })();
    if result.is_err() {
        figures.helpr_error = cause;
    }
    result
}

/// Runs `step`, remembering its error's message in `cause`.
fn noting(cause: &mut Option<String>, step: impl FnOnce() -> Result<()>) -> Result<()> {
    step().inspect_err(|error| *cause = Some(format!("{error:#}")))
}

/// One warm-up round of every query (not kept), then `rounds` rounds, round by round so that
/// a slow moment of the machine spreads over all queries. Returns each query's samples in ms.
fn time_queries(
    rounds: u32,
    mut one: impl FnMut(usize, &QueryPair) -> Result<Duration>,
) -> Result<Vec<Vec<f64>>> {
    let mut samples = vec![Vec::with_capacity(rounds as usize); QUERIES.len()];
    for round in 0..=rounds {
        for (i, query) in QUERIES.iter().enumerate() {
            let took =
                one(i, query).with_context(|| format!("query {}: {}", i + 1, query.helpr))?;
            if round > 0 {
                samples[i].push(ms(took));
            }
        }
    }
    Ok(samples)
}

/// Says so when the machine looks busy: a load average above half the cores means something
/// else competes for the CPU, and the timings are not to be trusted.
fn warn_if_busy(load: Option<f64>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if let Some(load) = load.filter(|&load| load > cores as f64 / 2.0) {
        println!(
            "warning: load average {load:.2} on {cores} cores: other work is running, timings \
             will be skewed (see `top`)"
        );
    }
}

/// The fastest of `runs` runs of `import`, in seconds.
fn fastest(runs: u32, mut import: impl FnMut() -> Result<Duration>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for run in 1..=runs {
        let took = import()?.as_secs_f64();
        println!("run {run}/{runs}: {took:.2}s");
        best = best.min(took);
    }
    Ok(best)
}

fn ensure_corpus(corpus: &Path, args: &Args) -> Result<()> {
    super::ensure_corpus(corpus, args.seed, args.messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_distinct_and_balanced() {
        for (i, q) in QUERIES.iter().enumerate() {
            for text in [q.helpr, q.notmuch] {
                assert_eq!(text.matches('"').count() % 2, 0, "query {}: {text}", i + 1);
                assert_eq!(
                    text.matches('(').count(),
                    text.matches(')').count(),
                    "query {}: {text}",
                    i + 1
                );
            }
            for other in &QUERIES[i + 1..] {
                assert_ne!(q.helpr, other.helpr);
                assert_ne!(q.notmuch, other.notmuch);
            }
        }
    }

    #[test]
    fn the_session_half_gets_the_same_options() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let args = Args {
            messages: 2000,
            seed: 7,
            rounds: 3,
            import_runs: 2,
            only_baselines: true,
            in_session: false,
        };
        let again = Cli::parse_from(std::iter::once(OsString::from("x")).chain(args.to_args()));
        assert_eq!(
            (again.args.messages, again.args.seed, again.args.rounds),
            (2000, 7, 3)
        );
        assert_eq!(again.args.import_runs, 2);
        assert!(again.args.only_baselines && !again.args.in_session);
    }
}
