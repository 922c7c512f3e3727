//! What can be asked: an [`Action`] on an [`Object`]. Each action names the kind of object it
//! is about; asked of another kind, it is refused (`Denied::WrongObject`).

use serde::{Deserialize, Serialize};

use crate::model::{Conversation, Inbox, OrgId};

/// Everything the team server lets someone do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // Of the organization.
    /// See the organization's users and teams (names, roles).
    ViewOrganization,
    /// Add and remove users, change org roles other than owner.
    ManageUsers,
    /// Make a user owner, or change an owner's role.
    ManageOwners,
    /// Create, rename and delete teams, and set their members.
    ManageTeams,
    /// Create an inbox.
    CreateInbox,
    /// Read the organization's audit trail.
    ViewAudit,
    /// List and revoke other users' sessions (everyone manages their own).
    ManageSessions,

    // Of an inbox.
    /// Have it in the sidebar and its snapshot: its name, counts, health, members.
    SeeInbox,
    /// Change its name, visibility and assigned-only setting.
    ConfigureInbox,
    /// Add and remove its members and set their roles.
    ManageMembers,
    /// Connect, reconnect and disconnect its Gmail account.
    ConnectGmail,
    /// Delete the inbox.
    DeleteInbox,
    /// Open it through an admin override (explicit, time-limited, audited).
    StartOverride,

    // Of a conversation.
    /// Read it: listed, fetched, searched, its changes pushed.
    ReadConversation,
    /// Answer it (and send a new message from its inbox).
    Reply,
    /// Assign it to members, or take it.
    Assign,
}

impl Action {
    pub const ALL: [Action; 16] = [
        Action::ViewOrganization,
        Action::ManageUsers,
        Action::ManageOwners,
        Action::ManageTeams,
        Action::CreateInbox,
        Action::ViewAudit,
        Action::ManageSessions,
        Action::SeeInbox,
        Action::ConfigureInbox,
        Action::ManageMembers,
        Action::ConnectGmail,
        Action::DeleteInbox,
        Action::StartOverride,
        Action::ReadConversation,
        Action::Reply,
        Action::Assign,
    ];

    /// The kind of object the action is about.
    pub fn on(self) -> ObjectKind {
        use Action::*;
        match self {
            ViewOrganization | ManageUsers | ManageOwners | ManageTeams | CreateInbox
            | ViewAudit | ManageSessions => ObjectKind::Organization,
            SeeInbox | ConfigureInbox | ManageMembers | ConnectGmail | DeleteInbox
            | StartOverride => ObjectKind::Inbox,
            ReadConversation | Reply | Assign => ObjectKind::Conversation,
        }
    }
}

/// The kinds of [`Object`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Organization,
    Inbox,
    Conversation,
}

/// What an action is about.
#[derive(Debug, Clone, Copy)]
pub enum Object<'a> {
    Organization(OrgId),
    Inbox(&'a Inbox),
    Conversation(&'a Inbox, &'a Conversation),
}

impl Object<'_> {
    pub fn kind(&self) -> ObjectKind {
        match self {
            Object::Organization(_) => ObjectKind::Organization,
            Object::Inbox(_) => ObjectKind::Inbox,
            Object::Conversation(..) => ObjectKind::Conversation,
        }
    }

    /// The organization the object belongs to.
    pub fn org(&self) -> OrgId {
        match self {
            Object::Organization(org) => *org,
            Object::Inbox(inbox) | Object::Conversation(inbox, _) => inbox.org,
        }
    }
}
