//! The bench's table and its JSON (`target/bench/server.json`): per setup, the access changes'
//! latency to the last affected snapshot (p50/p99/max, per kind and together) beside the goal,
//! the filtered and unfiltered list rates and their ratio, and the server's memory per 1,000
//! sessions.

use std::path::Path;

use helpr_server_bench::stats::percentile;
use serde_json::json;

use crate::changes::{Kind, Sample};
use crate::Figures;

struct Latency {
    n: usize,
    affected: usize,
    p50: f64,
    p99: f64,
    max: f64,
    api_p50: f64,
    first_p50: f64,
    unexpected: usize,
    stale: usize,
}

fn latency(samples: &[Sample], kind: Option<Kind>) -> Latency {
    let chosen: Vec<&Sample> = samples
        .iter()
        .filter(|s| kind.is_none_or(|k| s.kind == k))
        .collect();
    let last: Vec<f64> = chosen.iter().map(|s| s.last_ms).collect();
    let api: Vec<f64> = chosen.iter().map(|s| s.api_ms).collect();
    let first: Vec<f64> = chosen.iter().map(|s| s.first_ms).collect();
    Latency {
        n: chosen.len(),
        affected: chosen.iter().map(|s| s.affected).max().unwrap_or(0),
        p50: percentile(&last, 50.0),
        p99: percentile(&last, 99.0),
        max: last.iter().copied().fold(0.0, f64::max),
        api_p50: percentile(&api, 50.0),
        first_p50: percentile(&first, 50.0),
        unexpected: chosen.iter().map(|s| s.unexpected).sum(),
        stale: chosen.iter().map(|s| s.stale).sum(),
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// RSS added by the sockets, per 1,000 sessions (MiB), over all servers of a setup.
fn per_thousand(f: &Figures) -> f64 {
    let added: i64 = f.rss.iter().map(|(b, w)| *w as i64 - *b as i64).sum();
    added as f64 / 1024.0 * 1000.0 / f.sessions as f64
}

pub fn print(all: &[Figures]) {
    for f in all {
        println!();
        println!(
            "== {}: {} sessions of {} agents, {} inboxes ==",
            f.setup, f.sessions, f.users, f.inboxes
        );
        println!("access change → last affected session holds its new snapshot (ms)");
        println!(
            "  {:<28} {:>5} {:>8} {:>8} {:>8} {:>8} | {:>9} {:>10} {:>6}",
            "change", "n", "affected", "p50", "p99", "max", "API p50", "first p50", "stale"
        );
        for (name, kind) in [
            ("member removed/added", Some(Kind::Member)),
            ("visibility org/restricted", Some(Kind::Visibility)),
            ("all changes", None),
        ] {
            let l = latency(&f.samples, kind);
            println!(
                "  {:<28} {:>5} {:>8} {:>8.1} {:>8.1} {:>8.1} | {:>9.1} {:>10.1} {:>6}",
                name, l.n, l.affected, l.p50, l.p99, l.max, l.api_p50, l.first_p50, l.stale
            );
        }
        let all = latency(&f.samples, None);
        println!(
            "  goal p99 ≤ {:.0} ms: measured {:.1} ms ({:.2}× the goal){}",
            f.goal_p99_ms,
            all.p99,
            all.p99 / f.goal_p99_ms,
            if all.unexpected > 0 {
                format!("; {} snapshots reached unaffected sessions", all.unexpected)
            } else {
                String::new()
            }
        );
        println!("API requests/s, GET /api/v1/inboxes (the server lists no conversations itself; see below)");
        println!(
            "  {:<44} {:>10.0} req/s  ({} inboxes, {} bytes)",
            "owner: every inbox passes can() (baseline)",
            f.unfiltered.requests_per_s,
            f.unfiltered.inboxes,
            f.unfiltered.bytes
        );
        println!(
            "  {:<44} {:>10.0} req/s  ({} inboxes, {} bytes)",
            "agent: entitlement-filtered by can()",
            f.filtered.requests_per_s,
            f.filtered.inboxes,
            f.filtered.bytes
        );
        println!(
            "  filtered / unfiltered: {:.2}×",
            f.filtered.requests_per_s / f.unfiltered.requests_per_s
        );
        println!("server RSS");
        for (i, (before, with)) in f.rss.iter().enumerate() {
            println!(
                "  server {}: {:.1} MiB idle (restarted after the sign-ins, no socket) → {:.1} MiB with {} sockets",
                (b'A' + i as u8) as char,
                mib(*before),
                mib(*with),
                f.sessions / f.rss.len()
            );
        }
        println!("  per 1,000 sessions: {:.1} MiB", per_thousand(f));
        for (i, peak) in f.sign_in_peak.iter().enumerate() {
            println!(
                "  server {}: peak {:.1} MiB in its first run (the users made and signed in through A: argon2)",
                (b'A' + i as u8) as char,
                mib(*peak)
            );
        }
    }
    println!();
    println!(
        "The conversation list proper is the Gmail proxy's (filtered by ReadConversation per \
         thread); its rate is bound by Google's quota (50 lists/s per inbox), so the list \
         measured is the inbox list, filtered by the same policy."
    );
    println!(
        "stale: snapshots showing the change but numbered before it (read from the state while \
         the connection handled an earlier change, or at its 20 s tick; the change's own turn \
         then sends no Access event)."
    );
    println!(
        "The bench's clients and the servers share this machine's cores: a figure includes \
         the clients' own TLS and JSON work."
    );
}

pub fn write_json(path: &Path, all: &[Figures]) -> anyhow::Result<()> {
    let setups: Vec<serde_json::Value> = all
        .iter()
        .map(|f| {
            let kinds: serde_json::Map<String, serde_json::Value> = [
                ("member", Some(Kind::Member)),
                ("visibility", Some(Kind::Visibility)),
                ("all", None),
            ]
            .into_iter()
            .map(|(name, kind)| {
                let l = latency(&f.samples, kind);
                (
                    name.to_owned(),
                    json!({
                        "changes": l.n, "affected_sessions": l.affected,
                        "p50_ms": l.p50, "p99_ms": l.p99, "max_ms": l.max,
                        "api_p50_ms": l.api_p50, "first_p50_ms": l.first_p50,
                        "unexpected_snapshots": l.unexpected,
                        "stale_numbered_snapshots": l.stale,
                    }),
                )
            })
            .collect();
            json!({
                "setup": f.setup,
                "sessions": f.sessions,
                "users": f.users,
                "inboxes": f.inboxes,
                "goal_p99_ms": f.goal_p99_ms,
                "access_change_to_last_snapshot": kinds,
                "samples_ms": f.samples.iter().map(|s| json!({
                    "kind": s.kind.name(), "affected": s.affected, "last": s.last_ms,
                    "first": s.first_ms, "api": s.api_ms,
                })).collect::<Vec<_>>(),
                "inbox_list": {
                    "filtered_agent": {"requests_per_s": f.filtered.requests_per_s,
                        "inboxes": f.filtered.inboxes, "bytes": f.filtered.bytes},
                    "unfiltered_owner": {"requests_per_s": f.unfiltered.requests_per_s,
                        "inboxes": f.unfiltered.inboxes, "bytes": f.unfiltered.bytes},
                    "ratio": f.filtered.requests_per_s / f.unfiltered.requests_per_s,
                },
                "rss_kib": f.rss.iter().map(|(b, w)| json!({"idle_no_socket": b, "with_sockets": w})).collect::<Vec<_>>(),
                "rss_mib_per_1000_sessions": per_thousand(f),
                "peak_rss_kib_during_sign_ins": f.sign_in_peak,
            })
        })
        .collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(
        path,
        serde_json::to_string_pretty(&json!({ "setups": setups }))?,
    )?;
    Ok(())
}
