//! `helpr secure …`: the secure messages sent from this vault. `status [--thread ID]` shows each
//! protected thread as last synced (offline): its readers, when each read it, who is locked
//! out, its entries and expiry; `sync` fetches the server's status and stores new replies as
//! messages; `revoke ID [--recipient N]` ends one reader's access or everyone's (the server
//! deletes its half of the key); `unlock ID --recipient N` lifts a lockout. Every command
//! takes `--json`.

use std::path::Path;

use clap::Subcommand;
use helpr_core::team::secure::SecureStatus;
use helpr_core::{CoreError, Helpr};
use helpr_proto::secure::SecureView;

use crate::output::{print_json, safe};

#[derive(Subcommand)]
pub enum SecureCommand {
    /// The protected threads sent from here, as last synced (works offline).
    Status {
        /// Only those of this conversation (its local thread id).
        #[arg(long)]
        thread: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Fetch each thread's status and store new replies as messages.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Revoke one reader (`--recipient N`, from `status`) or everyone.
    Revoke {
        /// The protected thread's id (from `status`; base64url, so it may start with `-`).
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[arg(long)]
        recipient: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Let a reader who entered too many wrong codes ask for a new one.
    Unlock {
        /// The protected thread's id (from `status`; base64url, so it may start with `-`).
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[arg(long)]
        recipient: u32,
        #[arg(long)]
        json: bool,
    },
}

impl SecureCommand {
    pub fn json(&self) -> bool {
        match self {
            SecureCommand::Status { json, .. }
            | SecureCommand::Sync { json }
            | SecureCommand::Revoke { json, .. }
            | SecureCommand::Unlock { json, .. } => *json,
        }
    }
}

fn print_view(view: &SecureView) {
    let state = if view.revoked {
        "revoked"
    } else if view.expired {
        "expired"
    } else {
        "open"
    };
    println!(
        "{}  {state}, expires {}, {} entries{}",
        view.id,
        view.expires_at,
        view.entries.len(),
        view.max_opens
            .map(|m| format!(", {m} opens each"))
            .unwrap_or_default()
    );
    for r in &view.recipients {
        println!(
            "  #{} {}  {:?}, {} reads{}",
            r.n,
            safe(&r.address),
            r.state,
            r.reads.len(),
            r.reads
                .last()
                .map(|t| format!(", last at {t}"))
                .unwrap_or_default()
        );
    }
}

fn print_status(all: &[SecureStatus]) {
    if all.is_empty() {
        println!("no secure messages sent from this vault");
    }
    for s in all {
        match &s.status {
            Some(view) => print_view(view),
            None => println!("{}  (status not fetched yet: `helpr secure sync`)", s.id),
        }
    }
}

pub async fn run(dir: &Path, command: SecureCommand) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    match command {
        SecureCommand::Status { thread, json } => {
            let all = helpr.secure_status(thread).await?;
            if json {
                print_json(&all);
            } else {
                print_status(&all);
            }
        }
        SecureCommand::Sync { json } => {
            let synced = helpr.secure_sync().await?;
            if json {
                print_json(&synced);
            } else {
                println!(
                    "{} secure threads, {} new entries stored",
                    synced.threads, synced.stored
                );
            }
        }
        SecureCommand::Revoke {
            id,
            recipient,
            json,
        } => {
            let view = helpr.secure_revoke(&id, recipient).await?;
            if json {
                print_json(&view);
            } else {
                print_view(&view);
            }
        }
        SecureCommand::Unlock {
            id,
            recipient,
            json,
        } => {
            let view = helpr.secure_unlock(&id, recipient).await?;
            if json {
                print_json(&view);
            } else {
                print_view(&view);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::SecureCommand;

    #[derive(Parser)]
    struct Secure {
        #[command(subcommand)]
        command: SecureCommand,
    }

    /// A message id is base64url: one in 64 starts with `-`, and must not be read as a flag.
    #[test]
    fn an_id_that_starts_with_a_hyphen_is_an_id() {
        let id = "-BAYiM9LfF-V-HnESpqH-A";
        let parsed = Secure::try_parse_from(["secure", "revoke", id, "--json"]).unwrap();
        assert!(matches!(
            parsed.command,
            SecureCommand::Revoke { id: ref got, recipient: None, json: true } if got == id
        ));
        let parsed = Secure::try_parse_from(["secure", "unlock", id, "--recipient", "2"]).unwrap();
        assert!(matches!(
            parsed.command,
            SecureCommand::Unlock { id: ref got, recipient: 2, json: false } if got == id
        ));
        // Flags before the id are still flags.
        let parsed =
            Secure::try_parse_from(["secure", "revoke", "--json", "--recipient", "1", id]).unwrap();
        assert!(matches!(
            parsed.command,
            SecureCommand::Revoke { id: ref got, recipient: Some(1), json: true } if got == id
        ));
    }
}
