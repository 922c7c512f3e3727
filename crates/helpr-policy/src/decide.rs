//! The decision: [`inbox_access`] says what a user is to one inbox, [`decide`] answers any
//! [`Action`] on any [`Object`] with the reason when refused, and [`can`] is its yes or no.
//!
//! The rules, in order:
//! 1. Nothing crosses organizations.
//! 2. An inbox is open to a user who is a listed member (with the member's role, which wins over
//!    visibility, so an org-wide inbox can still list someone as viewer), else to everyone of the
//!    organization (visibility `organization`) or of one of its teams (`team`) as an agent. An
//!    owner or admin with a live override opens it as an agent; if they are entitled too, the
//!    higher of the two roles counts.
//! 3. Assigned-only (the member's own flag, or the inbox's for every member below manager): only
//!    conversations assigned to the user or started by them. An override is never assigned-only.
//! 4. Owners and admins run the organization: users, teams, inboxes, Gmail connections, audit,
//!    sessions, overrides; only an owner makes or changes owners. An inbox's managers configure
//!    it and its members. Reading needs access to the inbox; replying and assigning need agent.

use serde::{Deserialize, Serialize};

use crate::action::{Action, Object};
use crate::model::{Conversation, Inbox, MemberRole, User};

/// How a user came to an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Listed as a member.
    Member,
    /// The inbox is open to the whole organization.
    Organization,
    /// The inbox is open to one of the user's teams.
    Team,
    /// An admin override, until it ends.
    Override,
}

/// What a user is to one inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxAccess {
    pub role: MemberRole,
    pub via: Via,
    /// Only conversations assigned to the user or started by them.
    pub assigned_only: bool,
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Denied {
    /// The action is not about this kind of object.
    WrongObject,
    /// The object belongs to another organization.
    OtherOrganization,
    /// Only an owner or admin may.
    NotAdmin,
    /// Only an owner may.
    NotOwner,
    /// The inbox is not open to the user.
    NoAccess,
    /// Only the inbox's managers (or an owner or admin) may.
    NotManager,
    /// The user only views this inbox.
    ViewOnly,
    /// The user sees only conversations assigned to them or started by them.
    NotAssigned,
}

impl Denied {
    /// A sentence for the refused user (no names, no content).
    pub fn message(self) -> &'static str {
        match self {
            Denied::WrongObject => "this action is not about this kind of object",
            Denied::OtherOrganization => "this belongs to another organization",
            Denied::NotAdmin => "only an owner or admin of the organization may do this",
            Denied::NotOwner => "only an owner of the organization may do this",
            Denied::NoAccess => "this inbox is not open to you",
            Denied::NotManager => "only the inbox's managers, owners and admins may do this",
            Denied::ViewOnly => "you can view this inbox but not answer from it",
            Denied::NotAssigned => {
                "you see only the conversations of this inbox assigned to you or started by you"
            }
        }
    }
}

/// What `user` is to `inbox` at `now` (unix seconds), or `None` when it is closed to them.
pub fn inbox_access(user: &User, inbox: &Inbox, now: i64) -> Option<InboxAccess> {
    if user.org != inbox.org {
        return None;
    }
    let entitled = if let Some(member) = inbox.members.get(&user.id) {
        Some(InboxAccess {
            role: member.role,
            via: Via::Member,
            assigned_only: member.assigned_only
                || (inbox.assigned_only && member.role < MemberRole::Manager),
        })
    } else {
        let via = match inbox.visibility {
            crate::Visibility::Organization => Some(Via::Organization),
            crate::Visibility::Team if !user.teams.is_disjoint(&inbox.teams) => Some(Via::Team),
            _ => None,
        };
        via.map(|via| InboxAccess {
            role: MemberRole::Agent,
            via,
            assigned_only: inbox.assigned_only,
        })
    };
    let overridden = (user.role.runs_the_organization()
        && user
            .overrides
            .iter()
            .any(|o| o.inbox == inbox.id && now < o.until))
    .then_some(InboxAccess {
        role: MemberRole::Agent,
        via: Via::Override,
        assigned_only: false,
    });
    match (entitled, overridden) {
        (Some(e), Some(o)) if o.role > e.role || (e.assigned_only && o.role >= e.role) => Some(o),
        (Some(e), _) => Some(e),
        (None, o) => o,
    }
}

/// Whether `user` may do `action` on `object` at `now` (unix seconds).
pub fn can(user: &User, action: Action, object: Object<'_>, now: i64) -> bool {
    decide(user, action, object, now).is_ok()
}

/// [`can`], with the reason when refused.
pub fn decide(user: &User, action: Action, object: Object<'_>, now: i64) -> Result<(), Denied> {
    if action.on() != object.kind() {
        return Err(Denied::WrongObject);
    }
    if object.org() != user.org {
        return Err(Denied::OtherOrganization);
    }
    let admin = user.role.runs_the_organization();
    let need_admin = || if admin { Ok(()) } else { Err(Denied::NotAdmin) };
    match (action, object) {
        (Action::ViewOrganization, _) => Ok(()),
        (
            Action::ManageUsers
            | Action::ManageTeams
            | Action::CreateInbox
            | Action::ViewAudit
            | Action::ManageSessions,
            _,
        ) => need_admin(),
        (Action::ManageOwners, _) => match user.role {
            crate::OrgRole::Owner => Ok(()),
            _ => Err(Denied::NotOwner),
        },
        (Action::ConnectGmail | Action::DeleteInbox | Action::StartOverride, _) => need_admin(),
        (Action::SeeInbox, Object::Inbox(inbox)) => inbox_access(user, inbox, now)
            .map(drop)
            .ok_or(Denied::NoAccess),
        (Action::ConfigureInbox | Action::ManageMembers, Object::Inbox(inbox)) => {
            let manager =
                inbox_access(user, inbox, now).is_some_and(|a| a.role == MemberRole::Manager);
            if admin || manager {
                Ok(())
            } else {
                Err(Denied::NotManager)
            }
        }
        (Action::ReadConversation, Object::Conversation(inbox, conversation)) => {
            read(user, inbox, conversation, now).map(drop)
        }
        (Action::Reply | Action::Assign, Object::Conversation(inbox, conversation)) => {
            let access = read(user, inbox, conversation, now)?;
            if access.role >= MemberRole::Agent {
                Ok(())
            } else {
                Err(Denied::ViewOnly)
            }
        }
        // `action.on()` matched the object's kind above, so no other pair exists.
        _ => Err(Denied::WrongObject),
    }
}

/// The user's access to `inbox` when it lets them read `conversation`.
fn read(
    user: &User,
    inbox: &Inbox,
    conversation: &Conversation,
    now: i64,
) -> Result<InboxAccess, Denied> {
    let access = inbox_access(user, inbox, now).ok_or(Denied::NoAccess)?;
    let theirs =
        conversation.assignees.contains(&user.id) || conversation.started_by == Some(user.id);
    if access.assigned_only && !theirs {
        return Err(Denied::NotAssigned);
    }
    Ok(access)
}
