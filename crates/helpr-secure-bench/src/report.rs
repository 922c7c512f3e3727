//! The bench's table and its JSON (`target/bench/secure.json`): each figure's median (and
//! range) beside its baseline from the same run, their ratio, and the goal (≤ 1 s for the
//! thread painted, and the download held to the same second). Nothing is asserted.

use std::path::Path;

use helpr_server_bench::stats::percentile;
use serde_json::{json, Value};

use crate::{breakdown, browser, readers, send, Conditions};

/// The goal for the decrypted thread painted (and, here, for the download).
pub const GOAL_MS: f64 = 1000.0;

/// Median, minimum and maximum.
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

fn spread(samples: &[f64]) -> Spread {
    Spread {
        median: percentile(samples, 50.0),
        min: samples.iter().copied().fold(f64::INFINITY, f64::min),
        max: samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

fn spread_json(samples: &[f64]) -> Value {
    let s = spread(samples);
    json!({ "median": s.median, "min": s.min, "max": s.max, "samples": samples })
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Everything one run measured.
pub struct Figures {
    pub conditions: Conditions,
    pub send: Vec<send::Sample>,
    pub parts: breakdown::Parts,
    pub chromium: browser::Figures,
    pub readers: readers::Figures,
}

fn pick(
    samples: &[send::Sample],
    (secure, attached): (bool, bool),
    f: fn(&send::Sample) -> f64,
) -> Vec<f64> {
    samples
        .iter()
        .filter(|s| s.secure == secure && s.attached == attached)
        .map(f)
        .collect()
}

/// One row: the figure, its baseline, the ratio and (if any) the goal.
fn row(name: &str, figure: &[f64], baseline: &[f64], goal: Option<f64>) {
    let (f, b) = (spread(figure), spread(baseline));
    let goal = goal.map_or_else(
        || "—".to_owned(),
        |g| format!("≤ {g:.0} ({:.2}×)", f.median / g),
    );
    println!(
        "  {name:<44} {:>8.0} {:>7.0}–{:<7.0} {:>9.0} {:>7.2}×  {goal}",
        f.median,
        f.min,
        f.max,
        b.median,
        f.median / b.median
    );
}

pub fn print(f: &Figures) {
    let c = &f.conditions;
    println!();
    println!(
        "== secure email: {} rounds, attachment {} MiB (random bytes); {} cores, load {} at start ==",
        c.rounds, c.size_mib, c.cores, c.load_at_start
    );
    println!(
        "  {:<44} {:>8} {:>15} {:>9} {:>8}  goal",
        "figure (ms)", "median", "min–max", "baseline", "ratio"
    );
    let secure = |g| pick(&f.send, (true, true), g);
    let plain = |g| pick(&f.send, (false, true), g);
    let secure_bare = |g| pick(&f.send, (true, false), g);
    let plain_bare = |g| pick(&f.send, (false, false), g);
    println!("send (baseline: the same message as ordinary mail through the same server)");
    row(
        "send secure → notification accepted by SMTP",
        &secure(|s| s.smtp_ms),
        &plain(|s| s.smtp_ms),
        None,
    );
    row(
        "send secure → returned (copy stored)",
        &secure(|s| s.returned_ms),
        &plain(|s| s.returned_ms),
        None,
    );
    row(
        "  no attachment: → SMTP",
        &secure_bare(|s| s.smtp_ms),
        &plain_bare(|s| s.smtp_ms),
        None,
    );
    row(
        "  no attachment: → returned",
        &secure_bare(|s| s.returned_ms),
        &plain_bare(|s| s.returned_ms),
        None,
    );
    let median = |v: &[f64]| spread(v).median;
    println!(
        "  alone (medians): sealing + base64 {:.0} ms; posting the sealed parts {:.0} ms; the send endpoint for a small mail → SMTP {:.0} ms, → answered {:.0} ms",
        median(&f.parts.seal_ms),
        median(&f.parts.post_ms),
        median(&f.parts.endpoint_smtp_ms),
        median(&f.parts.endpoint_answered_ms),
    );
    let first = |v: Vec<f64>| v.iter().copied().fold(f64::INFINITY, f64::min) / 1024.0;
    let most = |v: Vec<f64>| v.iter().copied().fold(0.0, f64::max) / 1024.0;
    println!(
        "  server RSS around one send (MiB, lowest before → highest peak): secure {:.1} → {:.1}, plain {:.1} → {:.1}",
        first(secure(|s| s.server_before_kib as f64)),
        most(secure(|s| s.server_peak_kib as f64)),
        first(plain(|s| s.server_before_kib as f64)),
        most(plain(|s| s.server_peak_kib as f64)),
    );
    let ch = &f.chromium;
    let painted = |v: &[browser::Painted]| v.iter().map(|p| p.painted_ms).collect::<Vec<_>>();
    let rendered = |v: &[browser::Painted]| v.iter().map(|p| p.rendered_ms).collect::<Vec<_>>();
    println!("Chromium (baseline: the same thread without an attachment; the download's: the sealed part fetched, not decrypted)");
    row(
        "Verify → decrypted thread painted",
        &painted(&ch.with_attachment),
        &painted(&ch.without_attachment),
        Some(GOAL_MS),
    );
    row(
        "Verify → thread rendered (data-state)",
        &rendered(&ch.with_attachment),
        &rendered(&ch.without_attachment),
        Some(GOAL_MS),
    );
    let saved: Vec<f64> = ch.downloads.iter().map(|d| d.saved_ms).collect();
    let fetched: Vec<f64> = ch.downloads.iter().map(|d| d.fetch_ms).collect();
    row(
        "Download → decrypted file saved",
        &saved,
        &fetched,
        Some(GOAL_MS),
    );
    let r = &f.readers;
    let totals: Vec<f64> = r.readers.iter().map(|x| x.total_ms).collect();
    let mails: Vec<f64> = r.readers.iter().map(|x| x.code_mail_ms).collect();
    println!(
        "{} readers at once ({} messages of {} recipients, attachment {} KiB; the server restarted first)",
        c.readers, c.reader_messages, c.per_message, c.reader_kib
    );
    println!(
        "  server RSS idle {:.1} MiB (baseline) → peak {:.1} MiB sampled every 10 ms ({} reads), VmHWM {:.1} MiB: {:.2}× idle; goal: none stated",
        mib(r.idle_kib),
        mib(r.peak_sampled_kib),
        r.samples,
        mib(r.peak_hwm_kib),
        r.peak_hwm_kib as f64 / r.idle_kib as f64
    );
    println!(
        "  all done in {:.0} ms; per reader p50 {:.0} / p99 {:.0} / max {:.0} ms, of which the code mail p50 {:.0} ms; {} failed",
        r.wall_ms,
        percentile(&totals, 50.0),
        percentile(&totals, 99.0),
        percentile(&totals, 100.0),
        percentile(&mails, 50.0),
        r.failures.len()
    );
    for failure in r.failures.iter().take(3) {
        println!("    failed: {failure}");
    }
    println!();
    println!(
        "The bench, the emulator (in this process) and the server share this machine's cores; \
         the send figures include the emulator's SMTP and mailbox work, and the readers' the \
         clients' TLS."
    );
}

pub fn write_json(path: &Path, f: &Figures) -> std::io::Result<()> {
    let c = &f.conditions;
    let ch = &f.chromium;
    let painted = |v: &[browser::Painted], g: fn(&browser::Painted) -> f64| {
        spread_json(&v.iter().map(g).collect::<Vec<_>>())
    };
    let r = &f.readers;
    let totals: Vec<f64> = r.readers.iter().map(|x| x.total_ms).collect();
    let mails: Vec<f64> = r.readers.iter().map(|x| x.code_mail_ms).collect();
    let doc = json!({
        "conditions": {
            "cores": c.cores, "load_at_start": c.load_at_start, "load_at_end": c.load_at_end,
            "rounds": c.rounds, "attachment_mib": c.size_mib,
            "readers": c.readers, "reader_messages": c.reader_messages,
            "recipients_per_message": c.per_message, "reader_attachment_kib": c.reader_kib,
        },
        "goal_ms": GOAL_MS,
        "send_ms": {
            "secure_to_smtp": spread_json(&pick(&f.send, (true, true), |s| s.smtp_ms)),
            "secure_returned": spread_json(&pick(&f.send, (true, true), |s| s.returned_ms)),
            "baseline_plain_to_smtp": spread_json(&pick(&f.send, (false, true), |s| s.smtp_ms)),
            "baseline_plain_returned": spread_json(&pick(&f.send, (false, true), |s| s.returned_ms)),
            "no_attachment": {
                "secure_to_smtp": spread_json(&pick(&f.send, (true, false), |s| s.smtp_ms)),
                "secure_returned": spread_json(&pick(&f.send, (true, false), |s| s.returned_ms)),
                "plain_to_smtp": spread_json(&pick(&f.send, (false, false), |s| s.smtp_ms)),
                "plain_returned": spread_json(&pick(&f.send, (false, false), |s| s.returned_ms)),
            },
            "secure_parts_alone": {
                "seal_and_base64": spread_json(&f.parts.seal_ms),
                "post_to_server": spread_json(&f.parts.post_ms),
                "send_endpoint_small_mail_to_smtp": spread_json(&f.parts.endpoint_smtp_ms),
                "send_endpoint_small_mail_answered": spread_json(&f.parts.endpoint_answered_ms),
            },
        },
        "server_rss_kib_during_one_send": {
            "secure_before": spread_json(&pick(&f.send, (true, true), |s| s.server_before_kib as f64)),
            "secure_peak": spread_json(&pick(&f.send, (true, true), |s| s.server_peak_kib as f64)),
            "plain_before": spread_json(&pick(&f.send, (false, true), |s| s.server_before_kib as f64)),
            "plain_peak": spread_json(&pick(&f.send, (false, true), |s| s.server_peak_kib as f64)),
        },
        "chromium_ms": {
            "verify_to_painted_with_attachment": painted(&ch.with_attachment, |p| p.painted_ms),
            "verify_to_rendered_with_attachment": painted(&ch.with_attachment, |p| p.rendered_ms),
            "baseline_verify_to_painted_without_attachment": painted(&ch.without_attachment, |p| p.painted_ms),
            "baseline_verify_to_rendered_without_attachment": painted(&ch.without_attachment, |p| p.rendered_ms),
            "download_to_saved": spread_json(&ch.downloads.iter().map(|d| d.saved_ms).collect::<Vec<_>>()),
            "baseline_fetch_sealed": spread_json(&ch.downloads.iter().map(|d| d.fetch_ms).collect::<Vec<_>>()),
            "baseline_fetch_sealed_in_page": spread_json(&ch.downloads.iter().map(|d| d.fetch_in_page_ms).collect::<Vec<_>>()),
        },
        "readers": {
            "rss_kib_idle_baseline": r.idle_kib,
            "rss_kib_peak_sampled": r.peak_sampled_kib,
            "rss_kib_peak_hwm": r.peak_hwm_kib,
            "rss_samples": r.samples,
            "all_done_ms": r.wall_ms,
            "per_reader_ms": { "p50": percentile(&totals, 50.0), "p99": percentile(&totals, 99.0),
                "max": percentile(&totals, 100.0) },
            "code_mail_ms_p50": percentile(&mails, 50.0),
            "succeeded": r.readers.len(),
            "failures": r.failures,
        },
    });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}
