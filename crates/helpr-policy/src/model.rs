//! The facts access is decided from: an organization's users with their org role and teams,
//! inboxes with their visibility and members, conversations with their assignees, and admin
//! overrides. Plain data; the server loads it, [`crate::can`] reads it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// An organization (the tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgId(pub i64);

/// A user of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserId(pub i64);

/// A team of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamId(pub i64);

/// A shared inbox of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxId(pub i64);

/// A user's role in the organization. Owners and admins run the organization (users, teams,
/// inboxes, audit); they read an inbox's mail only as its members or through an [`Override`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    Agent,
    Admin,
    Owner,
}

impl OrgRole {
    pub const ALL: [OrgRole; 3] = [OrgRole::Owner, OrgRole::Admin, OrgRole::Agent];

    /// Owner or admin.
    pub fn runs_the_organization(self) -> bool {
        matches!(self, OrgRole::Owner | OrgRole::Admin)
    }
}

/// Who an inbox is open to besides its listed members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Every user of the organization, as an agent.
    Organization,
    /// The members of the inbox's teams, as agents.
    Team,
    /// Its listed members only.
    Restricted,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [
        Visibility::Organization,
        Visibility::Team,
        Visibility::Restricted,
    ];
}

/// A listed member's role in one inbox. Ordered: a manager can do what an agent can, an agent
/// what a viewer can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Reads only.
    Viewer,
    /// Reads, replies and assigns.
    Agent,
    /// An agent who also configures the inbox and its members.
    Manager,
}

impl MemberRole {
    pub const ALL: [MemberRole; 3] = [MemberRole::Manager, MemberRole::Agent, MemberRole::Viewer];
}

/// A listed member of an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub role: MemberRole,
    /// This member sees only conversations assigned to them or started by them.
    pub assigned_only: bool,
}

/// An admin's explicit, time-limited opening of an inbox they are not entitled to (each one is
/// written to the audit trail by the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Override {
    pub inbox: InboxId,
    /// Unix seconds; the override grants nothing from this instant on.
    pub until: i64,
}

/// The user asking, with what the policy needs to know about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub org: OrgId,
    pub role: OrgRole,
    pub teams: BTreeSet<TeamId>,
    /// Overrides the user has started (only an owner's or admin's count).
    pub overrides: Vec<Override>,
}

impl User {
    /// A user of `org` in no team, with no override.
    pub fn new(id: UserId, org: OrgId, role: OrgRole) -> Self {
        Self {
            id,
            org,
            role,
            teams: BTreeSet::new(),
            overrides: Vec::new(),
        }
    }
}

/// An inbox, with who it is open to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inbox {
    pub id: InboxId,
    pub org: OrgId,
    pub visibility: Visibility,
    /// The teams whose members it is open to when its visibility is [`Visibility::Team`].
    pub teams: BTreeSet<TeamId>,
    pub members: BTreeMap<UserId, Member>,
    /// Every member below manager sees only conversations assigned to them or started by them.
    pub assigned_only: bool,
}

impl Inbox {
    /// An inbox of `org` open with `visibility` to `teams`, with no members and not
    /// assigned-only.
    pub fn new(
        id: InboxId,
        org: OrgId,
        visibility: Visibility,
        teams: impl IntoIterator<Item = TeamId>,
    ) -> Self {
        Self {
            id,
            org,
            visibility,
            teams: teams.into_iter().collect(),
            members: BTreeMap::new(),
            assigned_only: false,
        }
    }

    /// The inbox with `user` listed as a member.
    pub fn with_member(mut self, user: UserId, role: MemberRole, assigned_only: bool) -> Self {
        self.members.insert(
            user,
            Member {
                role,
                assigned_only,
            },
        );
        self
    }
}

/// A conversation of an inbox: who it is assigned to and who started it (an agent's own new
/// message; `None` for mail that arrived).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub assignees: BTreeSet<UserId>,
    pub started_by: Option<UserId>,
}
