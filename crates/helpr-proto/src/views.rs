//! The organization as the API shows it: users, teams, inboxes with their members, sessions, and
//! references to conversations. Ids are the policy's ([`helpr_policy`]).

use helpr_policy::{InboxId, MemberRole, OrgId, OrgRole, TeamId, UserId, Visibility};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a server speaks (`GET /api/v1/version`, before signing in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VersionView {
    /// Its wire version ([`crate::PROTO_VERSION`]).
    pub proto: u32,
    /// The server's own version.
    pub server: String,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrgView {
    pub id: OrgId,
    pub name: String,
}

/// A user of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub name: String,
    /// The address the user signs in with.
    pub email: String,
    pub role: OrgRole,
    pub teams: Vec<TeamId>,
}

/// A team and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TeamView {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<UserId>,
}

/// A listed member of an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    pub user: UserId,
    pub role: MemberRole,
    pub assigned_only: bool,
}

/// A shared inbox and who it is open to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InboxView {
    pub id: InboxId,
    pub name: String,
    pub visibility: Visibility,
    /// The teams it is open to when its visibility is `team`.
    pub teams: Vec<TeamId>,
    pub members: Vec<MemberView>,
    pub assigned_only: bool,
    /// Whether a Gmail account is connected (its address is shown only to those who manage it).
    pub gmail_connected: bool,
}

/// A conversation of an inbox, by its Gmail thread id (an opaque id, no content).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub struct ConversationRef {
    pub inbox: InboxId,
    pub thread: String,
}

/// One signed-in device of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub id: i64,
    /// What the device called itself at sign-in.
    pub device: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session making this request.
    pub current: bool,
}

/// One entry of the organization's audit trail. The actor and the object are keyed hashes;
/// the server resolves them to ids while they exist (`None` once removed: redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// The entry's place in the chain, from 1.
    pub n: i64,
    /// The change's sequence number.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor_ref: Option<String>,
    pub actor: Option<UserId>,
    /// `member.set`, `session.revoke`, …
    pub action: String,
    pub object_kind: Option<String>,
    pub object_ref: Option<String>,
    pub object_id: Option<i64>,
    /// Roles, visibilities, counts and keyed hashes; never names, addresses or content.
    pub detail: String,
}

/// What verifying the audit chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditVerdictView {
    pub entries: u64,
    pub intact: bool,
    /// Each names the entry and what happened to it.
    pub problems: Vec<String>,
}
