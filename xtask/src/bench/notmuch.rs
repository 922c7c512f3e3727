//! The notmuch baseline of `bench search`: a config file of its own (`NOTMUCH_CONFIG`) whose
//! database lives in the benchmark's scratch folder, outside the corpus (`database.path` and
//! `database.mail_root` set separately, notmuch ≥ 0.32), `notmuch new` for import, and search
//! timed both in-process (Python `notmuch2`, [`INPROCESS_SCRIPT`]) and as `notmuch search`
//! processes. Every notmuch run gets `TZ=UTC`, so `date:` ranges are UTC days like helpr's.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use super::measure::{self, time_process};
use crate::process;

/// The in-process timing script, run with Debian's Python (which has `python3-notmuch2`).
const INPROCESS_SCRIPT: &str = include_str!("notmuch_inprocess.py");
/// Debian's interpreter, not whatever `python3` comes first on `PATH` (pyenv and the like do
/// not see Debian's `dist-packages`).
const DEBIAN_PYTHON: &str = "/usr/bin/python3";

/// One notmuch setup in `dir`: `dir/config`, the database in `dir/db`.
pub struct Notmuch {
    dir: PathBuf,
}

/// What the Python script reports (see its docstring).
pub struct InProcess {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub per_query_p50_ms: Vec<f64>,
    pub hits: Vec<u64>,
}

impl Notmuch {
    /// Writes the config for a database in `dir/db` over the mail in `maildir`.
    pub fn new(dir: &Path, maildir: &Path) -> Result<Self> {
        fs::create_dir_all(dir)?;
        let notmuch = Self {
            dir: dir.to_path_buf(),
        };
        // `new.tags`: what every new message gets; `maildir.synchronize_flags` then drops
        // `unread` from messages whose file name carries the Maildir `S` flag, which is how helpr
        // reads seen/unseen. No excluded tags: every message is searchable, as in helpr.
        let config = format!(
            "[database]\npath={}\nmail_root={}\n\n[user]\nname=Acme Support\n\
             primary_email=support@acme.example\n\n[new]\ntags=unread;inbox;\nignore=\n\n\
             [search]\nexclude_tags=\n\n[maildir]\nsynchronize_flags=true\n",
            notmuch.db().display(),
            maildir.display()
        );
        fs::write(notmuch.config(), config)?;
        Ok(notmuch)
    }

    fn config(&self) -> PathBuf {
        self.dir.join("config")
    }

    /// `database.path`: notmuch keeps its Xapian database in `db/xapian`.
    pub fn db(&self) -> PathBuf {
        self.dir.join("db")
    }

    /// `notmuch ARGS…` with this config, in UTC.
    fn command(&self) -> Command {
        let mut cmd = Command::new("notmuch");
        cmd.env("NOTMUCH_CONFIG", self.config())
            .env("TZ", "UTC")
            .current_dir(&self.dir);
        cmd
    }

    /// `notmuch new` into a fresh database; checks that it holds `messages` messages.
    pub fn import(&self, messages: usize) -> Result<Duration> {
        measure::fresh_dir(&self.db())?;
        let (took, _) = time_process(self.command().args(["new", "--quiet"]))?;
        let count = process::output(self.command().args(["count", "--", "*"]))?;
        let count: usize = count
            .trim()
            .parse()
            .with_context(|| format!("`notmuch count` printed {count:?}"))?;
        ensure!(
            count == messages,
            "notmuch indexed {count} messages, the corpus has {messages}"
        );
        Ok(took)
    }

    /// The Xapian database's bytes on disk.
    pub fn index_bytes(&self) -> Result<u64> {
        measure::dir_bytes(&self.db())
    }

    /// In-process latency: the Python script over `queries` (a JSON file of notmuch queries).
    pub fn in_process(&self, queries: &Path, rounds: u32, limit: usize) -> Result<InProcess> {
        let script = self.dir.join("notmuch_inprocess.py");
        fs::write(&script, INPROCESS_SCRIPT)?;
        let mut cmd = Command::new(DEBIAN_PYTHON);
        cmd.arg(&script)
            .arg(queries)
            .args([rounds.to_string(), limit.to_string()])
            .env("NOTMUCH_CONFIG", self.config())
            .env("TZ", "UTC")
            .current_dir(&self.dir);
        println!("$ {}", process::describe(&cmd));
        let (_, out) = time_process(&mut cmd)?;
        let report: Value = serde_json::from_slice(&out.stdout)
            .context("the notmuch2 script printed something other than JSON")?;
        let number = |key: &str| {
            report[key]
                .as_f64()
                .with_context(|| format!("the notmuch2 script's JSON has no number `{key}`"))
        };
        let list = |key: &str| -> Result<Vec<f64>> {
            report[key]
                .as_array()
                .with_context(|| format!("the notmuch2 script's JSON has no list `{key}`"))?
                .iter()
                .map(|v| v.as_f64().context("not a number"))
                .collect()
        };
        Ok(InProcess {
            p50_ms: number("p50_ms")?,
            p99_ms: number("p99_ms")?,
            per_query_p50_ms: list("per_query_p50_ms")?,
            hits: list("hits")?.into_iter().map(|h| h as u64).collect(),
        })
    }

    /// One `notmuch search --format=json --limit=LIMIT --sort=newest-first QUERY`, timed from
    /// spawn to exit. Returns the time and how many results it printed. notmuch's `search`
    /// lists threads (its everyday view: date, authors, subject), so it does the threading work
    /// for the matching messages that helpr's message list does not.
    pub fn cli_search(&self, query: &str, limit: usize) -> Result<(Duration, usize)> {
        let mut cmd = self.command();
        cmd.args([
            "search",
            "--format=json",
            &format!("--limit={limit}"),
            "--sort=newest-first",
            "--",
            query,
        ]);
        let (took, out) = time_process(&mut cmd)?;
        let results: Value = serde_json::from_slice(&out.stdout).with_context(|| {
            format!("`notmuch search {query}` printed something other than JSON")
        })?;
        let Some(results) = results.as_array() else {
            bail!("`notmuch search {query}` printed JSON that is not a list");
        };
        for result in results {
            ensure!(
                result["timestamp"].is_i64()
                    && result["authors"].is_string()
                    && result["subject"].is_string(),
                "`notmuch search {query}` printed a result without timestamp, authors or subject"
            );
        }
        Ok((took, results.len()))
    }
}
