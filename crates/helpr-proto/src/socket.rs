//! The WebSocket (`GET /api/v1/socket`, the session token in the upgrade's `Authorization`
//! header, never in the URL). The client says hello with the last sequence number it applied;
//! the server answers [`ServerMessage::Welcome`], the current [`Snapshot`], then every event it
//! missed since that number (unless that is too old: then `replayed` is false and the client
//! refetches what it shows), then live events as they happen, each to exactly the sessions the
//! policy lets see it.

use helpr_policy::{InboxId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::snapshot::Snapshot;
use crate::views::ConversationRef;

/// From the desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first message: the wire version, and the last sequence number applied (none on a
    /// first connection).
    Hello { proto: u32, last_seq: Option<u64> },
    /// The conversation the user has open, or none.
    Viewing {
        conversation: Option<ConversationRef>,
    },
    /// Whether the user is writing a reply to `conversation`.
    Composing {
        conversation: ConversationRef,
        active: bool,
    },
}

/// To the desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The answer to hello: the organization's sequence number now, and whether the events
    /// since the client's `last_seq` follow the snapshot (`false`: none was given, or it was too
    /// old or ahead of the server; refetch everything shown).
    Welcome { seq: u64, replayed: bool },
    /// The whole entitlement, replacing the last (on connect when the missed events are too old,
    /// and after any change of this user's access).
    Snapshot { snapshot: Snapshot },
    /// One change, in sequence.
    Event { event: Event },
    /// Who else is viewing or writing in a conversation the user can read (not sequenced: the
    /// latest replaces the last).
    Presence {
        conversation: ConversationRef,
        viewing: Vec<UserId>,
        composing: Vec<UserId>,
    },
    /// The server closes the socket: the session was revoked, or the hello was refused.
    Closing { error: ApiError },
}

/// A change, numbered in its organization's sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub seq: u64,
    pub change: Change,
}

/// What changed. A client skips a kind it does not know (additive kinds keep the version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// Conversations of an inbox changed at Gmail (new mail, labels, trash): fetch them.
    Conversations {
        inbox: InboxId,
        conversations: Vec<ConversationRef>,
    },
    /// A conversation's assignees changed.
    Assignment {
        conversation: ConversationRef,
        assignees: Vec<UserId>,
    },
    /// The organization changed in a way that does not change this user's entitlements (a
    /// team renamed, a member added elsewhere): refresh the admin views.
    Organization,
    /// This user's entitlements changed; a [`ServerMessage::Snapshot`] at this sequence number
    /// follows.
    Access,
}
