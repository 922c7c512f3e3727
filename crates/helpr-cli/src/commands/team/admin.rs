//! `helpr team users|teams|inboxes|members|assign|sessions …`: the organization's administration,
//! sent to the server as the signed-in user (the server's policy decides). Users are named by id
//! or address, teams and inboxes by id or name, each resolved through the server's lists.

use std::io::BufRead;

use clap::{Subcommand, ValueEnum};
use helpr_core::CoreError;
use helpr_policy::{InboxId, MemberRole, OrgRole, TeamId, UserId, Visibility};
use helpr_proto::requests::{
    ChangeInbox, ChangeTeam, ChangeUser, CreateInbox, CreateTeam, CreateUser, SetMember,
};
use helpr_team::TeamClient;

use crate::output::safe;

use super::{show, TeamCommand};

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
pub(super) async fn admin(client: &TeamClient, command: TeamCommand) -> Result<(), CoreError> {
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
