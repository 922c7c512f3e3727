//! What the event log holds: one [`Record`] per change of an organization, with who made it.
//! Records name users, teams, inboxes and conversations by id (a conversation by its Gmail
//! thread id, which is opaque); the only personal data in them are the organization's own
//! users' names and sign-in addresses. No mail content, subject or correspondent ever is.

use helpr_policy::{InboxId, MemberRole, OrgRole, TeamId, UserId, Visibility};
use serde::{Deserialize, Serialize};

/// One change, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    OrgCreated {
        name: String,
    },
    UserAdded {
        user: UserId,
        name: String,
        email: String,
        role: OrgRole,
    },
    UserChanged {
        user: UserId,
        name: Option<String>,
        role: Option<OrgRole>,
    },
    /// The user is gone: from teams, inboxes, assignments; their sessions end.
    UserRemoved {
        user: UserId,
    },
    TeamCreated {
        team: TeamId,
        name: String,
        members: Vec<UserId>,
    },
    TeamChanged {
        team: TeamId,
        name: Option<String>,
        members: Option<Vec<UserId>>,
    },
    TeamDeleted {
        team: TeamId,
    },
    InboxCreated {
        inbox: InboxId,
        name: String,
        visibility: Visibility,
        teams: Vec<TeamId>,
        assigned_only: bool,
    },
    InboxChanged {
        inbox: InboxId,
        name: Option<String>,
        visibility: Option<Visibility>,
        teams: Option<Vec<TeamId>>,
        assigned_only: Option<bool>,
    },
    InboxDeleted {
        inbox: InboxId,
    },
    MemberSet {
        inbox: InboxId,
        user: UserId,
        role: MemberRole,
        assigned_only: bool,
    },
    MemberRemoved {
        inbox: InboxId,
        user: UserId,
    },
    Assigned {
        inbox: InboxId,
        thread: String,
        assignees: Vec<UserId>,
    },
    /// An agent's own new message started this conversation (it stays visible to them in an
    /// assigned-only inbox).
    ConversationStarted {
        inbox: InboxId,
        thread: String,
        by: UserId,
    },
    /// Gmail says these conversations of the inbox changed (new mail, labels, trash): entitled
    /// desktops fetch them. Thread ids only; the server keeps nothing of the mail.
    ConversationsChanged {
        inbox: InboxId,
        threads: Vec<String>,
    },
    /// An admin opened an inbox they are not entitled to, until `until` (unix seconds).
    OverrideStarted {
        user: UserId,
        inbox: InboxId,
        until: i64,
    },
    SessionStarted {
        session: i64,
        user: UserId,
        device: String,
        /// SHA-256 of the session token, hex (the token itself is never stored).
        token_hash: String,
    },
    SessionRevoked {
        session: i64,
    },
    /// The inbox's Gmail account was connected (or connected again). Its address and grant
    /// are sealed in the database, never in the log.
    GmailConnected {
        inbox: InboxId,
    },
    /// The inbox's Gmail account was disconnected: revoked at Google, its grant deleted.
    GmailDisconnected {
        inbox: InboxId,
    },
}

/// A record with who made it (`None`: the server itself, e.g. at set-up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub actor: Option<UserId>,
    pub record: Record,
}

impl Record {
    /// The audit trail's name for the change (`member.set`, `session.revoke`, …).
    pub fn action(&self) -> &'static str {
        match self {
            Record::OrgCreated { .. } => "org.create",
            Record::UserAdded { .. } => "user.add",
            Record::UserChanged { .. } => "user.change",
            Record::UserRemoved { .. } => "user.remove",
            Record::TeamCreated { .. } => "team.create",
            Record::TeamChanged { .. } => "team.change",
            Record::TeamDeleted { .. } => "team.delete",
            Record::InboxCreated { .. } => "inbox.create",
            Record::InboxChanged { .. } => "inbox.change",
            Record::InboxDeleted { .. } => "inbox.delete",
            Record::MemberSet { .. } => "member.set",
            Record::MemberRemoved { .. } => "member.remove",
            Record::Assigned { .. } => "conversation.assign",
            Record::ConversationStarted { .. } => "conversation.start",
            Record::ConversationsChanged { .. } => "conversation.change",
            Record::OverrideStarted { .. } => "override.start",
            Record::SessionStarted { .. } => "session.start",
            Record::SessionRevoked { .. } => "session.revoke",
            Record::GmailConnected { .. } => "gmail.connect",
            Record::GmailDisconnected { .. } => "gmail.disconnect",
        }
    }
}
