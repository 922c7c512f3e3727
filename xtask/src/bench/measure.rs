//! Measuring for the benchmarks: wall time of one child process (spawn to exit, output read),
//! nearest-rank percentiles, the bytes a folder holds, a page-cache warm-up so no tool pays for
//! the disk that the one before it did not, and the load average (is anything else running?).

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::process;

/// Runs `cmd` (stdin closed, stdout and stderr captured) and returns how long it took from spawn
/// to exit, with its output. Fails, quoting stderr, unless it exits with 0.
pub fn time_process(cmd: &mut Command) -> Result<(Duration, Output)> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let out = cmd.output();
    let took = started.elapsed();
    let line = process::describe(cmd);
    let out = out.with_context(|| format!("could not start `{line}`"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        bail!(
            "`{line}` failed ({}): {}",
            out.status,
            first_lines(if stderr.trim().is_empty() {
                &stdout
            } else {
                &stderr
            })
        );
    }
    Ok((took, out))
}

/// At most the first 20 lines of `text`, trimmed: enough to see an error, not a whole log.
fn first_lines(text: &str) -> String {
    text.trim().lines().take(20).collect::<Vec<_>>().join("\n")
}

/// Milliseconds as a float.
pub fn ms(took: Duration) -> f64 {
    took.as_secs_f64() * 1000.0
}

/// The nearest-rank `p`th percentile (0 < p ≤ 100) of `samples`; `None` when there are none.
/// The same definition as `notmuch_inprocess.py`, so the columns compare.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// The apparent size of every file under `dir` (recursively, symlinks not followed).
pub fn dir_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            total += dir_bytes(&entry.path())?;
        } else if kind.is_file() {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

/// Reads every file under `dir` once, so the corpus sits in the page cache before anything is
/// timed. Returns the bytes read.
pub fn warm_page_cache(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            total += warm_page_cache(&entry.path())?;
        } else if kind.is_file() {
            total += fs::read(entry.path())?.len() as u64;
        }
    }
    Ok(total)
}

/// The 1-minute load average (Linux `/proc/loadavg`): other work on the machine skews timings,
/// so the benchmark reports it.
pub fn load_average() -> Option<f64> {
    fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// An empty directory at `dir`, removing whatever was there.
pub fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("could not remove {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&samples, 50.0), Some(50.0));
        assert_eq!(percentile(&samples, 99.0), Some(99.0));
        assert_eq!(percentile(&samples, 100.0), Some(100.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 50.0), Some(2.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn counts_the_bytes_of_nested_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a/b")).unwrap();
        fs::write(dir.path().join("top"), [0u8; 10]).unwrap();
        fs::write(dir.path().join("a/b/deep"), [0u8; 5]).unwrap();
        assert_eq!(dir_bytes(dir.path()).unwrap(), 15);
        assert_eq!(warm_page_cache(dir.path()).unwrap(), 15);
    }
}
