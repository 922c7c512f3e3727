//! What one session may see, as of one sequence number: the organization, the user, and each
//! inbox the policy opens to them with their access. The desktop renders exactly this, and on
//! a new snapshot removes from its vault and index whatever is no longer in it.

use helpr_policy::{InboxAccess, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::views::{ConversationRef, InboxView, OrgView, UserView};

/// Which conversations of an inbox the user sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConversationScope {
    /// Every conversation.
    All,
    /// Assigned-only: these (assigned to the user or started by them).
    Only { conversations: Vec<ConversationRef> },
}

/// A conversation of the inbox that is assigned, and to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Assignment {
    /// The Gmail thread id.
    pub thread: String,
    pub assignees: Vec<UserId>,
}

/// One inbox open to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntitledInbox {
    pub inbox: InboxView,
    pub access: InboxAccess,
    pub conversations: ConversationScope,
    /// Its assigned conversations the user may read, with their assignees; kept current after
    /// the snapshot by [`crate::socket::Change::Assignment`]. Additive: an older server sends
    /// none.
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    /// Unix seconds at which an override ends (then the inbox leaves the snapshot).
    pub override_until: Option<i64>,
}

/// A session's entitlements as of `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Snapshot {
    /// The organization's sequence number this snapshot includes every change up to.
    pub seq: u64,
    pub org: OrgView,
    pub me: UserView,
    pub inboxes: Vec<EntitledInbox>,
    /// The names of the people it mentions (the inboxes' members, the assignees, the user),
    /// by id: kept with the snapshot, they read as names offline too. Additive: an older
    /// server sends none.
    #[serde(default)]
    pub people: Vec<Person>,
}

/// A user of the organization, by name only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: UserId,
    pub name: String,
}
