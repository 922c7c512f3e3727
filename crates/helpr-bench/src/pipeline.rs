//! `pipeline`: throughput of each mail-pipeline stage on the same messages, single-threaded,
//! then the whole pipeline on every core. The baseline is ammonia's default `clean` on the same
//! HTML bodies: the goal is helpr's sanitize stage (quote stripping + policy + CSS filter +
//! image blocking) within 1.5× of ammonia alone.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rayon::prelude::*;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A Maildir (`cur`/`new`) or a folder of message files.
    #[arg(long)]
    pub maildir: PathBuf,
    /// Where to write the figures as JSON.
    #[arg(long)]
    pub json: PathBuf,
    /// Repetitions of each stage; the fastest is reported.
    #[arg(long, default_value_t = 5)]
    pub rounds: u32,
}

struct Stage {
    name: &'static str,
    best: Duration,
    items: usize,
    bytes: usize,
}

impl Stage {
    fn msgs_per_s(&self) -> f64 {
        self.items as f64 / self.best.as_secs_f64()
    }
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.best.as_secs_f64()
    }
}

fn measure(
    name: &'static str,
    rounds: u32,
    items: usize,
    bytes: usize,
    mut f: impl FnMut(),
) -> Stage {
    f(); // warm-up
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
    }
    Stage {
        name,
        best,
        items,
        bytes,
    }
}

fn load(dir: &std::path::Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let units = helpr_mail::plan(&[dir.to_path_buf()])
        .with_context(|| format!("reading {}", dir.display()))?
        .units;
    let mut out = Vec::new();
    for unit in &units {
        for m in unit.messages() {
            out.push(m?.bytes);
        }
    }
    if out.is_empty() {
        bail!("no messages under {}", dir.display());
    }
    Ok(out)
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let raw = load(&args.maildir)?;
    let raw_bytes: usize = raw.iter().map(Vec::len).sum();
    let html: Vec<String> = raw
        .iter()
        .filter_map(|r| {
            let m = mail_parser::MessageParser::default().parse(r)?;
            let part = m.html_part(0)?;
            matches!(part.body, mail_parser::PartType::Html(_))
                .then(|| m.body_html(0).map(|h| h.into_owned()))
                .flatten()
        })
        .collect();
    let html_bytes: usize = html.iter().map(String::len).sum();
    let rounds = args.rounds.max(1);

    let parse = measure("parse (mail-parser)", rounds, raw.len(), raw_bytes, || {
        for r in &raw {
            std::hint::black_box(mail_parser::MessageParser::default().parse(r));
        }
    });
    let ammonia = measure(
        "ammonia::clean alone",
        rounds,
        html.len(),
        html_bytes,
        || {
            for h in &html {
                std::hint::black_box(ammonia::clean(h));
            }
        },
    );
    let policy = measure(
        "helpr policy, no quote strip",
        rounds,
        html.len(),
        html_bytes,
        || {
            for h in &html {
                std::hint::black_box(helpr_mail::sanitize(h));
            }
        },
    );
    let sanitize = measure(
        "helpr sanitize stage",
        rounds,
        html.len(),
        html_bytes,
        || {
            for h in &html {
                std::hint::black_box(helpr_mail::sanitize(
                    &helpr_mail::quotes::strip_html_quotes(h),
                ));
            }
        },
    );
    let pipeline = measure(
        "whole pipeline, 1 core",
        rounds,
        raw.len(),
        raw_bytes,
        || {
            for r in &raw {
                let _ = std::hint::black_box(helpr_mail::parse(r));
            }
        },
    );
    let threads = rayon::current_num_threads();
    let parallel = measure(
        "whole pipeline, all cores",
        rounds,
        raw.len(),
        raw_bytes,
        || {
            raw.par_iter().for_each(|r| {
                let _ = std::hint::black_box(helpr_mail::parse(r));
            });
        },
    );

    println!(
        "pipeline bench: {} messages ({:.1} MB), {} HTML bodies ({:.1} MB), best of {rounds}, {threads} threads",
        raw.len(),
        raw_bytes as f64 / 1e6,
        html.len(),
        html_bytes as f64 / 1e6
    );
    println!(
        "{:<28} {:>12} {:>10} {:>10}",
        "stage", "msgs/s", "MB/s", "time"
    );
    for s in [&parse, &ammonia, &policy, &sanitize, &pipeline, &parallel] {
        println!(
            "{:<28} {:>12.0} {:>10.1} {:>9.1}ms",
            s.name,
            s.msgs_per_s(),
            s.mb_per_s(),
            s.best.as_secs_f64() * 1e3
        );
    }
    let ratio = sanitize.best.as_secs_f64() / ammonia.best.as_secs_f64();
    let speedup = pipeline.best.as_secs_f64() / parallel.best.as_secs_f64();
    let policy_ratio = policy.best.as_secs_f64() / ammonia.best.as_secs_f64();
    println!("sanitize stage / ammonia alone: {ratio:.2}x (goal <= 1.5x)");
    println!("policy without quote stripping / ammonia alone: {policy_ratio:.2}x");
    println!("all cores / 1 core: {speedup:.2}x");

    let stage_json = |s: &Stage| {
        serde_json::json!({
            "msgs_per_s": s.msgs_per_s(),
            "mb_per_s": s.mb_per_s(),
            "ms": s.best.as_secs_f64() * 1e3,
        })
    };
    let json = serde_json::json!({
        "messages": raw.len(),
        "bytes": raw_bytes,
        "html_bodies": html.len(),
        "html_bytes": html_bytes,
        "threads": threads,
        "parse": stage_json(&parse),
        "ammonia": stage_json(&ammonia),
        "policy": stage_json(&policy),
        "sanitize": stage_json(&sanitize),
        "pipeline": stage_json(&pipeline),
        "pipeline_parallel": stage_json(&parallel),
        "sanitize_vs_ammonia": ratio,
        "policy_vs_ammonia": policy_ratio,
        "parallel_speedup": speedup,
    });
    if let Some(dir) = args.json.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.json, serde_json::to_vec_pretty(&json)?)?;
    println!("figures written to {}", args.json.display());
    Ok(())
}
