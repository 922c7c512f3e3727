//! `helpr team …`: team mode. `sign-in URL` pins the server's certificate (shown for you to
//! compare with what `helpr-server` printed, or `--fingerprint FP`) and signs in in the browser
//! (`--no-browser` prints the page's address); `status` shows the sign-in and the inboxes of
//! the last snapshot (offline); `listen` keeps the live socket and applies what the server says,
//! printing each update; `sync` fetches the shared inboxes' mail through the server; `sign-out`
//! revokes the session and purges the shared inboxes' mail.
//! Administration (`users`, `teams`, `inboxes`, `members`, `assign`, `sessions`) goes to the
//! server as the signed-in user; it decides. Users are named by id or address, teams and
//! inboxes by id or name. Every command takes `--json`.
//!
//! - [`admin`]: the administration commands and how they name users, teams and inboxes.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use clap::Subcommand;
use helpr_core::team::listen::TeamUpdate;
use helpr_core::team::{TeamStatus, Trust};
use helpr_core::{CoreError, Helpr};

use crate::output::{print_json, safe};

mod admin;

use admin::{admin, InboxesCommand, MembersCommand, SessionsCommand, TeamsCommand, UsersCommand};

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Sign this vault in to a team server (https://HOST:PORT).
    SignIn {
        server: String,
        /// The certificate fingerprint the server printed; without it, it is shown and asked.
        #[arg(long)]
        fingerprint: Option<String>,
        /// Print the sign-in page's address instead of opening a browser.
        #[arg(long)]
        no_browser: bool,
        /// What this device is called in your list of sessions.
        #[arg(long)]
        device: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The sign-in and the shared inboxes open to you (as last told; works offline).
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Keep the live connection: apply access changes as they come, print each update.
    Listen {
        /// Stop after the first snapshot is applied (for scripts).
        #[arg(long)]
        once: bool,
        #[arg(long)]
        json: bool,
    },
    /// Fetch the shared inboxes' mail through the server (what it lets you read).
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Sign out: revoke this session and purge the shared inboxes' mail from this vault.
    SignOut {
        #[arg(long)]
        json: bool,
    },
    /// The organization's users: list, add, set-role, remove.
    Users {
        #[command(subcommand)]
        command: Option<UsersCommand>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Teams: list, create, set-members, rename, delete.
    Teams {
        #[command(subcommand)]
        command: Option<TeamsCommand>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Shared inboxes: list, create, set, delete.
    Inboxes {
        #[command(subcommand)]
        command: Option<InboxesCommand>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// An inbox's members: list, set, remove.
    Members {
        #[command(subcommand)]
        command: MembersCommand,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Assign a conversation (INBOX THREAD) to users (none: unassign).
    Assign {
        inbox: String,
        thread: String,
        users: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Your sessions (or a user's with --user), and `revoke ID`.
    Sessions {
        #[command(subcommand)]
        command: Option<SessionsCommand>,
        #[arg(long)]
        user: Option<String>,
        #[arg(long, global = true)]
        json: bool,
    },
}

impl TeamCommand {
    pub fn json(&self) -> bool {
        match self {
            TeamCommand::SignIn { json, .. }
            | TeamCommand::Status { json }
            | TeamCommand::Listen { json, .. }
            | TeamCommand::SignOut { json }
            | TeamCommand::Sync { json }
            | TeamCommand::Users { json, .. }
            | TeamCommand::Teams { json, .. }
            | TeamCommand::Inboxes { json, .. }
            | TeamCommand::Members { json, .. }
            | TeamCommand::Assign { json, .. }
            | TeamCommand::Sessions { json, .. } => *json,
        }
    }
}

fn print_status(status: &TeamStatus) {
    println!(
        "signed in to {} as {} <{}> ({:?}) of {}",
        safe(&status.server),
        safe(&status.user.name),
        safe(&status.user.email),
        status.user.role,
        safe(&status.org.name)
    );
    if let Some(fp) = &status.fingerprint {
        println!("certificate {fp}");
    }
    match status.last_seq {
        Some(seq) => println!("up to change {seq}"),
        None => println!("not yet connected (run `helpr team listen`)"),
    }
    for inbox in &status.inboxes {
        let scope = match inbox.assigned_conversations {
            Some(n) => format!(", assigned-only ({n} conversations)"),
            None => String::new(),
        };
        println!(
            "  {:>5}  {}  {:?} via {:?}{scope}",
            inbox.id.0,
            safe(&inbox.name),
            inbox.access.role,
            inbox.access.via
        );
    }
}

fn show<T: serde::Serialize>(json: bool, value: &T, text: impl FnOnce(&T)) {
    if json {
        print_json(value);
    } else {
        text(value);
    }
}

pub async fn run(dir: &Path, command: TeamCommand) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    match command {
        TeamCommand::SignIn {
            server,
            fingerprint,
            no_browser,
            device,
            json,
        } => {
            let trust = match fingerprint {
                Some(fp) => Trust::Fingerprint(fp),
                None => Trust::Ask(Box::new(|seen: &str| {
                    eprintln!("The server presents the certificate with SHA-256 fingerprint\n  {seen}\nCompare it with what helpr-server printed at its start. Trust it? [y/N]");
                    let mut answer = String::new();
                    std::io::stdin().lock().read_line(&mut answer).is_ok()
                        && matches!(answer.trim(), "y" | "Y" | "yes")
                })),
            };
            let device = device.unwrap_or_else(|| format!("helpr CLI on {}", host_name()));
            let status = helpr
                .team_sign_in(&server, trust, &device, |url| {
                    if no_browser {
                        println!("{url}");
                        Ok(())
                    } else {
                        eprintln!("opening the sign-in page in your browser…");
                        helpr_core::gmail::open_in_browser(url)
                    }
                })
                .await?;
            show(json, &status, print_status);
        }
        TeamCommand::Status { json } => match helpr.team_status().await? {
            Some(status) => show(json, &status, print_status),
            None if json => print_json(&serde_json::Value::Null),
            None => println!("not signed in to a team server (`helpr team sign-in URL`)"),
        },
        TeamCommand::Listen { once, json } => {
            let (stop_tx, stop) = tokio::sync::watch::channel(false);
            let stop_tx = Arc::new(stop_tx);
            let on_update = {
                let stop_tx = stop_tx.clone();
                Arc::new(move |update: TeamUpdate| {
                    if json {
                        if let Ok(line) = serde_json::to_string(&update) {
                            println!("{line}");
                        }
                    } else {
                        println!("{}", describe(&update));
                    }
                    if once && matches!(update, TeamUpdate::Applied { .. }) {
                        let _ = stop_tx.send(true);
                    }
                })
            };
            let (_activity_tx, activity) = tokio::sync::mpsc::channel(8);
            let ctrl_c = {
                let stop_tx = stop_tx.clone();
                tokio::spawn(async move {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        let _ = stop_tx.send(true);
                    }
                })
            };
            let outcome = helpr.team_listen(on_update, activity, stop).await;
            ctrl_c.abort();
            outcome?;
        }
        TeamCommand::Sync { json } => {
            let outcomes = helpr
                .team_sync(helpr_core::SyncOptions::default(), Arc::new(|_, _| {}))
                .await?;
            let failed = outcomes.iter().find_map(|o| o.error.clone());
            show(json, &outcomes, |outcomes| {
                for o in outcomes {
                    match &o.error {
                        None => println!("{} synced", safe(&o.address)),
                        Some(e) => {
                            println!("{} could not sync: {}", safe(&o.address), safe(&e.message))
                        }
                    }
                }
            });
            if let Some(e) = failed {
                return Err(CoreError::Remote {
                    code: "team_sync_failed",
                    message: e.message,
                });
            }
        }
        TeamCommand::SignOut { json } => {
            let report = helpr.team_sign_out().await?;
            show(json, &report, |r| {
                println!(
                    "signed out; {} shared inboxes and {} messages purged from this vault",
                    r.removed_inboxes.len(),
                    r.purged_messages
                )
            });
        }
        other => admin(&helpr.team_client().await?, other).await?,
    }
    Ok(())
}

fn describe(update: &TeamUpdate) -> String {
    match update {
        TeamUpdate::Connected { seq, replayed } => {
            format!(
                "connected at change {seq}{}",
                if *replayed { "" } else { " (full refresh)" }
            )
        }
        TeamUpdate::Applied { seq, report } => format!(
            "entitlements as of change {seq}: {} inboxes removed, {} messages purged",
            report.removed_inboxes.len(),
            report.purged_messages
        ),
        TeamUpdate::Conversations { inbox, threads } => {
            format!("inbox {}: {} conversations changed", inbox.0, threads.len())
        }
        TeamUpdate::Assignment {
            conversation,
            assignees,
        } => format!(
            "inbox {} conversation {}: assigned to {:?}",
            conversation.inbox.0,
            safe(&conversation.thread),
            assignees.iter().map(|u| u.0).collect::<Vec<_>>()
        ),
        TeamUpdate::Organization { seq } => format!("the organization changed (change {seq})"),
        TeamUpdate::Presence {
            conversation,
            viewing,
            composing,
        } => format!(
            "conversation {}: {} viewing, {} writing",
            safe(&conversation.thread),
            viewing.len(),
            composing.len()
        ),
        TeamUpdate::Disconnected {
            reason,
            retry_in_ms,
        } => {
            format!(
                "disconnected ({}); retrying in {retry_in_ms} ms",
                safe(reason)
            )
        }
        TeamUpdate::SignedOut { reason } => format!("signed out by the server: {}", safe(reason)),
    }
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".into())
}
