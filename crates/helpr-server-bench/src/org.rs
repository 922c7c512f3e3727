//! The bench's organization, made through the API as its owner: `users` agents in ten teams,
//! and 22 inboxes: one open to the whole organization, one per team (team visibility), ten
//! restricted "desks" with up to 20 listed members each (the member changes), and one restricted
//! inbox with no members whose visibility the bench flips (the organization-wide changes).
//! Everyone signs in with the same password; users are made a few at a time (argon2 on the
//! server's blocking threads).

use futures_util::{StreamExt, TryStreamExt};
use helpr_policy::{InboxId, MemberRole, OrgRole, TeamId, UserId, Visibility};
use helpr_proto::requests::{CreateInbox, CreateTeam, CreateUser, SetMember};
use helpr_team::TeamClient;

pub const OWNER_EMAIL: &str = "owner@bench.test";
pub const PASSWORD: &str = "correct horse battery staple";
const TEAMS: usize = 10;
const DESKS: usize = 10;
const DESK_MEMBERS: usize = 20;
/// Users made at once (each hashes a password on the server).
const IN_FLIGHT: usize = 8;

/// What the bench made, and who sees what.
#[derive(Debug)]
pub struct Org {
    /// The agents, by index: their id and address.
    pub users: Vec<(UserId, String)>,
    /// Restricted inboxes and the indexes of their listed members.
    pub desks: Vec<(InboxId, Vec<usize>)>,
    /// Restricted with no members; the bench opens it to the organization and closes it again.
    pub flip: InboxId,
    pub inboxes: usize,
}

pub fn email(i: usize) -> String {
    format!("agent{i:05}@bench.test")
}

/// Makes the users, teams and inboxes through `owner`.
pub async fn populate(owner: &TeamClient, users: usize) -> Result<Org, helpr_team::TeamError> {
    let made: Vec<(usize, UserId)> = futures_util::stream::iter(0..users)
        .map(|i| async move {
            let user = owner
                .create_user(&CreateUser {
                    name: format!("Agent {i}"),
                    email: email(i),
                    role: OrgRole::Agent,
                    password: PASSWORD.into(),
                })
                .await?;
            Ok::<_, helpr_team::TeamError>((i, user.id))
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    let mut ids = vec![UserId(0); users];
    for (i, id) in made {
        ids[i] = id;
    }
    let users: Vec<(UserId, String)> = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, email(i)))
        .collect();

    let per_team = users.len().div_ceil(TEAMS);
    let mut teams: Vec<TeamId> = Vec::new();
    for (t, chunk) in users.chunks(per_team.max(1)).enumerate() {
        let team = owner
            .create_team(&CreateTeam {
                name: format!("Team {t}"),
                members: chunk.iter().map(|(id, _)| *id).collect(),
            })
            .await?;
        teams.push(team.id);
    }

    let inbox = |name: String, visibility, teams: Vec<TeamId>| CreateInbox {
        name,
        visibility,
        teams,
        assigned_only: false,
    };
    owner
        .create_inbox(&inbox(
            "Everyone".into(),
            Visibility::Organization,
            Vec::new(),
        ))
        .await?;
    for (t, team) in teams.iter().enumerate() {
        owner
            .create_inbox(&inbox(format!("Team {t}"), Visibility::Team, vec![*team]))
            .await?;
    }
    // Desk d lists the users d*stride .. d*stride + members: no user is on two desks.
    let stride = (users.len() / DESKS).max(1);
    let members_per_desk = DESK_MEMBERS.min(stride).min(users.len());
    let mut desks = Vec::new();
    for d in 0..DESKS {
        let desk = owner
            .create_inbox(&inbox(
                format!("Desk {d}"),
                Visibility::Restricted,
                Vec::new(),
            ))
            .await?;
        let members: Vec<usize> = (0..members_per_desk)
            .map(|m| (d * stride + m) % users.len())
            .collect();
        for &m in &members {
            owner
                .set_member(
                    desk.id,
                    users[m].0,
                    &SetMember {
                        role: MemberRole::Agent,
                        assigned_only: false,
                    },
                )
                .await?;
        }
        desks.push((desk.id, members));
    }
    let flip = owner
        .create_inbox(&inbox("Flip".into(), Visibility::Restricted, Vec::new()))
        .await?
        .id;
    Ok(Org {
        users,
        desks,
        flip,
        inboxes: 1 + teams.len() + DESKS + 1,
    })
}
