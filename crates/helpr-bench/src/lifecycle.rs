//! `lifecycle`: what deleting and purging cost on a large vault (issue 14), each beside its goal:
//! - a soft delete of one message until a search no longer finds it (`Helpr::delete_message`,
//!   which returns once the index files are purged, then the search for its subject), p50/p99
//!   over 100 deletes (goal: p99 ≤ 50 ms);
//! - the hard purge of 20,000 deleted messages with `secure_delete` on (goal ≥ 5,000 msgs/s),
//!   and the database size before and after;
//! - `verify` of an audit trail of 100,000 entries (goal ≤ 1 s);
//! - the soft delete of a whole inbox of 20,000 messages (`Helpr::delete_inbox`: the vault's
//!   delete, then every document purged from the index files) beside the 100,000-message
//!   vault's other mail (goal ≤ 5 s). The inbox is a disconnected Gmail inbox filled through the
//!   vault (sealed messages of a few hundred bytes each) and indexed by the next open.
//!
//! It runs inside a throw-away keychain session (`cargo xtask bench lifecycle`), so the bench
//! vault's key goes with it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use helpr_core::{Helpr, SearchOptions};
use helpr_mail::{KeptHeaders, Mailbox};
use helpr_vault::{Act, AuditEvent, NewMessage, Scope, Target, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A Maildir to import into a fresh vault.
    #[arg(long)]
    pub corpus: PathBuf,
    /// Where to write the figures as JSON.
    #[arg(long)]
    pub json: PathBuf,
}

const DELETES: usize = 100;
const PURGED: usize = 20_000;
const AUDIT_ENTRIES: usize = 100_000;
const INBOX_MESSAGES: usize = 20_000;
const INBOX_ADDRESS: &str = "bench-inbox@example.com";

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

fn db_bytes(data: &Path) -> u64 {
    ["vault.db", "vault.db-wal"]
        .iter()
        .map(|f| std::fs::metadata(data.join(f)).map_or(0, |m| m.len()))
        .sum()
}

fn act(now: i64) -> Act<'static> {
    Act {
        actor: "bench",
        now,
    }
}

/// Soft delete of one message until a search for its subject no longer returns it.
async fn delete_latency(helpr: &Helpr) -> anyhow::Result<serde_json::Value> {
    let page = helpr.list_messages_page(DELETES as u32 * 7, 0).await?;
    let mut samples = Vec::with_capacity(DELETES);
    for m in page.iter().step_by(7).take(DELETES) {
        let query = format!("subject:\"{}\"", m.subject.replace('"', " "));
        let started = Instant::now();
        helpr.delete_message(m.id).await?;
        let hits = helpr
            .search(query.clone(), SearchOptions::default())
            .await?;
        samples.push(started.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(
            hits.hits.iter().all(|h| h.id != m.id),
            "message {} still found by {query} after its delete",
            m.id
        );
    }
    let (p50, p99) = (
        percentile(&mut samples, 50.0),
        percentile(&mut samples, 99.0),
    );
    println!(
        "soft delete → absent from search, {} deletes: p50 {p50:.1} ms, p99 {p99:.1} ms (goal p99 ≤ 50 ms)",
        samples.len()
    );
    Ok(serde_json::json!({"deletes": samples.len(), "p50_ms": p50, "p99_ms": p99}))
}

/// Soft-deletes `PURGED` messages in the vault (no index: this is the purge's figure), then
/// times their purge.
fn purge_throughput(
    vault: &Vault,
    scope: &Scope,
    data: &Path,
) -> anyhow::Result<serde_json::Value> {
    let ids: Vec<i64> = vault
        .list_messages(scope, PURGED as u32, DELETES as u32 * 7)?
        .iter()
        .map(|s| s.id)
        .collect();
    anyhow::ensure!(ids.len() == PURGED, "the corpus holds too few messages");
    for id in &ids {
        vault.soft_delete(scope, Target::Message(*id), act(0))?;
    }
    let before = db_bytes(data);
    let started = Instant::now();
    let purged = vault.purge(scope, &ids, act(1))?;
    let secs = started.elapsed().as_secs_f64();
    let after = db_bytes(data);
    let rate = purged as f64 / secs;
    println!(
        "purge of {purged} messages (secure_delete on, pages reclaimed): {secs:.2} s = {rate:.0} msgs/s \
         (goal ≥ 5,000); database {:.1} MB → {:.1} MB",
        before as f64 / 1e6,
        after as f64 / 1e6
    );
    Ok(
        serde_json::json!({"purged": purged, "seconds": secs, "msgs_per_s": rate,
        "db_bytes_before": before, "db_bytes_after": after}),
    )
}

fn audit_verify(vault: &Vault, tenant: i64) -> anyhow::Result<serde_json::Value> {
    let have = vault.verify_audit()?.entries as usize;
    for i in have..AUDIT_ENTRIES {
        let event = AuditEvent {
            tenant,
            actor: "bench",
            action: "settings.set",
            object: Some(("setting", i as i64)),
            detail: format!("entry {i}"),
        };
        vault.audit(i as i64, &event)?;
    }
    let started = Instant::now();
    let verdict = vault.verify_audit()?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        verdict.intact,
        "the bench's trail does not verify: {verdict:?}"
    );
    println!(
        "audit verify of {} entries: {secs:.3} s (goal ≤ 1 s)",
        verdict.entries
    );
    Ok(serde_json::json!({"entries": verdict.entries, "seconds": secs}))
}

/// A second inbox of `INBOX_MESSAGES` messages (a Gmail inbox, disconnected so its delete
/// has no grant to revoke), inserted through the vault, which queues them for the index.
fn fill_inbox(vault: &Vault, tenant: i64) -> anyhow::Result<()> {
    let inbox = vault.connect_gmail(tenant, INBOX_ADDRESS, b"{}", b"bench-token")?;
    vault.disconnect_gmail(tenant, inbox)?;
    let words = [
        "invoice", "refund", "outage", "renewal", "password", "shipping",
    ];
    for chunk in (0..INBOX_MESSAGES).collect::<Vec<_>>().chunks(500) {
        let batch: Vec<NewMessage> = chunk
            .iter()
            .map(|i| {
                let word = words[i % words.len()];
                let headers = KeptHeaders {
                    from: vec![Mailbox {
                        name: Some(format!("Customer {i}")),
                        address: format!("c{i}@example.com"),
                    }],
                    to: vec![Mailbox {
                        name: None,
                        address: INBOX_ADDRESS.into(),
                    }],
                    message_id: Some(format!("<bench-inbox-{i}@example.com>")),
                    ..Default::default()
                };
                NewMessage {
                    inbox_id: inbox,
                    dedupe_key: format!("bench-inbox-{i}").into_bytes(),
                    gmail_id: Some(format!("{i:016x}")),
                    subject: format!("{word} question #{i} benchinbox"),
                    snippet: format!("About the {word} of account {i}"),
                    sender: format!("Customer {i} <c{i}@example.com>"),
                    text: format!("Hello, about the {word} of account {i}: please advise.\n"),
                    headers: serde_json::to_vec(&headers).expect("headers serialize"),
                    date: 1_700_000_000 + *i as i64,
                    ..Default::default()
                }
            })
            .collect();
        vault.insert_messages(tenant, &batch)?;
    }
    Ok(())
}

/// Deletes the filled inbox through core and times it until the call returns (vault and
/// index purged); checks that a search no longer finds its mail.
async fn inbox_delete(data: &Path) -> anyhow::Result<serde_json::Value> {
    let helpr = Helpr::open(data).await?;
    // The open replays the index queue only if no other writer holds the index; doctor waits
    // for the writer and reconciles, so every message of the new inbox is indexed before timing.
    let doctor = helpr.doctor().await?;
    anyhow::ensure!(
        doctor.healthy(),
        "the bench vault is not healthy: {doctor:?}"
    );
    let query = "subject:benchinbox";
    let before = helpr
        .search(query.into(), SearchOptions::default())
        .await?
        .total;
    anyhow::ensure!(
        before as usize == INBOX_MESSAGES,
        "the inbox's mail is not indexed: {before} hits"
    );
    let started = Instant::now();
    let deleted = helpr.delete_inbox(INBOX_ADDRESS).await?;
    let secs = started.elapsed().as_secs_f64();
    let after = helpr
        .search(query.into(), SearchOptions::default())
        .await?
        .total;
    anyhow::ensure!(after == 0, "{after} hits after the inbox's delete");
    println!(
        "soft delete of an inbox of {} messages (vault and index purged): {secs:.2} s (goal ≤ 5 s)",
        deleted.ids.len()
    );
    Ok(serde_json::json!({"messages": deleted.ids.len(), "seconds": secs}))
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let work = tempfile::Builder::new()
        .prefix("helpr-bench-lifecycle-")
        .tempdir()?;
    let data = work.path().join("data");
    let rt = tokio::runtime::Runtime::new()?;
    let deletes = rt.block_on(async {
        let helpr = Helpr::init(&data, "bench").await?;
        let started = Instant::now();
        let report = helpr.import(vec![args.corpus.clone()], |_| {}).await?;
        println!(
            "imported {} messages in {:.1} s",
            report.imported,
            started.elapsed().as_secs_f64()
        );
        anyhow::Ok(delete_latency(&helpr).await?)
    })?;
    let vault = Vault::open(&data).context("opening the bench vault")?;
    let tenant = vault.default_tenant()?.id;
    let scope = Scope {
        tenant,
        inboxes: vault.inbox_ids(tenant)?,
    };
    let purge = purge_throughput(&vault, &scope, &data)?;
    let audit = audit_verify(&vault, tenant)?;
    fill_inbox(&vault, tenant)?;
    drop(vault);
    let inbox = rt.block_on(inbox_delete(&data))?;
    let figures = serde_json::json!({"delete": deletes, "purge": purge, "audit_verify": audit,
        "inbox_delete": inbox});
    std::fs::write(&args.json, serde_json::to_vec_pretty(&figures)?)?;
    println!("\nfigures written to {}", args.json.display());
    Ok(())
}
