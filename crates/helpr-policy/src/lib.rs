//! helpr-policy: who may do what in a team, decided in one place.
//!
//! The team server's API, its WebSocket fan-out and the entitlement snapshot a desktop renders
//! all ask [`can`]; nothing else decides access. It is pure: the caller gathers the facts
//! (the user's org role and teams, the inbox's visibility and members, the conversation's
//! assignees, the time for overrides) and the answer depends on nothing else.
//!
//! - [`model`]: the facts — org roles, inbox visibility, member roles, assigned-only, overrides.
//! - [`action`]: what can be asked — [`Action`] on an [`Object`].
//! - [`decide`]: [`can`] and [`decide`] (the reason when refused), and [`inbox_access`], what a
//!   user is to one inbox.
//! - [`table`]: the rules as a table, which is the documentation (`docs/policy.md` is generated
//!   from it and a test keeps the two equal).

pub mod action;
pub mod decide;
pub mod model;
pub mod table;

pub use action::{Action, Object};
pub use decide::{can, decide, inbox_access, Denied, InboxAccess, Via};
pub use model::{
    Conversation, Inbox, InboxId, Member, MemberRole, OrgId, OrgRole, Override, TeamId, User,
    UserId, Visibility,
};
