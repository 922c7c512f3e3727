//! The bodies of the API's changes, and the few answers that are not views. Optional fields of
//! a change mean "leave as it is".

use helpr_policy::{InboxId, MemberRole, OrgRole, TeamId, UserId, Visibility};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::views::{OrgView, UserView};

/// `GET /api/v1/me`: who the session is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    pub org: OrgView,
    pub session_id: i64,
}

/// `POST /api/v1/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub name: String,
    pub email: String,
    pub role: OrgRole,
    /// The first password (12 characters or more); the user changes it at `/api/v1/me/password`.
    pub password: String,
}

/// `PATCH /api/v1/users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeUser {
    pub name: Option<String>,
    pub role: Option<OrgRole>,
}

/// `POST /api/v1/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current: String,
    pub new: String,
}

/// `POST /api/v1/teams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    pub name: String,
    #[serde(default)]
    pub members: Vec<UserId>,
}

/// `PATCH /api/v1/teams/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeTeam {
    pub name: Option<String>,
    pub members: Option<Vec<UserId>>,
}

/// `POST /api/v1/inboxes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInbox {
    pub name: String,
    pub visibility: Visibility,
    #[serde(default)]
    pub teams: Vec<TeamId>,
    #[serde(default)]
    pub assigned_only: bool,
}

/// `PATCH /api/v1/inboxes/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeInbox {
    pub name: Option<String>,
    pub visibility: Option<Visibility>,
    pub teams: Option<Vec<TeamId>>,
    pub assigned_only: Option<bool>,
}

/// `PUT /api/v1/inboxes/{id}/members/{user}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMember {
    pub role: MemberRole,
    #[serde(default)]
    pub assigned_only: bool,
}

/// `POST /api/v1/inboxes/{id}/override`: open an inbox as an admin for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartOverride {
    /// 1 to 1440 (a day).
    pub minutes: u32,
}

/// An override as started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OverrideView {
    pub inbox: InboxId,
    /// Unix seconds.
    pub until: i64,
}

/// `PUT /api/v1/inboxes/{id}/conversations/{thread}/assignees`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAssignees {
    pub assignees: Vec<UserId>,
}

/// A conversation's assignment (no content: the desktop has that from Gmail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConversationView {
    pub inbox: InboxId,
    pub thread: String,
    pub assignees: Vec<UserId>,
    pub started_by: Option<UserId>,
}
