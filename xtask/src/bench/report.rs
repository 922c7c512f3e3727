//! What `bench search` found: the figures gathered while it runs, the goals they are held to
//! (issue 4), the printed tables and `target/bench/search.json`. A figure that was not measured
//! (`--only-baselines`, or a helpr step that failed) prints as `–`, is `null` in the JSON, and
//! leaves its goal undecided.

use serde_json::{json, Map, Value};

use super::measure::percentile;
use super::phases::{self, Phases};
use super::search::{LIMIT, QUERIES};

/// Per query, in [`QUERIES`] order.
#[derive(Debug, Default)]
pub struct QueryFigures {
    pub index: usize,
    pub notmuch_hits: Option<u64>,
    /// `total` of `helpr search --json`.
    pub helpr_hits: Option<u64>,
    /// notmuch in-process p50 for this query.
    pub notmuch_p50_ms: Option<f64>,
    pub notmuch_cli_ms: Vec<f64>,
    pub helpr_cli_ms: Vec<f64>,
}

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Figures {
    pub messages: usize,
    pub seed: u64,
    pub rounds: u32,
    pub import_runs: u32,
    /// Wall seconds of the fastest import of each tool.
    pub notmuch_import_s: Option<f64>,
    pub mu_import_s: Option<f64>,
    pub helpr_import_s: Option<f64>,
    /// notmuch in-process (p50, p99) in ms, over all samples.
    pub notmuch_inprocess: Option<(f64, f64)>,
    pub notmuch_index_bytes: Option<u64>,
    pub mu_index_bytes: Option<u64>,
    pub helpr_index_bytes: Option<u64>,
    /// The JSON object `helpr-bench search` wrote.
    pub helpr_bench: Option<Value>,
    pub helpr_error: Option<String>,
    /// The phases of `helpr search` processes, from runs apart from the timed ones.
    pub helpr_phases: Option<Phases>,
    pub queries: Vec<QueryFigures>,
    /// 1-minute load averages when the timings began and ended (the end includes the
    /// benchmark's own work).
    pub load_average: (Option<f64>, Option<f64>),
}

/// A goal of issue 4 and whether it was met (`None`: a figure is missing).
struct Goal {
    figure: &'static str,
    goal: String,
    met: Option<bool>,
}

impl Figures {
    pub fn new(messages: usize, seed: u64, rounds: u32, import_runs: u32) -> Self {
        Self {
            messages,
            seed,
            rounds,
            import_runs,
            queries: (0..QUERIES.len())
                .map(|index| QueryFigures {
                    index,
                    ..QueryFigures::default()
                })
                .collect(),
            ..Self::default()
        }
    }

    fn msgs_per_s(&self, seconds: Option<f64>) -> Option<f64> {
        seconds.map(|s| self.messages as f64 / s)
    }

    fn bench_number(&self, key: &str) -> Option<f64> {
        self.helpr_bench.as_ref()?.get(key)?.as_f64()
    }

    fn all_samples(&self, pick: impl Fn(&QueryFigures) -> &Vec<f64>) -> Vec<f64> {
        self.queries.iter().flat_map(|q| pick(q).clone()).collect()
    }

    fn notmuch_cli(&self, p: f64) -> Option<f64> {
        percentile(&self.all_samples(|q| &q.notmuch_cli_ms), p)
    }

    fn helpr_cli(&self, p: f64) -> Option<f64> {
        percentile(&self.all_samples(|q| &q.helpr_cli_ms), p)
    }

    fn goals(&self) -> Vec<Goal> {
        let helpr_import = self.msgs_per_s(self.helpr_import_s);
        let faster_baseline = match (
            self.msgs_per_s(self.notmuch_import_s),
            self.msgs_per_s(self.mu_import_s),
        ) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let notmuch_p50 = self.notmuch_inprocess.map(|(p50, _)| p50);
        let ratio = self.bench_number("encrypted_vs_plain_query_ratio");
        let at_most = |value: Option<f64>, limit: Option<f64>| Some(value? <= limit?);
        let at_least = |value: Option<f64>, limit: Option<f64>| Some(value? >= limit?);
        vec![
            Goal {
                figure: "import",
                goal: format!(
                    "≥ 2× the faster of notmuch and mu ({} msgs/s)",
                    show(faster_baseline.map(|b| 2.0 * b), 0)
                ),
                met: at_least(helpr_import, faster_baseline.map(|b| 2.0 * b)),
            },
            Goal {
                figure: "in-process search",
                goal: format!("helpr p99 ≤ notmuch p50 ({} ms)", show(notmuch_p50, 2)),
                met: at_most(self.bench_number("helpr_search_p99_ms"), notmuch_p50),
            },
            Goal {
                figure: "search as a process",
                goal: format!(
                    "helpr p50 ≤ notmuch p50 ({} ms)",
                    show(self.notmuch_cli(50.0), 1)
                ),
                met: at_most(self.helpr_cli(50.0), self.notmuch_cli(50.0)),
            },
            Goal {
                figure: "encrypted / plain index",
                goal: "query time ratio ≤ 1.3".to_owned(),
                met: at_most(ratio, Some(1.3)),
            },
        ]
    }

    /// The summary table, the goals and the per-query table.
    pub fn print(&self) {
        let mib = |bytes: Option<u64>| bytes.map(|b| b as f64 / (1024.0 * 1024.0));
        let goals = self.goals();
        let verdict = |i: usize| -> (String, String) {
            let goal = &goals[i];
            let met = match goal.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "–",
            };
            (goal.goal.clone(), met.to_owned())
        };
        let row = |figure: &str, values: [String; 3], goal: Option<(String, String)>| {
            let (goal, met) = goal.unwrap_or_else(|| ("".to_owned(), "".to_owned()));
            let [h, n, m] = values;
            vec![figure.to_owned(), h, n, m, goal, met]
        };
        let dash = || "–".to_owned();
        let rows = vec![
            row(
                "import (msgs/s)",
                [
                    show(self.msgs_per_s(self.helpr_import_s), 0),
                    show(self.msgs_per_s(self.notmuch_import_s), 0),
                    show(self.msgs_per_s(self.mu_import_s), 0),
                ],
                Some(verdict(0)),
            ),
            row(
                "search in-process p50 (ms)",
                [
                    show(self.bench_number("helpr_search_p50_ms"), 2),
                    show(self.notmuch_inprocess.map(|(p50, _)| p50), 2),
                    dash(),
                ],
                None,
            ),
            row(
                "search in-process p99 (ms)",
                [
                    show(self.bench_number("helpr_search_p99_ms"), 2),
                    show(self.notmuch_inprocess.map(|(_, p99)| p99), 2),
                    dash(),
                ],
                Some(verdict(1)),
            ),
            row(
                "search as a process p50 (ms)",
                [
                    show(self.helpr_cli(50.0), 1),
                    show(self.notmuch_cli(50.0), 1),
                    dash(),
                ],
                Some(verdict(2)),
            ),
            row(
                "encrypted / plain query time",
                [
                    show(self.bench_number("encrypted_vs_plain_query_ratio"), 2),
                    dash(),
                    dash(),
                ],
                Some(verdict(3)),
            ),
            row(
                "index on disk (MiB)",
                [
                    show(mib(self.helpr_index_bytes), 1),
                    show(mib(self.notmuch_index_bytes), 1),
                    show(mib(self.mu_index_bytes), 1),
                ],
                None,
            ),
        ];
        println!(
            "\nbench search: {} messages (seed {}), {} rounds × {} queries, top {LIMIT} newest first",
            self.messages,
            self.seed,
            self.rounds,
            QUERIES.len()
        );
        println!(
            "load average {} at the start, {} at the end with the benchmark's own work ({} cores)",
            show(self.load_average.0, 2),
            show(self.load_average.1, 2),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        print_table(&["figure", "helpr", "notmuch", "mu", "goal", "met?"], &rows);

        let per_query: Vec<Vec<String>> = self
            .queries
            .iter()
            .zip(&QUERIES)
            .map(|(q, pair)| {
                vec![
                    (q.index + 1).to_string(),
                    pair.helpr.to_owned(),
                    pair.notmuch.to_owned(),
                    q.helpr_hits.map_or_else(dash, |h| h.to_string()),
                    q.notmuch_hits.map_or_else(dash, |h| h.to_string()),
                    show(percentile(&q.helpr_cli_ms, 50.0), 1),
                    show(percentile(&q.notmuch_cli_ms, 50.0), 1),
                    show(q.notmuch_p50_ms, 2),
                ]
            })
            .collect();
        println!("\nper query (hits = all matches; times are p50 in ms)");
        print_table(
            &[
                "#",
                "helpr query",
                "notmuch query",
                "helpr hits",
                "notmuch hits",
                "helpr process",
                "notmuch process",
                "notmuch in-process",
            ],
            &per_query,
        );
        if let Some(phases) = &self.helpr_phases {
            print_phases(phases);
        }
        if let Some(error) = &self.helpr_error {
            println!("\nhelpr was not fully measured: {error}");
        }
    }

    /// `target/bench/search.json`: the figures by name, the per-query details and the goals,
    /// over every key of helpr-bench's JSON (its `hits` as `helpr_bench_hits`).
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        let mut put = |key: &str, value: Value| {
            out.insert(key.to_owned(), value);
        };
        // helpr-bench's keys first, so that ours win where both say the same thing (`rounds`).
        if let Some(Value::Object(bench)) = &self.helpr_bench {
            for (key, value) in bench {
                let key = if key == "hits" {
                    "helpr_bench_hits"
                } else {
                    key
                };
                put(key, value.clone());
            }
        }
        put("messages", json!(self.messages));
        put("seed", json!(self.seed));
        put("rounds", json!(self.rounds));
        put("queries_per_round", json!(QUERIES.len()));
        put("limit", json!(LIMIT));
        put("import_runs", json!(self.import_runs));
        put(
            "helpr_import_msgs_per_s",
            json!(self.msgs_per_s(self.helpr_import_s)),
        );
        put(
            "notmuch_import_msgs_per_s",
            json!(self.msgs_per_s(self.notmuch_import_s)),
        );
        put(
            "mu_import_msgs_per_s",
            json!(self.msgs_per_s(self.mu_import_s)),
        );
        put(
            "helpr_search_p50_ms",
            json!(self.bench_number("helpr_search_p50_ms")),
        );
        put(
            "helpr_search_p99_ms",
            json!(self.bench_number("helpr_search_p99_ms")),
        );
        put(
            "notmuch_search_p50_ms",
            json!(self.notmuch_inprocess.map(|(p50, _)| p50)),
        );
        put(
            "notmuch_search_p99_ms",
            json!(self.notmuch_inprocess.map(|(_, p99)| p99)),
        );
        put("helpr_cli_search_p50_ms", json!(self.helpr_cli(50.0)));
        put("helpr_cli_search_p99_ms", json!(self.helpr_cli(99.0)));
        put("notmuch_cli_search_p50_ms", json!(self.notmuch_cli(50.0)));
        put("notmuch_cli_search_p99_ms", json!(self.notmuch_cli(99.0)));
        put(
            "encrypted_vs_plain_query_ratio",
            json!(self.bench_number("encrypted_vs_plain_query_ratio")),
        );
        put(
            "helpr_cli_phases_p50_ms",
            json!(self.helpr_phases.as_ref().map(Phases::p50s)),
        );
        put("helpr_index_bytes", json!(self.helpr_index_bytes));
        put("notmuch_index_bytes", json!(self.notmuch_index_bytes));
        put("mu_index_bytes", json!(self.mu_index_bytes));
        put(
            "helpr_hits",
            json!(self
                .queries
                .iter()
                .map(|q| q.helpr_hits)
                .collect::<Vec<_>>()),
        );
        put(
            "notmuch_hits",
            json!(self
                .queries
                .iter()
                .map(|q| q.notmuch_hits)
                .collect::<Vec<_>>()),
        );
        put(
            "queries",
            Value::Array(
                self.queries
                    .iter()
                    .zip(&QUERIES)
                    .map(|(q, pair)| {
                        json!({
                            "what": pair.what,
                            "helpr": pair.helpr,
                            "notmuch": pair.notmuch,
                            "helpr_hits": q.helpr_hits,
                            "notmuch_hits": q.notmuch_hits,
                            "helpr_cli_search_p50_ms": percentile(&q.helpr_cli_ms, 50.0),
                            "notmuch_cli_search_p50_ms": percentile(&q.notmuch_cli_ms, 50.0),
                            "notmuch_search_p50_ms": q.notmuch_p50_ms,
                        })
                    })
                    .collect(),
            ),
        );
        put(
            "goals",
            Value::Array(
                self.goals()
                    .into_iter()
                    .map(|g| json!({"figure": g.figure, "goal": g.goal, "met": g.met}))
                    .collect(),
            ),
        );
        put("helpr_error", json!(self.helpr_error));
        put("load_average_start", json!(self.load_average.0));
        put("load_average_end", json!(self.load_average.1));
        Value::Object(out)
    }
}

/// `12.35` with `decimals` places, thousands apart (`52 310`); `–` when missing.
fn show(value: Option<f64>, decimals: usize) -> String {
    let Some(value) = value else {
        return "–".to_owned();
    };
    let text = format!("{value:.decimals$}");
    let (whole, fraction) = text.split_at(text.find('.').unwrap_or(text.len()));
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0
            && (digits.len() - i).is_multiple_of(3)
            && c.is_ascii_digit()
            && digits[i - 1] != '-'
        {
            grouped.push(' ');
        }
        grouped.push(*c);
    }
    grouped + fraction
}

/// Where a `helpr search` process spends its time: p50 per phase (nested phases indented), and
/// what lies outside `main`.
fn print_phases(phases: &Phases) {
    let mut rows: Vec<Vec<String>> = vec![vec![
        "whole process (wall)".to_owned(),
        show(phases.wall_p50(), 2),
    ]];
    rows.push(vec![
        phases::OUTSIDE_MAIN.to_owned(),
        show(phases.p50(phases::OUTSIDE_MAIN), 2),
    ]);
    for (name, depth) in phases::ORDER {
        rows.push(vec![
            format!("{}{name}", "  ".repeat(depth)),
            show(phases.p50(name), 2),
        ]);
    }
    println!(
        "\nhelpr search as a process, where the time goes (p50 in ms, runs with phases logged)"
    );
    print_table(&["phase", "p50 (ms)"], &rows);
}

/// A plain-text table, columns as wide as their widest cell.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let width = |i: usize| {
        rows.iter()
            .map(|row| row[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    line(header.to_vec());
    println!(
        "|{}|",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_easily() {
        assert_eq!(show(Some(52_310.4), 0), "52 310");
        assert_eq!(show(Some(1_234_567.891), 2), "1 234 567.89");
        assert_eq!(show(Some(0.456), 2), "0.46");
        assert_eq!(show(Some(-1234.0), 0), "-1 234");
        assert_eq!(show(None, 1), "–");
    }

    #[test]
    fn goals_are_undecided_without_helpr_and_judged_with_it() {
        let mut figures = Figures::new(1000, 1, 1, 1);
        figures.notmuch_import_s = Some(1.0);
        figures.mu_import_s = Some(0.5);
        figures.notmuch_inprocess = Some((1.0, 3.0));
        assert!(figures.goals().iter().all(|g| g.met.is_none()));

        figures.helpr_import_s = Some(0.2); // 5000 msgs/s vs 2 × 2000
        figures.helpr_bench = Some(json!({
            "helpr_search_p99_ms": 1.5,
            "encrypted_vs_plain_query_ratio": 1.1,
            "hits": [1, 2],
            "queries": 30,
        }));
        let met: Vec<Option<bool>> = figures.goals().iter().map(|g| g.met).collect();
        assert_eq!(met, [Some(true), Some(false), None, Some(true)]);

        let json = figures.to_json();
        assert_eq!(json["helpr_import_msgs_per_s"], 5000.0);
        assert_eq!(json["mu_import_msgs_per_s"], 2000.0);
        assert_eq!(json["helpr_bench_hits"], json!([1, 2]));
        assert!(json["helpr_cli_search_p50_ms"].is_null());
        assert_eq!(json["queries"].as_array().unwrap().len(), QUERIES.len());
        assert_eq!(json["helpr_search_p99_ms"], 1.5);
    }
}
