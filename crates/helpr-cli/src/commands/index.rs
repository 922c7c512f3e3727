//! `helpr index stats|rebuild`: what the encrypted search index holds, and recreating it from
//! the vault (resumable: a stopped rebuild continues where it stopped), with a progress bar.

use std::path::Path;

use clap::Subcommand;
use helpr_core::{CoreError, Helpr, RebuildControl};

use crate::output;

#[derive(Subcommand)]
pub enum IndexCommand {
    /// Documents, segments, size on disk, queued changes, decrypted-chunk cache.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Recreate the index from the vault (resumes a stopped rebuild).
    Rebuild {
        #[arg(long)]
        json: bool,
    },
}

impl IndexCommand {
    pub fn json(&self) -> bool {
        match self {
            IndexCommand::Stats { json } | IndexCommand::Rebuild { json } => *json,
        }
    }
}

pub async fn run(dir: &Path, command: IndexCommand) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    match command {
        IndexCommand::Stats { json } => {
            let s = helpr.index_stats().await?;
            if json {
                output::print_json(&s);
                return Ok(());
            }
            println!("messages indexed: {} (vault: {})", s.docs, s.vault_messages);
            println!("queued changes:   {}", s.queued);
            println!(
                "segments:         {} ({} deleted documents not yet merged)",
                s.segments, s.deleted_docs
            );
            println!(
                "on disk:          {} files, {} bytes (all sealed)",
                s.files, s.bytes
            );
            println!(
                "chunk cache:      {} of {} bytes, {} chunks decrypted",
                s.cache_bytes, s.cache_capacity, s.chunks_decrypted
            );
        }
        IndexCommand::Rebuild { json } => {
            let bar = output::bar(0, "{spinner} indexing [{bar:30}] {pos}/{len} ({eta})");
            let progress_bar = bar.clone();
            let report = helpr
                .rebuild_index(move |p| {
                    progress_bar.set_length(p.total);
                    progress_bar.set_position(p.done);
                    RebuildControl::Continue
                })
                .await;
            bar.finish_and_clear();
            let report = report?;
            if json {
                output::print_json(&report);
                return Ok(());
            }
            if report.resumed_after > 0 {
                println!(
                    "resumed a stopped rebuild after {} messages",
                    report.resumed_after
                );
            }
            println!(
                "rebuilt the search index: {} messages indexed",
                report.indexed + report.resumed_after
            );
        }
    }
    Ok(())
}
