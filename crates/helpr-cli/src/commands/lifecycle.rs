//! The data lifecycle and the audit trail: `delete` and `restore` (a message, a whole
//! conversation with `--thread`, an inbox with `--inbox ADDRESS`), `trash`, `purge --expired |
//! --now ID… | --inbox ADDRESS` (asks first unless `--yes`), `settings show | set grace-days N`, `audit [--since DATE] [--action A]` and
//! `audit verify` (exit 1 when the trail was tampered with).

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;

use clap::{Args, Subcommand, ValueEnum};
use helpr_core::{AuditFilter, CoreError, Helpr, Target};

use crate::output;

/// A message id, a conversation with `--thread ID`, or a whole inbox with `--inbox ADDRESS`.
#[derive(Args)]
pub struct TargetArgs {
    /// The message id.
    #[arg(required_unless_present_any = ["thread", "inbox"], conflicts_with_all = ["thread", "inbox"])]
    id: Option<i64>,
    /// A whole conversation, by its thread id.
    #[arg(long, conflicts_with = "inbox")]
    thread: Option<i64>,
    /// A whole inbox (a connected Gmail account and its mail), by its address.
    #[arg(long)]
    inbox: Option<String>,
    #[arg(long)]
    pub json: bool,
}

impl TargetArgs {
    fn target(&self) -> Target {
        match (self.id, self.thread) {
            (_, Some(thread)) => Target::Thread(thread),
            (Some(id), None) => Target::Message(id),
            (None, None) => unreachable!("clap requires one"),
        }
    }

    fn describe(&self) -> String {
        if let Some(address) = &self.inbox {
            return format!("inbox {}", output::safe(address));
        }
        match self.target() {
            Target::Message(id) => format!("message {id}"),
            Target::Thread(id) => format!("conversation {id}"),
        }
    }
}

pub async fn delete(dir: &Path, args: TargetArgs) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let deleted = match &args.inbox {
        Some(address) => helpr.delete_inbox(address).await?,
        None => helpr.delete(args.target()).await?,
    };
    if args.json {
        output::print_json(&deleted);
        return Ok(());
    }
    let what = args.describe();
    println!(
        "deleted {what} ({} message{}): in the trash until {}; `helpr restore {}` brings it back",
        deleted.ids.len(),
        if deleted.ids.len() == 1 { "" } else { "s" },
        output::date(deleted.purge_after),
        restore_args(&args),
    );
    print_gmail_pending(deleted.gmail_pending);
    Ok(())
}

/// Says what Gmail has not been told yet (it goes out with the next `helpr sync`).
fn print_gmail_pending(pending: u64) {
    if pending > 0 {
        println!(
            "Gmail could not be reached: {pending} move{} to or from Gmail's Trash will be \
             sent by the next `helpr sync`",
            if pending == 1 { "" } else { "s" }
        );
    }
}

fn restore_args(args: &TargetArgs) -> String {
    if let Some(address) = &args.inbox {
        return format!("--inbox {}", output::safe(address));
    }
    match args.target() {
        Target::Message(id) => id.to_string(),
        Target::Thread(id) => format!("--thread {id}"),
    }
}

pub async fn restore(dir: &Path, args: TargetArgs) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let restored = match &args.inbox {
        Some(address) => helpr.restore_inbox(address).await?,
        None => helpr.restore(args.target()).await?,
    };
    if args.json {
        output::print_json(&restored);
    } else {
        println!(
            "restored {} ({} messages)",
            args.describe(),
            restored.restored.len()
        );
        print_gmail_pending(restored.gmail_pending);
    }
    Ok(())
}

pub async fn trash(dir: &Path, json: bool) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let trash = helpr.trash().await?;
    if json {
        output::print_json(&trash);
        return Ok(());
    }
    if trash.messages.is_empty() && trash.inboxes.is_empty() {
        println!("the trash is empty");
    }
    for i in &trash.inboxes {
        println!(
            "inbox {} ({} messages)  deleted {}  purged after {}",
            output::safe(&i.address),
            i.messages,
            output::date(i.deleted_at),
            output::date(i.purge_after)
        );
    }
    for t in &trash.messages {
        println!(
            "{:>6}  deleted {}  {:>3} days left  {:<28}  {}",
            t.message.id,
            output::date(t.deleted_at),
            t.days_left,
            output::clip(&t.message.from, 28),
            output::subject(&t.message.subject, t.message.kept)
        );
    }
    Ok(())
}

/// `purge --expired` or `purge --now ID…` (`--thread` for conversations).
#[derive(Args)]
pub struct PurgeArgs {
    /// Purge what outlived the grace period (also done at every start).
    #[arg(long, conflicts_with_all = ["now", "thread", "inbox"], required_unless_present_any = ["now", "thread", "inbox"])]
    expired: bool,
    /// Purge these deleted messages now, before their grace period ends.
    #[arg(long, num_args = 1..)]
    now: Vec<i64>,
    /// Purge these deleted conversations now.
    #[arg(long, num_args = 1..)]
    thread: Vec<i64>,
    /// Purge this deleted inbox now, with everything it owned.
    #[arg(long, conflicts_with_all = ["now", "thread"])]
    inbox: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    #[arg(long)]
    pub json: bool,
}

pub async fn purge(dir: &Path, args: PurgeArgs) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let purged = if args.expired {
        helpr.purge_expired().await?
    } else if let Some(address) = &args.inbox {
        if !args.yes {
            confirm(
                "purge this inbox and all its mail for good? It cannot be restored afterwards.",
            )?;
        }
        helpr.purge_inbox_now(address).await?
    } else {
        let mut targets: Vec<Target> = args.now.iter().map(|&id| Target::Message(id)).collect();
        targets.extend(args.thread.iter().map(|&id| Target::Thread(id)));
        if !args.yes {
            confirm(&format!(
                "purge {} item(s) for good? They cannot be restored afterwards.",
                targets.len()
            ))?;
        }
        helpr.purge_now(targets).await?
    };
    if args.json {
        output::print_json(&purged);
    } else {
        println!("purged {} messages for good", purged.purged);
    }
    Ok(())
}

/// Asks on the terminal; without one, refuses (a script passes `--yes`).
fn confirm(question: &str) -> Result<(), CoreError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CoreError::InvalidInput(
            "purge deletes for good: confirm on a terminal, or pass --yes".into(),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CoreError::InvalidInput(format!("no answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(
            "not confirmed: nothing purged".into(),
        ))
    }
}

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// The tenant's settings.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change a setting: `grace-days N` (1–365).
    Set {
        name: Setting,
        #[arg(allow_hyphen_values = true)]
        value: String,
        #[arg(long)]
        json: bool,
    },
}

impl SettingsCommand {
    pub fn json(&self) -> bool {
        match self {
            SettingsCommand::Show { json } | SettingsCommand::Set { json, .. } => *json,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Setting {
    /// Days a deleted item stays restorable before the purge (1–365).
    GraceDays,
}

pub async fn settings(dir: &Path, command: SettingsCommand) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    match command {
        SettingsCommand::Show { json } => {
            let grace = helpr.grace_days().await?;
            if json {
                output::print_json(&serde_json::json!({ "grace_days": grace }));
            } else {
                println!("grace-days {grace}");
            }
        }
        SettingsCommand::Set {
            name: Setting::GraceDays,
            value,
            json,
        } => {
            let days: u32 = value.trim().parse().map_err(|_| {
                CoreError::InvalidInput(format!(
                    "grace-days takes a whole number of days (1–365), not {:?}",
                    output::safe(&value)
                ))
            })?;
            let old = helpr.set_grace_days(days).await?;
            if json {
                output::print_json(&serde_json::json!({ "grace_days": days, "was": old }));
            } else {
                println!("grace-days {days} (was {old})");
            }
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the trail's hash chain; names every entry edited, removed, inserted or
    /// reordered (exit 1 if any).
    Verify {
        #[arg(long)]
        json: bool,
    },
}

/// `audit [--since YYYY-MM-DD] [--action A] [--json]`, or `audit verify`.
#[derive(Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// Entries from this day on (UTC).
    #[arg(long)]
    since: Option<String>,
    /// Only this action (`message.delete`), or a family ending in a dot (`message.`).
    #[arg(long)]
    action: Option<String>,
    #[arg(long)]
    pub json: bool,
}

impl AuditArgs {
    pub fn json(&self) -> bool {
        match &self.command {
            Some(AuditCommand::Verify { json }) => *json,
            None => self.json,
        }
    }
}

/// Seconds since the epoch of a `YYYY-MM-DD` day's start (UTC).
fn day_start(day: &str) -> Result<i64, CoreError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(day.trim(), &fmt)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| {
            CoreError::InvalidInput(format!(
                "--since takes a day as YYYY-MM-DD, not {:?}",
                output::safe(day)
            ))
        })
}

pub async fn audit(dir: &Path, args: AuditArgs) -> Result<(), CoreError> {
    let since = args.since.as_deref().map(day_start).transpose()?;
    let helpr = Helpr::open(dir).await?;
    if let Some(AuditCommand::Verify { json }) = args.command {
        let verdict = helpr.audit_verify().await?;
        if json {
            output::print_json(&verdict);
        } else if verdict.intact {
            println!("audit trail intact: {} entries", verdict.entries);
        } else {
            println!("audit trail TAMPERED ({} entries):", verdict.entries);
            for p in &verdict.problems {
                println!("  {}", output::safe(p));
            }
        }
        return if verdict.intact {
            Ok(())
        } else {
            Err(CoreError::Integrity(format!(
                "the audit trail was tampered with: {}",
                verdict.problems.first().map(String::as_str).unwrap_or("")
            )))
        };
    }
    let entries = helpr
        .audit_log(AuditFilter {
            since,
            action: args.action,
        })
        .await?;
    if args.json {
        output::print_json(&entries);
        return Ok(());
    }
    for e in &entries {
        let object = match (&e.object_kind, e.object_id, &e.object_ref) {
            (Some(kind), Some(id), _) => format!("{kind} {id}"),
            (Some(kind), None, Some(r)) => format!("{kind} [redacted {}]", &r[..12]),
            _ => String::new(),
        };
        println!(
            "{:>6}  {}  {:<20}  {:<18}  {:<24}  {}",
            e.seq,
            output::date(e.at),
            output::safe(&e.actor),
            output::safe(&e.action),
            object,
            output::safe(&e.detail)
        );
    }
    if entries.is_empty() {
        println!("no audit entries");
    }
    Ok(())
}
