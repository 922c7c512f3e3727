//! Real-browser proof of the sanitizer (issue 3, DESIGN §5): helpr's own XSS vectors
//! (`fixtures/xss/vectors.jsonl`) go through `helpr_mail::sanitize_html`, and the output is
//! rendered as-is in the body of an ordinary page in headless Chromium, outside any sandbox — the
//! app's sandboxed iframe is extra, not part of this proof. Every hooked call, dialog, popup and
//! foreign script counts as an execution; every request any frame sends (through the recording
//! proxy) and every navigation counts as a request. The pass condition is 0 and 0.
//!
//! In the same browser and the same run, the vectors marked `fires` are rendered unsanitized
//! first and must each show something, so a harness that stopped seeing cannot pass.
//!
//! Needs Chromium (Debian `chromium`; `cargo xtask test` installs it). Without it the test fails
//! and says so; it is never skipped.

use helpr_browser_check::{Browser, Verdict};
use serde_json::Value;

const VECTORS: &str = include_str!("fixtures/xss/vectors.jsonl");

struct Vector {
    id: String,
    html: String,
    fires_unsanitized: bool,
}

fn vectors() -> Vec<Vector> {
    VECTORS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(n, line)| {
            let row: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("vectors.jsonl line {}: {e}", n + 1));
            let field = |name: &str| {
                row[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("vectors.jsonl line {}: no {name}", n + 1))
                    .to_string()
            };
            let fires_unsanitized = match field("unsanitized").as_str() {
                "fires" => true,
                "inert" => false,
                other => panic!("vectors.jsonl line {}: unsanitized is {other:?}", n + 1),
            };
            Vector {
                id: field("id"),
                html: field("html"),
                fires_unsanitized,
            }
        })
        .collect()
}

fn launch() -> Browser {
    Browser::launch().unwrap_or_else(|e| {
        panic!("the real-browser sanitizer proof cannot run: {e}\n(install Chromium: `apt-get install --no-install-recommends chromium`, or run `cargo xtask test`, which installs it)")
    })
}

fn describe(verdict: &Verdict) -> String {
    verdict
        .executions
        .iter()
        .map(|e| format!("    execution {e}"))
        .chain(verdict.requests.iter().map(|r| format!("    request {r}")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sanitized_vectors_run_nothing_and_request_nothing_in_chromium() {
    let vectors = vectors();
    assert!(vectors.len() >= 60, "only {} vectors", vectors.len());
    let mut ids: Vec<&str> = vectors.iter().map(|v| v.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), vectors.len(), "vector ids must be unique");

    let mut browser = launch();

    // Control: unsanitized, the live vectors must show up.
    let live: Vec<&Vector> = vectors.iter().filter(|v| v.fires_unsanitized).collect();
    let raw: Vec<String> = live.iter().map(|v| v.html.clone()).collect();
    let raw_verdicts = browser
        .check(&raw)
        .expect("rendering the unsanitized controls");
    let unseen: Vec<&str> = live
        .iter()
        .zip(&raw_verdicts)
        .filter(|(_, verdict)| verdict.is_clean())
        .map(|(v, _)| v.id.as_str())
        .collect();
    assert!(
        unseen.is_empty(),
        "unsanitized, these vectors should run script or send a request, but the harness saw \
         nothing (is the harness broken, or did Chromium change? then mark them inert): {unseen:?}"
    );

    // The proof: sanitized, nothing runs and nothing loads.
    let sanitized: Vec<String> = vectors
        .iter()
        .map(|v| helpr_mail::sanitize_html(&v.html))
        .collect();
    let verdicts = browser
        .check(&sanitized)
        .expect("rendering the sanitized vectors");
    let failures: Vec<String> = vectors
        .iter()
        .zip(&sanitized)
        .zip(&verdicts)
        .filter(|(_, verdict)| !verdict.is_clean())
        .map(|((vector, output), verdict)| {
            format!(
                "{}\n  input:     {}\n  sanitized: {}\n{}",
                vector.id,
                vector.html,
                output,
                describe(verdict)
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} sanitized vectors ran script or sent requests in Chromium:\n\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n\n")
    );
}
