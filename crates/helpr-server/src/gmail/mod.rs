//! The Gmail broker (issue 16 items 2 and 3): the server holds each shared inbox's Google
//! grant, sealed, and speaks Gmail for the desktops, which never hold it; it keeps no mail.
//! Every request is decided by [`helpr_policy::decide`] like the rest of the API.
//!
//! - [`sealing`]: tenant keys per organization (wrapped by the root key) and what is sealed
//!   with them: refresh tokens, addresses, PKCE verifiers.
//! - [`broker`]: the configuration, the push verifier, and each connected inbox's access
//!   token (memory only), quota and client.
//! - [`connect`]: an admin connects an inbox's account (the installed-app flow with the
//!   server keeping the PKCE verifier), sees it, disconnects it (revoked at Google).
//! - [`proxy`]: Gmail's REST API for one inbox, exactly the calls helpr-gmail's sync and
//!   outbox make, filtered to the conversations the caller may read and streamed through.
//! - [`scan`]: the `threadId` of an answer still arriving, so a message is decided on
//!   before any of it is passed on.
//! - [`send`]: mail submitted over SMTP with the inbox's token; a new conversation is
//!   recorded as started by its sender.
//! - [`push`]: Pub/Sub push, verified, turned into `ConversationsChanged` for the fan-out.
//! - [`watch`]: push registration (`users.watch`) for connected inboxes, renewed daily, and
//!   stopped when an inbox is disconnected or deleted.

pub mod broker;
pub mod connect;
pub mod proxy;
pub mod push;
pub mod scan;
pub mod sealing;
pub mod send;
pub mod watch;

use helpr_policy::{decide, Action, Conversation, InboxAccess, InboxId, Object};

use crate::api::check;
use crate::app::App;
use crate::auth::session::Caller;
use crate::error::Failure;

/// Decides an action on the caller's inbox; what the caller is to the inbox (when it is open
/// to them).
pub fn decide_inbox(
    app: &App,
    caller: &Caller,
    inbox: InboxId,
    action: Action,
) -> Result<Option<InboxAccess>, Failure> {
    app.read(caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, action, Object::Inbox(&rec.policy), now)?;
        Ok(helpr_policy::inbox_access(me, &rec.policy, now))
    })
}

/// Decides an action on one conversation of the caller's inbox.
pub fn decide_thread(
    app: &App,
    caller: &Caller,
    inbox: InboxId,
    thread: &str,
    action: Action,
) -> Result<(), Failure> {
    app.read(caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        let conversation = s.conversation(inbox, thread);
        decide(
            me,
            action,
            Object::Conversation(&rec.policy, &conversation),
            now,
        )?;
        Ok(())
    })
}

/// Whether the caller may write to the inbox's mailbox outside an existing conversation
/// (send a new message, create a label): `Reply` on the conversation they would start — no
/// assignee, started by them. That is agent or above in the inbox, an assigned-only agent
/// included (what they start stays theirs); a viewer or someone the inbox is closed to may
/// not.
pub fn decide_new_conversation(app: &App, caller: &Caller, inbox: InboxId) -> Result<(), Failure> {
    app.read(caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        let theirs = Conversation {
            assignees: Default::default(),
            started_by: Some(me.id),
        };
        decide(
            me,
            Action::Reply,
            Object::Conversation(&rec.policy, &theirs),
            now,
        )?;
        Ok(())
    })
}
