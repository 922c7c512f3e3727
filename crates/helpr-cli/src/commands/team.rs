//! `helpr team …`: team mode. `sign-in URL` pins the server's certificate (shown for you to
//! compare with what `helpr-server` printed, or `--fingerprint FP`) and signs in in the browser
//! (`--no-browser` prints the page's address); `status` shows the sign-in and the inboxes of
//! the last snapshot (offline); `listen` keeps the live socket and applies what the server says,
//! printing each update; `sync` fetches the shared inboxes' mail through the server; `sign-out`
//! revokes the session and purges the shared inboxes' mail.
//! Administration (`users`, `teams`, `inboxes`, `members`, `assign`, `sessions`) goes to the
//! server as the signed-in user; it decides. Users are named by id or address, teams and
//! inboxes by id or name. Every command takes `--json`.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};
use helpr_core::team::listen::TeamUpdate;
use helpr_core::team::{TeamStatus, Trust};
use helpr_core::{CoreError, Helpr};
use helpr_policy::{InboxId, MemberRole, OrgRole, TeamId, UserId, Visibility};
use helpr_proto::requests::{
    ChangeInbox, ChangeTeam, ChangeUser, CreateInbox, CreateTeam, CreateUser, SetMember,
};
use helpr_team::TeamClient;

use crate::output::{print_json, safe};

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

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Owner,
    Admin,
    Agent,
}

impl From<RoleArg> for OrgRole {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Owner => OrgRole::Owner,
            RoleArg::Admin => OrgRole::Admin,
            RoleArg::Agent => OrgRole::Agent,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MemberRoleArg {
    Manager,
    Agent,
    Viewer,
}

impl From<MemberRoleArg> for MemberRole {
    fn from(r: MemberRoleArg) -> Self {
        match r {
            MemberRoleArg::Manager => MemberRole::Manager,
            MemberRoleArg::Agent => MemberRole::Agent,
            MemberRoleArg::Viewer => MemberRole::Viewer,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum VisibilityArg {
    Organization,
    Team,
    Restricted,
}

impl From<VisibilityArg> for Visibility {
    fn from(v: VisibilityArg) -> Self {
        match v {
            VisibilityArg::Organization => Visibility::Organization,
            VisibilityArg::Team => Visibility::Team,
            VisibilityArg::Restricted => Visibility::Restricted,
        }
    }
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add a user; the first password is read from standard input.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value = "agent")]
        role: RoleArg,
    },
    /// Change a user's org role.
    SetRole {
        user: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Remove a user from the organization (their sessions end).
    Remove { user: String },
}

#[derive(Subcommand)]
pub enum TeamsCommand {
    Create {
        name: String,
        /// Members (id or address).
        #[arg(long = "member")]
        members: Vec<String>,
    },
    /// Replace a team's members.
    SetMembers {
        team: String,
        members: Vec<String>,
    },
    Rename {
        team: String,
        name: String,
    },
    Delete {
        team: String,
    },
}

#[derive(Subcommand)]
pub enum InboxesCommand {
    Create {
        name: String,
        #[arg(long, value_enum)]
        visibility: VisibilityArg,
        /// Teams it is open to (visibility team).
        #[arg(long = "team")]
        teams: Vec<String>,
        #[arg(long)]
        assigned_only: bool,
    },
    /// Change an inbox's name, visibility, teams or assigned-only setting.
    Set {
        inbox: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum)]
        visibility: Option<VisibilityArg>,
        #[arg(long = "team")]
        teams: Option<Vec<String>>,
        #[arg(long)]
        assigned_only: Option<bool>,
    },
    Delete {
        inbox: String,
    },
}

#[derive(Subcommand)]
pub enum MembersCommand {
    List {
        inbox: String,
    },
    /// Add a member or set their role.
    Set {
        inbox: String,
        user: String,
        #[arg(value_enum)]
        role: MemberRoleArg,
        #[arg(long)]
        assigned_only: bool,
    },
    Remove {
        inbox: String,
        user: String,
    },
}

#[derive(Subcommand)]
pub enum SessionsCommand {
    Revoke { id: i64 },
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

fn read_password() -> Result<String, CoreError> {
    eprintln!("the user's first password (12 characters or more), then Enter:");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CoreError::InvalidInput(format!("reading the password: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn user_id(client: &TeamClient, user: &str) -> Result<UserId, CoreError> {
    if let Ok(id) = user.parse() {
        return Ok(UserId(id));
    }
    let wanted = user.trim().to_lowercase();
    client
        .users()
        .await?
        .into_iter()
        .find(|u| u.email == wanted)
        .map(|u| u.id)
        .ok_or_else(|| CoreError::NotFound(format!("no user {}", safe(user))))
}

async fn user_ids(client: &TeamClient, users: &[String]) -> Result<Vec<UserId>, CoreError> {
    let mut out = Vec::new();
    for u in users {
        out.push(user_id(client, u).await?);
    }
    Ok(out)
}

async fn team_id(client: &TeamClient, team: &str) -> Result<TeamId, CoreError> {
    if let Ok(id) = team.parse() {
        return Ok(TeamId(id));
    }
    client
        .teams()
        .await?
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(team.trim()))
        .map(|t| t.id)
        .ok_or_else(|| CoreError::NotFound(format!("no team {}", safe(team))))
}

async fn inbox_id(client: &TeamClient, inbox: &str) -> Result<InboxId, CoreError> {
    if let Ok(id) = inbox.parse() {
        return Ok(InboxId(id));
    }
    client
        .inboxes()
        .await?
        .into_iter()
        .find(|i| i.name.eq_ignore_ascii_case(inbox.trim()))
        .map(|i| i.id)
        .ok_or_else(|| CoreError::NotFound(format!("no inbox {}", safe(inbox))))
}

/// Prints `value` as JSON, or `text` for a person.
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

async fn admin(client: &TeamClient, command: TeamCommand) -> Result<(), CoreError> {
    match command {
        TeamCommand::Users { command, json } => match command {
            None => show(json, &client.users().await?, |users| {
                for u in users {
                    println!(
                        "{:>5}  {}  <{}>  {:?}",
                        u.id.0,
                        safe(&u.name),
                        safe(&u.email),
                        u.role
                    );
                }
            }),
            Some(UsersCommand::Add { name, email, role }) => {
                let password = read_password()?;
                let user = client
                    .create_user(&CreateUser {
                        name,
                        email,
                        role: role.into(),
                        password,
                    })
                    .await?;
                show(json, &user, |u| {
                    println!("added user {} <{}>", u.id.0, safe(&u.email))
                });
            }
            Some(UsersCommand::SetRole { user, role }) => {
                let id = user_id(client, &user).await?;
                let changed = client
                    .change_user(
                        id,
                        &ChangeUser {
                            name: None,
                            role: Some(role.into()),
                        },
                    )
                    .await?;
                show(json, &changed, |u| {
                    println!("user {} is now {:?}", u.id.0, u.role)
                });
            }
            Some(UsersCommand::Remove { user }) => {
                let id = user_id(client, &user).await?;
                client.remove_user(id).await?;
                show(json, &serde_json::json!({ "removed": id }), |_| {
                    println!("removed user {}", id.0)
                });
            }
        },
        TeamCommand::Teams { command, json } => match command {
            None => show(json, &client.teams().await?, |teams| {
                for t in teams {
                    println!(
                        "{:>5}  {}  ({} members)",
                        t.id.0,
                        safe(&t.name),
                        t.members.len()
                    );
                }
            }),
            Some(TeamsCommand::Create { name, members }) => {
                let members = user_ids(client, &members).await?;
                let team = client.create_team(&CreateTeam { name, members }).await?;
                show(json, &team, |t| {
                    println!("created team {} {}", t.id.0, safe(&t.name))
                });
            }
            Some(TeamsCommand::SetMembers { team, members }) => {
                let id = team_id(client, &team).await?;
                let members = Some(user_ids(client, &members).await?);
                let team = client
                    .change_team(
                        id,
                        &ChangeTeam {
                            name: None,
                            members,
                        },
                    )
                    .await?;
                show(json, &team, |t| {
                    println!("team {} has {} members", t.id.0, t.members.len())
                });
            }
            Some(TeamsCommand::Rename { team, name }) => {
                let id = team_id(client, &team).await?;
                let team = client
                    .change_team(
                        id,
                        &ChangeTeam {
                            name: Some(name),
                            members: None,
                        },
                    )
                    .await?;
                show(json, &team, |t| {
                    println!("team {} is now {}", t.id.0, safe(&t.name))
                });
            }
            Some(TeamsCommand::Delete { team }) => {
                let id = team_id(client, &team).await?;
                client.delete_team(id).await?;
                show(json, &serde_json::json!({ "deleted": id }), |_| {
                    println!("deleted team {}", id.0)
                });
            }
        },
        TeamCommand::Inboxes { command, json } => match command {
            None => show(json, &client.inboxes().await?, |inboxes| {
                for i in inboxes {
                    println!(
                        "{:>5}  {}  {:?}{}  ({} members){}",
                        i.id.0,
                        safe(&i.name),
                        i.visibility,
                        if i.assigned_only {
                            ", assigned-only"
                        } else {
                            ""
                        },
                        i.members.len(),
                        if i.gmail_connected {
                            ""
                        } else {
                            "  [no Gmail account connected]"
                        }
                    );
                }
            }),
            Some(InboxesCommand::Create {
                name,
                visibility,
                teams,
                assigned_only,
            }) => {
                let mut ids = Vec::new();
                for t in &teams {
                    ids.push(team_id(client, t).await?);
                }
                let inbox = client
                    .create_inbox(&CreateInbox {
                        name,
                        visibility: visibility.into(),
                        teams: ids,
                        assigned_only,
                    })
                    .await?;
                show(json, &inbox, |i| {
                    println!("created inbox {} {}", i.id.0, safe(&i.name))
                });
            }
            Some(InboxesCommand::Set {
                inbox,
                name,
                visibility,
                teams,
                assigned_only,
            }) => {
                let id = inbox_id(client, &inbox).await?;
                let teams = match teams {
                    Some(teams) => {
                        let mut ids = Vec::new();
                        for t in &teams {
                            ids.push(team_id(client, t).await?);
                        }
                        Some(ids)
                    }
                    None => None,
                };
                let inbox = client
                    .change_inbox(
                        id,
                        &ChangeInbox {
                            name,
                            visibility: visibility.map(Into::into),
                            teams,
                            assigned_only,
                        },
                    )
                    .await?;
                show(json, &inbox, |i| println!("inbox {} updated", i.id.0));
            }
            Some(InboxesCommand::Delete { inbox }) => {
                let id = inbox_id(client, &inbox).await?;
                client.delete_inbox(id).await?;
                show(json, &serde_json::json!({ "deleted": id }), |_| {
                    println!("deleted inbox {}", id.0)
                });
            }
        },
        TeamCommand::Members { command, json } => match command {
            MembersCommand::List { inbox } => {
                let id = inbox_id(client, &inbox).await?;
                let inbox = client
                    .inboxes()
                    .await?
                    .into_iter()
                    .find(|i| i.id == id)
                    .ok_or_else(|| CoreError::NotFound(format!("no inbox {}", id.0)))?;
                show(json, &inbox.members, |members| {
                    for m in members {
                        println!(
                            "{:>5}  {:?}{}",
                            m.user.0,
                            m.role,
                            if m.assigned_only {
                                ", assigned-only"
                            } else {
                                ""
                            }
                        );
                    }
                });
            }
            MembersCommand::Set {
                inbox,
                user,
                role,
                assigned_only,
            } => {
                let (inbox, user) = (
                    inbox_id(client, &inbox).await?,
                    user_id(client, &user).await?,
                );
                let view = client
                    .set_member(
                        inbox,
                        user,
                        &SetMember {
                            role: role.into(),
                            assigned_only,
                        },
                    )
                    .await?;
                show(json, &view, |i| {
                    println!("inbox {} now has {} members", i.id.0, i.members.len())
                });
            }
            MembersCommand::Remove { inbox, user } => {
                let (inbox, user) = (
                    inbox_id(client, &inbox).await?,
                    user_id(client, &user).await?,
                );
                let view = client.remove_member(inbox, user).await?;
                show(json, &view, |i| {
                    println!("inbox {} now has {} members", i.id.0, i.members.len())
                });
            }
        },
        TeamCommand::Assign {
            inbox,
            thread,
            users,
            json,
        } => {
            let inbox = inbox_id(client, &inbox).await?;
            let assignees = user_ids(client, &users).await?;
            let view = client.assign(inbox, &thread, assignees).await?;
            show(json, &view, |c| {
                println!(
                    "conversation {} assigned to {:?}",
                    safe(&c.thread),
                    c.assignees.iter().map(|u| u.0).collect::<Vec<_>>()
                )
            });
        }
        TeamCommand::Sessions {
            command,
            user,
            json,
        } => {
            let user = match user {
                Some(u) => Some(user_id(client, &u).await?),
                None => None,
            };
            match (command, user) {
                (None, None) => show(json, &client.sessions().await?, print_sessions),
                (None, Some(user)) => {
                    show(json, &client.user_sessions(user).await?, print_sessions)
                }
                (Some(SessionsCommand::Revoke { id }), None) => {
                    client.revoke_session(id).await?;
                    show(json, &serde_json::json!({ "revoked": id }), |_| {
                        println!("revoked session {id}")
                    });
                }
                (Some(SessionsCommand::Revoke { id }), Some(user)) => {
                    client.revoke_user_session(user, id).await?;
                    show(json, &serde_json::json!({ "revoked": id }), |_| {
                        println!("revoked session {id}")
                    });
                }
            }
        }
        TeamCommand::SignIn { .. }
        | TeamCommand::Status { .. }
        | TeamCommand::Listen { .. }
        | TeamCommand::SignOut { .. }
        | TeamCommand::Sync { .. } => unreachable!("handled by run"),
    }
    Ok(())
}

fn print_sessions(sessions: &Vec<helpr_proto::views::SessionView>) {
    for s in sessions {
        println!(
            "{:>5}  {}  since {}{}",
            s.id,
            safe(&s.device),
            crate::output::date(s.created_at),
            if s.current { "  (this one)" } else { "" }
        );
    }
}
