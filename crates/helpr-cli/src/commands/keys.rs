//! `helpr keys list|rotate|retire VERSION`.

use std::path::Path;

use clap::Subcommand;
use helpr_core::{CoreError, Helpr, RetireControl, RetireOutcome};

use crate::output;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Key versions with their record counts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Make a new key version active for new writes (no record is re-encrypted).
    Rotate {
        #[arg(long)]
        json: bool,
    },
    /// Re-seal a version's records under the active key, then delete it (resumable).
    Retire {
        version: u32,
        #[arg(long)]
        json: bool,
    },
}

impl KeysCommand {
    pub fn json(&self) -> bool {
        match self {
            KeysCommand::List { json }
            | KeysCommand::Rotate { json }
            | KeysCommand::Retire { json, .. } => *json,
        }
    }
}

pub async fn run(dir: &Path, command: KeysCommand) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    match command {
        KeysCommand::List { json } => {
            let keys = helpr.list_keys().await?;
            if json {
                output::print_json(&keys);
            } else {
                for k in keys {
                    let mark = if k.active { " (active)" } else { "" };
                    println!("v{}{mark}: {} records", k.version, k.records);
                }
            }
        }
        KeysCommand::Rotate { json } => {
            let version = helpr.rotate_key().await?;
            if json {
                output::print_json(&serde_json::json!({ "active": version }));
            } else {
                println!(
                    "key v{version} is now active; older versions still decrypt their records"
                );
            }
        }
        KeysCommand::Retire { version, json } => {
            let bar = output::bar(0, "{spinner} re-sealing [{bar:30}] {pos}/{len} records");
            let b = bar.clone();
            let outcome = helpr
                .retire_key(version, move |p| {
                    b.set_length(p.total);
                    b.set_position(p.done);
                    RetireControl::Continue
                })
                .await;
            bar.finish_and_clear();
            let outcome = outcome?;
            if json {
                output::print_json(&outcome);
            } else {
                match outcome {
                    RetireOutcome::Retired { resealed } => {
                        println!("key v{version} retired: {resealed} records re-sealed, key deleted")
                    }
                    RetireOutcome::Interrupted { resealed, remaining } => println!(
                        "key v{version}: {resealed} records re-sealed, {remaining} remain; run again to finish"
                    ),
                }
            }
        }
    }
    Ok(())
}
