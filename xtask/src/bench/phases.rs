//! Where a `helpr search` process spends its time (issue 11): the same searches run again with
//! `HELPR_LOG=helpr::phase=debug`, which makes helpr print one line per phase as it ends
//! (`keychain: helpr::phase: close time.busy=2.10ms time.idle=3.20µs`, tracing's span-close
//! event). Those runs are not the timed ones, so printing the lines costs the timings nothing.
//! What the process costs beyond `main` (exec, the dynamic loader, exit) is its wall time less
//! `main`'s.

use std::collections::BTreeMap;

use super::measure::percentile;

/// The filter that turns the phase lines on.
pub const PHASE_LOG: &str = "helpr::phase=debug";

/// The phases in the order a search passes them, with how deep each sits (for the table).
/// `open` covers keychain … purge_expired (`sqlite_init` runs beside `keychain`, on a thread
/// of its own), `search` covers index_open … vault_resolve.
pub const ORDER: [(&str, usize); 16] = [
    ("main", 0),
    ("cli_setup", 1),
    ("open", 1),
    ("keychain", 2),
    ("sqlite_init", 2),
    ("key_check", 2),
    ("sqlcipher_open", 2),
    ("index_queue_replay", 2),
    ("audit_unlock", 2),
    ("purge_expired", 2),
    ("search", 1),
    ("index_open", 2),
    ("index_query", 2),
    ("vault_resolve", 2),
    ("close", 1),
    ("print", 1),
];

/// The row for the process's wall time less `main`.
pub const OUTSIDE_MAIN: &str = "exec, loader, exit";

/// Samples in ms, by phase, over many runs.
#[derive(Debug, Default)]
pub struct Phases {
    samples: BTreeMap<String, Vec<f64>>,
    wall: Vec<f64>,
}

impl Phases {
    /// Adds one run: its wall time and what it printed on stderr.
    pub fn add(&mut self, wall_ms: f64, stderr: &str) {
        self.wall.push(wall_ms);
        let mut main = None;
        for (name, ms) in parse(stderr) {
            if name == "main" {
                main = Some(ms);
            }
            self.samples.entry(name).or_default().push(ms);
        }
        if let Some(main) = main {
            self.samples
                .entry(OUTSIDE_MAIN.to_owned())
                .or_default()
                .push(wall_ms - main);
        }
    }

    /// The p50 of the runs' wall times.
    pub fn wall_p50(&self) -> Option<f64> {
        percentile(&self.wall, 50.0)
    }

    /// The p50 of one phase.
    pub fn p50(&self, phase: &str) -> Option<f64> {
        percentile(self.samples.get(phase)?, 50.0)
    }

    /// Every phase seen, by name, with its p50.
    pub fn p50s(&self) -> BTreeMap<String, f64> {
        self.samples
            .iter()
            .filter_map(|(name, samples)| Some((name.clone(), percentile(samples, 50.0)?)))
            .collect()
    }
}

/// The `(phase, ms)` of every phase line in `stderr`: busy plus idle, the span's whole life.
pub fn parse(stderr: &str) -> Vec<(String, f64)> {
    stderr
        .lines()
        .filter_map(|line| {
            let (prefix, times) = line.split_once(": helpr::phase: close ")?;
            // `<time> DEBUG main:open`: the span's path is the last word (the time has colons
            // too), and of a span inside another, the last name is the phase's own.
            let path = prefix.split_whitespace().next_back()?;
            let name = path.rsplit(':').next()?;
            let mut total = 0.0;
            for part in times.split_whitespace() {
                let (key, value) = part.split_once('=')?;
                if key == "time.busy" || key == "time.idle" {
                    total += duration_ms(value)?;
                }
            }
            Some((name.to_owned(), total))
        })
        .collect()
}

/// `1.23ms`, `456µs`, `789ns`, `1.5s` in ms.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "ns" => 1e-6,
        "µs" | "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        _ => return None,
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What helpr prints on stderr with `HELPR_LOG=helpr::phase=debug` (not a terminal).
    const STDERR: &str = "\
2026-12-06T00:07:32.210128Z DEBUG main:cli_setup: helpr::phase: close time.busy=422µs time.idle=1.21µs
2026-12-06T00:07:32.212706Z DEBUG keychain: helpr::phase: close time.busy=6.94ms time.idle=4.97µs
2026-12-06T00:07:32.215781Z DEBUG main:open: helpr::phase: close time.busy=41.9µs time.idle=10.7ms
helpr: a warning that is not a phase
2026-12-06T00:07:32.218543Z DEBUG main: helpr::phase: close time.busy=15.6ms time.idle=2.20µs
";

    #[test]
    fn reads_the_span_close_lines_helpr_prints() {
        let phases = parse(STDERR);
        let names: Vec<&str> = phases.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["cli_setup", "keychain", "open", "main"]);
        let open = phases[2].1;
        assert!((open - 10.7419).abs() < 1e-9, "{open}");
    }

    #[test]
    fn what_lies_outside_main_is_the_wall_time_less_main() {
        let mut phases = Phases::default();
        phases.add(18.0, STDERR);
        let outside = phases.p50(OUTSIDE_MAIN).unwrap();
        assert!((outside - (18.0 - 15.6022)).abs() < 1e-9, "{outside}");
        assert_eq!(phases.wall_p50(), Some(18.0));
        assert!(phases.p50("index_query").is_none());
    }

    #[test]
    fn durations_in_every_unit_tracing_prints() {
        assert_eq!(duration_ms("2ms"), Some(2.0));
        assert_eq!(duration_ms("1.5s"), Some(1500.0));
        assert!((duration_ms("250µs").unwrap() - 0.25).abs() < 1e-12);
        assert!((duration_ms("800ns").unwrap() - 0.0008).abs() < 1e-12);
        assert_eq!(duration_ms("3 parsecs"), None);
    }
}
