//! The policy as a table: every [`Action`] against the kinds of people who ask, each cell
//! computed by [`crate::decide`] on a small fixed organization. It is the documentation
//! (`docs/policy.md`, kept equal to [`markdown`] by a test), so what it says is what the code
//! does.

use std::collections::{BTreeMap, BTreeSet};

use crate::action::{Action, Object, ObjectKind};
use crate::decide::decide;
use crate::model::{
    Conversation, Inbox, InboxId, Member, MemberRole, OrgId, OrgRole, Override, TeamId, User,
    UserId, Visibility,
};

/// The instant the table is evaluated at; overrides in it end later.
const NOW: i64 = 1_000_000;

/// One column: who asks, about which inbox and conversation.
pub struct Persona {
    pub title: &'static str,
    pub user: User,
    pub inbox: Inbox,
    pub conversation: Conversation,
}

fn user(id: i64, role: OrgRole) -> User {
    User {
        id: UserId(id),
        org: OrgId(1),
        role,
        teams: BTreeSet::new(),
        overrides: Vec::new(),
    }
}

fn inbox(visibility: Visibility) -> Inbox {
    Inbox {
        id: InboxId(10),
        org: OrgId(1),
        visibility,
        teams: BTreeSet::from([TeamId(5)]),
        members: BTreeMap::new(),
        assigned_only: false,
    }
}

fn member(mut inbox: Inbox, user: &User, role: MemberRole, assigned_only: bool) -> Inbox {
    inbox.members.insert(
        user.id,
        Member {
            role,
            assigned_only,
        },
    );
    inbox
}

/// The columns of the table.
pub fn personas() -> Vec<Persona> {
    let unassigned = Conversation::default();
    let mut out = Vec::new();
    let mut add = |title, user: User, inbox, conversation: &Conversation| {
        out.push(Persona {
            title,
            user,
            inbox,
            conversation: conversation.clone(),
        })
    };
    add(
        "owner, not a member",
        user(1, OrgRole::Owner),
        inbox(Visibility::Restricted),
        &unassigned,
    );
    add(
        "admin, not a member",
        user(2, OrgRole::Admin),
        inbox(Visibility::Restricted),
        &unassigned,
    );
    let mut overriding = user(2, OrgRole::Admin);
    overriding.overrides.push(Override {
        inbox: InboxId(10),
        until: NOW + 3600,
    });
    add(
        "admin, live override",
        overriding,
        inbox(Visibility::Restricted),
        &unassigned,
    );
    add(
        "agent, not a member",
        user(3, OrgRole::Agent),
        inbox(Visibility::Restricted),
        &unassigned,
    );
    add(
        "agent, org-wide inbox",
        user(3, OrgRole::Agent),
        inbox(Visibility::Organization),
        &unassigned,
    );
    let mut in_team = user(3, OrgRole::Agent);
    in_team.teams.insert(TeamId(5));
    add(
        "agent, inbox of their team",
        in_team,
        inbox(Visibility::Team),
        &unassigned,
    );
    for (title, role) in [
        ("member: manager", MemberRole::Manager),
        ("member: agent", MemberRole::Agent),
        ("member: viewer", MemberRole::Viewer),
    ] {
        let u = user(3, OrgRole::Agent);
        let i = member(inbox(Visibility::Restricted), &u, role, false);
        add(title, u, i, &unassigned);
    }
    let u = user(3, OrgRole::Agent);
    let i = member(inbox(Visibility::Restricted), &u, MemberRole::Agent, true);
    add(
        "assigned-only agent, not theirs",
        u.clone(),
        i.clone(),
        &unassigned,
    );
    let theirs = Conversation {
        assignees: BTreeSet::from([u.id]),
        started_by: None,
    };
    add("assigned-only agent, assigned", u, i, &theirs);
    out
}

/// The object `action` is asked about in `persona`'s column.
fn object(action: Action, persona: &Persona) -> Object<'_> {
    match action.on() {
        ObjectKind::Organization => Object::Organization(persona.user.org),
        ObjectKind::Inbox => Object::Inbox(&persona.inbox),
        ObjectKind::Conversation => Object::Conversation(&persona.inbox, &persona.conversation),
    }
}

/// Each action's cells: "yes", or the reason it is refused.
pub fn rows() -> Vec<(Action, Vec<String>)> {
    let personas = personas();
    Action::ALL
        .iter()
        .map(|&action| {
            let cells = personas
                .iter()
                .map(|p| match decide(&p.user, action, object(action, p), NOW) {
                    Ok(()) => "yes".to_owned(),
                    Err(denied) => code(&denied),
                })
                .collect();
            (action, cells)
        })
        .collect()
}

/// A unit variant's name as it crosses the wire (`snake_case`).
pub fn code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The table in Markdown: a row per action, a column per persona.
pub fn markdown() -> String {
    let personas = personas();
    let mut out = String::from(
        "# Who may do what (generated by `helpr-policy`; do not edit)\n\n\
         Every cell is `helpr_policy::decide` for that action, asked by that column's user \
         about a restricted inbox (or the one the column names) and an unassigned conversation \
         (or the one the column names). `yes`, or the reason it is refused.\n\n| action |",
    );
    for p in &personas {
        out.push_str(&format!(" {} |", p.title));
    }
    out.push_str("\n|---|");
    for _ in &personas {
        out.push_str("---|");
    }
    out.push('\n');
    for (action, cells) in rows() {
        out.push_str(&format!("| `{}` |", code(&action)));
        for cell in cells {
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}
