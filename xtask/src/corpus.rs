//! `cargo xtask corpus DIR`: third-party material through the mail pipeline and a real browser
//! (issue 3; the corpora are described in `../shared/corpora/README.md`).
//!
//! - `DIR/mime`: every file, recursively (mbox files hold several messages), is read with
//!   `helpr_mail::plan`/`Unit::messages` and parsed with `helpr_mail::parse` inside
//!   `catch_unwind`. Counted: ingested, rejected (grouped by reason), panics that escaped.
//! - `DIR/xss`: every vector of the known files is sanitized with `helpr_mail::sanitize_html`.
//! - The sanitized vectors and the (already sanitized) HTML bodies of the ingested messages are
//!   rendered in headless Chromium by `helpr-browser-check`, after its controls prove it sees an
//!   unsanitized alert and remote image; every script run and every request is counted and shown
//!   with the vector id and the sanitized output.
//!
//! Fails on any panic, execution or request. `.ci/run` runs it on `../shared/corpora`.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use helpr_browser_check::{Browser, Verdict};
use serde_json::Value;

use crate::deps;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus directory: `mime/` (messages) and `xss/` (attack vectors) inside it.
    pub dir: PathBuf,
}

/// The vector files under `xss/`, and the JSON field that holds each attack.
const VECTOR_FILES: &[(&str, &str, &str)] = &[
    ("dompurify", "dompurify/expect.jsonl", "payload"),
    ("h5sc", "h5sc/items.jsonl", "data"),
    ("owasp", "owasp/vectors.jsonl", "vector"),
];

/// Examples kept per rejection reason and per panic list.
const EXAMPLES: usize = 3;

pub fn run(args: &Args) -> Result<()> {
    let dir = &args.dir;
    let mime = dir.join("mime");
    let xss = dir.join("xss");
    for sub in [&mime, &xss] {
        if !sub.is_dir() {
            bail!(
                "{} is missing: the corpus directory needs mime/ and xss/",
                sub.display()
            );
        }
    }
    println!("corpus {}", dir.display());
    deps::ensure_packages(&[deps::BROWSER_PACKAGES])?;

    let started = Instant::now();
    let messages = read_messages(&mime)?;
    messages.print(dir);
    let vectors = read_vectors(&xss)?;
    let by_source = VECTOR_FILES
        .iter()
        .map(|(label, _, _)| {
            let n = vectors.iter().filter(|v| v.source == *label).count();
            format!("{label} {n}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    println!("xss vectors: {} ({by_source})", vectors.len());

    let mut browser = Browser::launch().context("starting headless Chromium")?;
    browser
        .self_test()
        .context("the browser check failed its controls")?;
    println!("browser check: controls seen (unsanitized alert and remote image)");
    let sanitized: Vec<String> = vectors
        .iter()
        .map(|v| helpr_mail::sanitize_html(&v.html))
        .collect();
    let vector_verdicts = browser
        .check(&sanitized)
        .context("rendering the sanitized vectors")?;
    let vector_findings = Findings::collect(
        vectors.iter().map(|v| v.id.clone()),
        &sanitized,
        &vector_verdicts,
    );
    vector_findings.print("sanitized vectors in Chromium");

    let (origins, bodies): (Vec<String>, Vec<String>) = messages.html.iter().cloned().unzip();
    let body_verdicts = browser
        .check(&bodies)
        .context("rendering the messages' HTML bodies")?;
    let origins = origins.iter().map(|o| relative(dir, o));
    let body_findings = Findings::collect(origins, &bodies, &body_verdicts);
    body_findings.print(&format!(
        "HTML bodies of ingested messages in Chromium ({})",
        bodies.len()
    ));
    drop(browser);

    let panics = messages.panics.len();
    let executions = vector_findings.executions + body_findings.executions;
    let requests = vector_findings.requests + body_findings.requests;
    println!(
        "total: {} messages ingested, {} rejected, {panics} panics; {} vectors and {} HTML bodies \
         rendered: {executions} executions, {requests} requests ({:.1}s)",
        messages.ingested,
        messages.rejected(),
        vectors.len(),
        bodies.len(),
        started.elapsed().as_secs_f64()
    );
    if panics + executions + requests > 0 {
        bail!("corpus: {panics} panics, {executions} executions, {requests} requests");
    }
    Ok(())
}

/// What reading and parsing `mime/` gave.
#[derive(Default)]
struct Messages {
    files: usize,
    read: usize,
    ingested: usize,
    /// Reason → (count, example origins).
    rejected: BTreeMap<String, (usize, Vec<String>)>,
    /// (origin, panic message) for panics that escaped the pipeline.
    panics: Vec<(String, String)>,
    /// (origin, sanitized HTML) of ingested messages with an HTML body.
    html: Vec<(String, String)>,
}

impl Messages {
    fn reject(&mut self, reason: &str, origin: &str) {
        // Group by the reason's general part; details in parentheses vary per message.
        let key = reason.split(" (").next().unwrap_or(reason).to_string();
        let entry = self.rejected.entry(key).or_default();
        entry.0 += 1;
        if entry.1.len() < EXAMPLES {
            entry.1.push(origin.to_string());
        }
    }

    fn rejected(&self) -> usize {
        self.rejected.values().map(|(n, _)| n).sum()
    }

    fn print(&self, dir: &Path) {
        println!(
            "messages: {} read from {} files under mime/",
            self.read, self.files
        );
        println!("  ingested {}", self.ingested);
        println!("  rejected {}", self.rejected());
        for (reason, (count, examples)) in &self.rejected {
            let examples: Vec<String> = examples.iter().map(|o| relative(dir, o)).collect();
            println!("    {count:>5}  {reason}  (e.g. {})", examples.join(", "));
        }
        println!("  panics   {}", self.panics.len());
        for (origin, message) in &self.panics {
            println!("    {}: {message}", relative(dir, origin));
        }
        println!("  with an HTML body {}", self.html.len());
    }
}

/// Reads and parses every message under `mime`; a panic anywhere is counted, never fatal.
fn read_messages(mime: &Path) -> Result<Messages> {
    let units = helpr_mail::plan(&[mime.to_path_buf()])
        .with_context(|| format!("listing {}", mime.display()))?
        .units;
    let mut out = Messages::default();
    for unit in &units {
        out.files += 1;
        let origin = unit.path().display().to_string();
        let mut messages = match catch_unwind(AssertUnwindSafe(|| unit.messages())) {
            Ok(messages) => messages,
            Err(panic) => {
                out.panics.push((origin, panic_message(&*panic)));
                continue;
            }
        };
        loop {
            // Splitting an mbox runs third-party code too.
            let next = match catch_unwind(AssertUnwindSafe(|| messages.next())) {
                Ok(next) => next,
                Err(panic) => {
                    out.panics
                        .push((format!("{origin} (reading)"), panic_message(&*panic)));
                    break;
                }
            };
            let Some(item) = next else { break };
            out.read += 1;
            let raw = match item {
                Ok(raw) => raw,
                Err(error) => {
                    out.reject(&format!("unreadable ({error})"), &origin);
                    continue;
                }
            };
            match catch_unwind(AssertUnwindSafe(|| helpr_mail::parse(&raw.bytes))) {
                Ok(Ok(mail)) => {
                    out.ingested += 1;
                    if let Some(html) = mail.html {
                        out.html.push((raw.origin, html));
                    }
                }
                Ok(Err(rejection)) => out.reject(&rejection.0, &raw.origin),
                Err(panic) => out.panics.push((raw.origin, panic_message(&*panic))),
            }
        }
    }
    Ok(out)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic without a message".into())
}

struct Vector {
    source: &'static str,
    id: String,
    html: String,
}

fn read_vectors(xss: &Path) -> Result<Vec<Vector>> {
    let mut vectors = Vec::new();
    for (source, file, field) in VECTOR_FILES {
        let path = xss.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let row: Value = serde_json::from_str(line)
                .with_context(|| format!("{}:{}", path.display(), n + 1))?;
            let html = row[*field]
                .as_str()
                .with_context(|| format!("{}:{}: no string {field}", path.display(), n + 1))?;
            let id = match &row["id"] {
                Value::Null => (n + 1).to_string(),
                Value::String(id) => id.clone(),
                other => other.to_string(),
            };
            vectors.push(Vector {
                source,
                id: format!("{source}#{id}"),
                html: html.to_string(),
            });
        }
    }
    Ok(vectors)
}

/// The browser's findings over a set of rendered items.
struct Findings {
    items: usize,
    executions: usize,
    requests: usize,
    /// One report per item that ran script or sent requests.
    reports: Vec<String>,
}

impl Findings {
    fn collect(ids: impl Iterator<Item = String>, html: &[String], verdicts: &[Verdict]) -> Self {
        let mut findings = Self {
            items: verdicts.len(),
            executions: 0,
            requests: 0,
            reports: Vec::new(),
        };
        for ((id, html), verdict) in ids.zip(html).zip(verdicts) {
            findings.executions += verdict.executions.len();
            findings.requests += verdict.requests.len();
            if verdict.is_clean() {
                continue;
            }
            let mut report = format!("  {id}\n    sanitized: {html}");
            for execution in &verdict.executions {
                report.push_str(&format!("\n    execution {execution}"));
            }
            for request in &verdict.requests {
                report.push_str(&format!("\n    request {request}"));
            }
            findings.reports.push(report);
        }
        findings
    }

    fn print(&self, what: &str) {
        println!(
            "{what}: {} executions, {} requests ({} of {} items)",
            self.executions,
            self.requests,
            self.reports.len(),
            self.items
        );
        for report in &self.reports {
            println!("{report}");
        }
    }
}

/// `origin` shown relative to the corpus directory.
fn relative(dir: &Path, origin: &str) -> String {
    Path::new(origin)
        .strip_prefix(dir)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| origin.to_string())
}

#[cfg(test)]
mod tests {
    use helpr_browser_check::{Execution, ExecutionKind, Request, RequestKind};

    use super::*;

    #[test]
    fn rejections_group_by_reason_without_details() {
        let mut messages = Messages::default();
        messages.reject("the MIME parser failed on this message (index 3)", "a");
        messages.reject("the MIME parser failed on this message (index 9)", "b");
        messages.reject("empty message", "c");
        assert_eq!(messages.rejected(), 3);
        assert_eq!(
            messages.rejected["the MIME parser failed on this message"],
            (2, vec!["a".to_string(), "b".to_string()])
        );
    }

    #[test]
    fn findings_name_the_item_its_output_and_what_fired() {
        let dirty = Verdict {
            executions: vec![Execution {
                kind: ExecutionKind::Call,
                detail: "alert(1)".into(),
            }],
            requests: vec![Request {
                kind: RequestKind::Proxy,
                detail: "GET http://e.example/x".into(),
            }],
        };
        let findings = Findings::collect(
            ["owasp#1".to_string(), "owasp#2".to_string()].into_iter(),
            &["<p>ok</p>".to_string(), "<img src=x>".to_string()],
            &[Verdict::default(), dirty],
        );
        assert_eq!((findings.executions, findings.requests), (1, 1));
        assert_eq!(
            findings.reports,
            [
                "  owasp#2\n    sanitized: <img src=x>\n    execution Call: alert(1)\n    \
              request Proxy: GET http://e.example/x"
            ]
        );
    }
}
