//! Who is told what. Every decision here is [`helpr_policy::can`] on the organization as it is
//! after the change: a conversation's changes and assignment go to those who may read it, an
//! organization change to those who may view the organization. Changes of a user's own access
//! are not decided here: the connection compares the user's snapshot before and after each
//! change, so whatever the policy opens or closes reaches them whatever record caused it.

use helpr_policy::{can, Action, InboxId, Object, User};
use helpr_proto::socket::Change;
use helpr_proto::views::ConversationRef;

use crate::org::record::Record;
use crate::org::state::OrgState;

fn reads(state: &OrgState, user: &User, inbox: InboxId, thread: &str, now: i64) -> bool {
    state.inboxes.get(&inbox).is_some_and(|rec| {
        let conversation = state.conversation(inbox, thread);
        can(
            user,
            Action::ReadConversation,
            Object::Conversation(&rec.policy, &conversation),
            now,
        )
    })
}

/// What `user` is told of `record` (applied to `state`), if anything.
pub fn change_for(state: &OrgState, user: &User, record: &Record, now: i64) -> Option<Change> {
    match record {
        Record::Assigned { inbox, thread, .. }
        | Record::ConversationStarted { inbox, thread, .. } => {
            reads(state, user, *inbox, thread, now).then(|| Change::Assignment {
                conversation: ConversationRef {
                    inbox: *inbox,
                    thread: thread.clone(),
                },
                assignees: state
                    .conversation(*inbox, thread)
                    .assignees
                    .into_iter()
                    .collect(),
            })
        }
        Record::ConversationsChanged { inbox, threads } => {
            let conversations: Vec<ConversationRef> = threads
                .iter()
                .filter(|t| reads(state, user, *inbox, t, now))
                .map(|t| ConversationRef {
                    inbox: *inbox,
                    thread: t.clone(),
                })
                .collect();
            (!conversations.is_empty()).then_some(Change::Conversations {
                inbox: *inbox,
                conversations,
            })
        }
        Record::OrgCreated { .. }
        | Record::UserAdded { .. }
        | Record::UserChanged { .. }
        | Record::UserRemoved { .. }
        | Record::TeamCreated { .. }
        | Record::TeamChanged { .. }
        | Record::TeamDeleted { .. }
        | Record::InboxCreated { .. }
        | Record::InboxChanged { .. }
        | Record::InboxDeleted { .. }
        | Record::MemberSet { .. }
        | Record::MemberRemoved { .. }
        | Record::GmailConnected { .. }
        | Record::GmailDisconnected { .. } => can(
            user,
            Action::ViewOrganization,
            Object::Organization(state.id),
            now,
        )
        .then_some(Change::Organization),
        Record::OverrideStarted { .. }
        | Record::SessionStarted { .. }
        | Record::SessionRevoked { .. } => None,
    }
}

/// Whether `record` may change what some user is entitled to (then snapshots are compared).
pub fn may_change_access(record: &Record) -> bool {
    !matches!(
        record,
        Record::SessionStarted { .. }
            | Record::SessionRevoked { .. }
            | Record::ConversationsChanged { .. }
            | Record::OrgCreated { .. }
    )
}

/// Whether `record` ends the session `session` of `user`.
pub fn ends_session(record: &Record, session: i64, user: helpr_policy::UserId) -> bool {
    match record {
        Record::SessionRevoked { session: s } => *s == session,
        Record::UserRemoved { user: u } => *u == user,
        _ => false,
    }
}
