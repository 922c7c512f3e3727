//! `search`: in-process search latency on a vault xtask has imported, two ways:
//!
//! - **helpr-core**: `Helpr::search` as every front end calls it (scope lookup, encrypted
//!   index query, top 50 by date, then date/from/subject/snippet decrypted from the vault) —
//!   compared by xtask with notmuch's library on the same mail;
//! - **encrypted vs plain**: the same queries on the same index, once through helpr's
//!   `EncryptedDirectory` and once through tantivy's plain `MmapDirectory` holding a decrypted
//!   copy of the very same files (so segments, terms and merges are identical; only the
//!   directory differs). The plain copy exists only in a temp dir for the run — synthetic mail.
//!
//! Each query runs once to warm up, then `rounds` times; p50/p99 over all samples.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use helpr_core::{Helpr, SearchOptions};
use helpr_index::{EncryptedDirectory, MailIndex, SearchRequest, Sort};
use tantivy::directory::{Directory, MmapDirectory};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A helpr data dir with imported mail (and its key in the keychain).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// A JSON array of helpr query strings.
    #[arg(long)]
    pub queries: PathBuf,
    #[arg(long, default_value_t = 20)]
    pub rounds: u32,
    /// Where to write the figures as JSON.
    #[arg(long)]
    pub json: PathBuf,
}

const LIMIT: u32 = 50;

/// Percentile `p` (0–100) of `samples` in milliseconds (nearest rank).
fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

/// Times `f` for every query: one warm-up pass, then `rounds` passes.
fn time_queries(
    queries: &[String],
    rounds: u32,
    mut f: impl FnMut(&str) -> anyhow::Result<u64>,
) -> anyhow::Result<(Vec<f64>, Vec<u64>)> {
    let mut totals = Vec::with_capacity(queries.len());
    for q in queries {
        totals.push(f(q).with_context(|| format!("query {q:?}"))?);
    }
    let mut samples = Vec::with_capacity(queries.len() * rounds as usize);
    for _ in 0..rounds {
        for q in queries {
            let t = Instant::now();
            f(q)?;
            samples.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok((samples, totals))
}

/// Copies every sealed file of the index in `sealed` to `plain`, decrypted.
fn decrypted_copy(sealed: &EncryptedDirectory, plain: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(sealed.root())? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !entry.file_type()?.is_file() || name.ends_with(".lock") || name.ends_with("-tmp") {
            continue;
        }
        let bytes = sealed.atomic_read(Path::new(name.as_ref()))?;
        std::fs::write(plain.join(name.as_ref()), bytes)?;
    }
    Ok(())
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let queries: Vec<String> = serde_json::from_slice(&std::fs::read(&args.queries)?)?;
    anyhow::ensure!(
        !queries.is_empty(),
        "no queries in {}",
        args.queries.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let helpr = runtime.block_on(Helpr::open(&args.data_dir))?;

    // helpr-core, as the front ends call it.
    let (mut core, hits) = time_queries(&queries, args.rounds, |q| {
        let page = runtime.block_on(helpr.search(
            q.to_string(),
            SearchOptions {
                limit: LIMIT,
                ..Default::default()
            },
        ))?;
        Ok(page.total)
    })?;

    // The same index through both directories. Scope: what helpr-core searched with.
    let vault = helpr_vault::Vault::open(&args.data_dir)?;
    let tenant = vault.default_tenant()?.id;
    let inboxes: Vec<u64> = vault
        .inbox_ids(tenant)?
        .into_iter()
        .map(|i| i as u64)
        .collect();
    let index_dir = args.data_dir.join("index");
    let sealed_dir = EncryptedDirectory::open(&index_dir, vault.index_cipher())?;
    let plain_tmp = tempfile::tempdir()?;
    decrypted_copy(&sealed_dir, plain_tmp.path())?;
    let encrypted = MailIndex::open_or_create(&index_dir, vault.index_cipher())?;
    let plain = MailIndex::in_directory(MmapDirectory::open(plain_tmp.path())?)?;
    let run_index = |index: &MailIndex| {
        time_queries(&queries, args.rounds, |q| {
            Ok(index
                .search(&SearchRequest {
                    query: q,
                    tenant: tenant as u64,
                    inboxes: &inboxes,
                    sort: Sort::Date,
                    limit: LIMIT as usize,
                    offset: 0,
                })?
                .total)
        })
    };
    // Interleave the two, twice, so neither gets a warmer machine.
    let (mut enc, enc_hits) = run_index(&encrypted)?;
    let (mut pla, plain_hits) = run_index(&plain)?;
    anyhow::ensure!(
        enc_hits == plain_hits && enc_hits == hits,
        "the encrypted and plain indexes disagree: {enc_hits:?} vs {plain_hits:?} vs {hits:?}"
    );
    let (enc2, _) = run_index(&encrypted)?;
    let (pla2, _) = run_index(&plain)?;
    enc.extend(enc2);
    pla.extend(pla2);
    let enc_sum: f64 = enc.iter().sum();
    let plain_sum: f64 = pla.iter().sum();

    let figures = serde_json::json!({
        "rounds": args.rounds,
        "queries": queries.len(),
        "helpr_search_p50_ms": percentile(&mut core, 50.0),
        "helpr_search_p99_ms": percentile(&mut core, 99.0),
        "encrypted_search_p50_ms": percentile(&mut enc, 50.0),
        "encrypted_search_p99_ms": percentile(&mut enc, 99.0),
        "plain_search_p50_ms": percentile(&mut pla, 50.0),
        "plain_search_p99_ms": percentile(&mut pla, 99.0),
        "encrypted_vs_plain_query_ratio": enc_sum / plain_sum,
        "encrypted_directory": encrypted.directory_stats().map(|s| serde_json::json!({
            "chunks_decrypted": s.chunks_decrypted,
            "cache_hits": s.cache_hits,
            "cache_bytes": s.cache_bytes,
            "cache_capacity": s.cache_capacity,
        })),
        "hits": hits,
    });
    println!(
        "helpr-core search: p50 {:.3} ms, p99 {:.3} ms; encrypted/plain query time {:.2}×",
        figures["helpr_search_p50_ms"].as_f64().unwrap_or_default(),
        figures["helpr_search_p99_ms"].as_f64().unwrap_or_default(),
        figures["encrypted_vs_plain_query_ratio"]
            .as_f64()
            .unwrap_or_default()
    );
    if let Some(dir) = args.json.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.json, serde_json::to_vec_pretty(&figures)?)?;
    Ok(())
}
