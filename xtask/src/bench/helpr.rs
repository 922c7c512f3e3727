//! helpr's side of `bench search`, all run inside the throw-away keychain session (the vault's
//! key lives in the Secret Service): `helpr init` + `helpr import --json` into a fresh data dir
//! (only the import is timed), `helpr search --json` processes, and the in-process figures of
//! `helpr-bench search` (built and run in release mode, like `bench pipeline`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use super::measure::{self, time_process};
use crate::process;

/// The release `helpr` binary and one data dir.
pub struct Helpr {
    exe: PathBuf,
    data_dir: PathBuf,
}

impl Helpr {
    pub fn new(exe: &Path, data_dir: &Path) -> Self {
        Self {
            exe: exe.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.exe);
        cmd.arg("--data-dir").arg(&self.data_dir);
        cmd
    }

    /// A fresh vault (`helpr init`, not timed), then `helpr import MAILDIR --json`, timed as a
    /// whole process. Checks that every one of the `messages` messages went in.
    pub fn import(&self, maildir: &Path, messages: usize) -> Result<Duration> {
        measure::fresh_dir(&self.data_dir)?;
        process::output(self.command().arg("init"))?;
        let (took, out) = time_process(self.command().arg("import").arg(maildir).arg("--json"))?;
        let report: Value = serde_json::from_slice(&out.stdout)
            .context("`helpr import --json` printed something other than JSON")?;
        let count = |key: &str| report[key].as_u64().unwrap_or(0);
        let (imported, rejected) = (count("imported"), count("rejected"));
        ensure!(
            imported as usize == messages,
            "helpr imported {imported} of {messages} messages ({rejected} rejected, {} duplicate)",
            count("duplicate")
        );
        Ok(took)
    }

    /// The search index's bytes on disk (`DATA_DIR/index`).
    pub fn index_bytes(&self) -> Result<u64> {
        measure::dir_bytes(&self.data_dir.join("index"))
    }

    /// One `helpr search --limit LIMIT --json -- QUERY`, timed from spawn to exit. Returns the
    /// time and the `total` it reported; checks the shape of what it printed.
    pub fn cli_search(&self, query: &str, limit: usize) -> Result<(Duration, u64)> {
        self.search_process(query, limit, &[])
            .map(|(took, total, _)| (took, total))
    }

    /// The same search with its phases logged (see `phases.rs`): the time, and stderr with
    /// one line per phase.
    pub fn cli_search_phases(&self, query: &str, limit: usize) -> Result<(Duration, String)> {
        let (took, _, stderr) =
            self.search_process(query, limit, &[("HELPR_LOG", super::phases::PHASE_LOG)])?;
        Ok((took, stderr))
    }

    fn search_process(
        &self,
        query: &str,
        limit: usize,
        env: &[(&str, &str)],
    ) -> Result<(Duration, u64, String)> {
        let mut cmd = self.command();
        cmd.envs(env.iter().copied());
        cmd.args([
            "search",
            "--limit",
            &limit.to_string(),
            "--json",
            "--",
            query,
        ]);
        let (took, out) = time_process(&mut cmd)?;
        let printed: Value = serde_json::from_slice(&out.stdout)
            .with_context(|| format!("`helpr search {query}` printed something other than JSON"))?;
        let (Some(total), Some(hits)) = (printed["total"].as_u64(), printed["hits"].as_array())
        else {
            bail!("`helpr search {query} --json` printed no `total` and `hits`");
        };
        ensure!(
            hits.len() as u64 == total.min(limit as u64),
            "`helpr search {query}` reported {total} hits but listed {} (limit {limit})",
            hits.len()
        );
        for hit in hits {
            ensure!(
                ["id", "date", "from", "subject"]
                    .iter()
                    .all(|key| !hit[key].is_null()),
                "`helpr search {query}` printed a hit without id, date, from or subject"
            );
        }
        Ok((
            took,
            total,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }
}

/// `cargo run --release -p helpr-bench -- search …` over the vault in `data_dir`; returns the
/// JSON object it wrote to `out`.
pub fn bench_search(data_dir: &Path, queries: &Path, rounds: u32, out: &Path) -> Result<Value> {
    let _ = fs::remove_file(out);
    process::run(
        super::helpr_bench("search")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--queries")
            .arg(queries)
            .args(["--rounds", &rounds.to_string()])
            .arg("--json")
            .arg(out),
    )?;
    let text = fs::read_to_string(out)
        .with_context(|| format!("helpr-bench wrote no {}", out.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", out.display()))?;
    ensure!(value.is_object(), "{} is not a JSON object", out.display());
    Ok(value)
}
