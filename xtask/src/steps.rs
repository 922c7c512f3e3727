//! Step reports: a header before each step, its outcome and duration after it, and a summary of
//! all steps at the end, so a long `cargo xtask test` log says at a glance what ran and what broke.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// Runs named steps in order and remembers how each went.
pub struct Steps {
    title: &'static str,
    keep_going: bool,
    done: Vec<Outcome>,
}

struct Outcome {
    name: String,
    took: Duration,
    error: Option<String>,
}

impl Steps {
    /// `keep_going`: after a failed step, run the remaining ones anyway (the summary still fails).
    pub fn new(title: &'static str, keep_going: bool) -> Self {
        Self {
            title,
            keep_going,
            done: Vec::new(),
        }
    }

    /// Runs one step. Returns `Err` when it failed and the run should stop here; a failure is
    /// swallowed (and remembered) when `keep_going` is set.
    pub fn run(&mut self, name: &str, step: impl FnOnce() -> Result<()>) -> Result<()> {
        println!("\n==> [{}] {name}", self.title);
        let started = Instant::now();
        let result = step();
        let took = started.elapsed();
        match &result {
            Ok(()) => println!(
                "<== [{}] {name}: ok in {}",
                self.title,
                format_duration(took)
            ),
            Err(error) => eprintln!(
                "<== [{}] {name}: FAILED in {}: {error:#}",
                self.title,
                format_duration(took)
            ),
        }
        self.done.push(Outcome {
            name: name.to_owned(),
            took,
            error: result.as_ref().err().map(|error| format!("{error:#}")),
        });
        match result {
            Err(_) if !self.keep_going => {
                self.print_summary();
                bail!("{}: step `{name}` failed", self.title)
            }
            _ => Ok(()),
        }
    }

    /// Prints the summary; fails when any step failed.
    pub fn finish(self) -> Result<()> {
        self.print_summary();
        let failed: Vec<&str> = self
            .done
            .iter()
            .filter(|outcome| outcome.error.is_some())
            .map(|outcome| outcome.name.as_str())
            .collect();
        if failed.is_empty() {
            Ok(())
        } else {
            bail!("{}: failed steps: {}", self.title, failed.join(", "))
        }
    }

    fn print_summary(&self) {
        let total: Duration = self.done.iter().map(|outcome| outcome.took).sum();
        println!(
            "\n=== {} summary ({}) ===",
            self.title,
            format_duration(total)
        );
        for outcome in &self.done {
            let verdict = if outcome.error.is_some() {
                "FAILED"
            } else {
                "ok"
            };
            println!(
                "  {verdict:<6} {:>9}  {}",
                format_duration(outcome.took),
                outcome.name
            );
        }
    }
}

/// `4.2s`, `3m07s`.
pub fn format_duration(took: Duration) -> String {
    let secs = took.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = took.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(4_240)), "4.2s");
        assert_eq!(format_duration(Duration::from_secs(187)), "3m07s");
    }

    #[test]
    fn a_failed_step_stops_the_run_unless_keep_going() {
        let mut steps = Steps::new("t", false);
        assert!(steps.run("boom", || bail!("no")).is_err());

        let mut steps = Steps::new("t", true);
        steps.run("boom", || bail!("no")).unwrap();
        let mut ran_after = false;
        steps
            .run("after", || {
                ran_after = true;
                Ok(())
            })
            .unwrap();
        assert!(ran_after);
        let error = steps.finish().unwrap_err().to_string();
        assert!(
            error.contains("boom") && !error.contains("after"),
            "{error}"
        );
    }
}
