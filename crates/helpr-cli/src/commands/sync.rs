//! `helpr sync [--watch]`: syncs every connected Gmail account (or `--account`), one progress
//! bar per inbox. With `--watch` it syncs again every `--interval` seconds until stopped, and
//! purges what outlived its grace period once a day.
//! Any account that failed makes the command fail, after the others synced.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use helpr_core::{CoreError, Helpr, SyncOptions, SyncOutcome};
use helpr_gmail::sync::{Phase, Progress};
use indicatif::{MultiProgress, ProgressBar};

use crate::{output, Failure};

pub struct Args {
    pub account: Option<String>,
    pub watch: bool,
    pub interval: u64,
    pub json: bool,
}

fn bars() -> helpr_core::SyncProgressFn {
    let multi = MultiProgress::new();
    let bars: Mutex<HashMap<String, ProgressBar>> = Mutex::new(HashMap::new());
    Arc::new(move |address: &str, p: Progress| {
        let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
        let bar = bars.entry(address.to_owned()).or_insert_with(|| {
            multi.add(output::bar(
                0,
                "{spinner} {prefix} [{bar:30}] {pos}/{len} {msg} ({eta})",
            ))
        });
        bar.set_prefix(output::clip(address, 32));
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(match p.phase {
            Phase::Listing => "listing",
            Phase::FullSync => "fetching",
            Phase::Incremental => "changes",
        });
    })
}

/// Prints the outcomes (with `--json`, one document: the outcomes, each failed one carrying
/// its error) and fails if any account failed.
fn report(outcomes: &[SyncOutcome], json: bool) -> Result<(), Failure> {
    if json {
        output::print_json(&outcomes);
    } else if outcomes.is_empty() {
        println!("no Gmail account to sync; connect one with `helpr connect gmail`");
    }
    let mut failed = None;
    for o in outcomes {
        let sent = o.outbox.as_ref().map_or(0, |b| b.sent);
        if sent > 0 && !json {
            println!(
                "{}: {sent} move{} to or from Gmail's Trash sent",
                output::safe(&o.address),
                if sent == 1 { "" } else { "s" }
            );
        }
        match (&o.summary, &o.error) {
            (Some(s), _) if !json => println!(
                "{}: {:?} sync, {} new, {} updated, {} deleted, {} rejected (history {})",
                output::safe(&o.address),
                s.mode,
                s.added,
                s.updated,
                s.deleted,
                s.rejected,
                s.history_id
            ),
            (_, Some(e)) => {
                if !json {
                    eprintln!(
                        "helpr: {}: {}",
                        output::safe(&o.address),
                        output::safe(&e.message)
                    );
                }
                failed = Some(e.clone());
            }
            _ => {}
        }
    }
    let error = match failed {
        None => return Ok(()),
        Some(e) if e.code == "reconnect_needed" => CoreError::ReconnectNeeded(e.message),
        Some(e) => CoreError::Remote {
            code: "sync_failed",
            message: format!("sync failed for at least one account: {}", e.message),
        },
    };
    Err(if json {
        Failure::Reported(error)
    } else {
        Failure::Core(error)
    })
}

pub async fn run(dir: &Path, args: Args) -> Result<(), Failure> {
    let helpr = Helpr::open(dir).await.map_err(Failure::Core)?;
    let progress = bars();
    loop {
        let outcomes = helpr
            .sync_gmail(
                args.account.as_deref(),
                SyncOptions::default(),
                progress.clone(),
            )
            .await
            .map_err(Failure::Core)?;
        let result = report(&outcomes, args.json);
        if !args.watch {
            return result;
        }
        // The daily purge of what outlived its grace period, while watching.
        if let Err(e) = helpr.purge_if_due().await {
            eprintln!("helpr: expired items were not purged yet: {e}");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.interval.max(1))) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
