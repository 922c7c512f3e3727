//! The JSON API under `/api/v1`. Every handler finds the [`Caller`](crate::auth::session::Caller),
//! reads the organization, asks [`helpr_policy::decide`] for the action the endpoint is, and
//! only then checks the request's body and answers or appends a change (so a refused caller learns
//! nothing from validation). [`ENDPOINTS`] lists which action each endpoint is
//! (the permission-matrix test walks it).
//!
//! - [`body`]: the JSON body extractor and its refusals.
//! - [`check`]: names, addresses and ids checked.
//! - [`path`]: the ids in the path, with refusals in the wire's shape.
//! - [`org`]: who I am, my snapshot, the organization, its users and teams.
//! - [`inboxes`]: inboxes, their members, overrides.
//! - [`conversations`]: a conversation's assignees.
//! - [`audit`]: the audit trail and its verification.
//! - [`sessions`]: listing and revoking sessions.

pub mod audit;
pub mod body;
pub mod check;
pub mod conversations;
pub mod inboxes;
pub mod org;
pub mod path;
pub mod sessions;

use helpr_policy::Action;

/// An endpoint and the policy action it is decided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub action: Action,
}

const fn ep(method: &'static str, path: &'static str, action: Action) -> Endpoint {
    Endpoint {
        method,
        path,
        action,
    }
}

/// Every endpoint that the policy decides, with its action. (`/me`, `/me/password`,
/// `/snapshot` and the caller's own sessions are the caller's own and need no action.)
///
/// The Gmail broker's endpoints that are one action on one object are here too (sending
/// with a `thread_id`: `Reply` on it); the proxy's calls decided on what Gmail answers (a
/// message's conversation, a list filtered per conversation), sending without a `thread_id`,
/// creating a label (`Reply` on the conversation the caller would start) and Gmail's push
/// (Google's token, no session) are not: `tests/gmail.rs` checks them over every role.
pub const ENDPOINTS: &[Endpoint] = &[
    ep("GET", "/api/v1/org", Action::ViewOrganization),
    ep("GET", "/api/v1/audit", Action::ViewAudit),
    ep("GET", "/api/v1/audit/verify", Action::ViewAudit),
    ep("GET", "/api/v1/users", Action::ViewOrganization),
    ep("POST", "/api/v1/users", Action::ManageUsers),
    ep("PATCH", "/api/v1/users/{user}", Action::ManageUsers),
    ep("DELETE", "/api/v1/users/{user}", Action::ManageUsers),
    ep(
        "GET",
        "/api/v1/users/{user}/sessions",
        Action::ManageSessions,
    ),
    ep(
        "DELETE",
        "/api/v1/users/{user}/sessions/{session}",
        Action::ManageSessions,
    ),
    ep("GET", "/api/v1/teams", Action::ViewOrganization),
    ep("POST", "/api/v1/teams", Action::ManageTeams),
    ep("PATCH", "/api/v1/teams/{team}", Action::ManageTeams),
    ep("DELETE", "/api/v1/teams/{team}", Action::ManageTeams),
    ep("POST", "/api/v1/inboxes", Action::CreateInbox),
    ep("GET", "/api/v1/inboxes/{inbox}", Action::SeeInbox),
    ep("PATCH", "/api/v1/inboxes/{inbox}", Action::ConfigureInbox),
    ep("DELETE", "/api/v1/inboxes/{inbox}", Action::DeleteInbox),
    ep(
        "PUT",
        "/api/v1/inboxes/{inbox}/members/{user}",
        Action::ManageMembers,
    ),
    ep(
        "DELETE",
        "/api/v1/inboxes/{inbox}/members/{user}",
        Action::ManageMembers,
    ),
    ep(
        "POST",
        "/api/v1/inboxes/{inbox}/override",
        Action::StartOverride,
    ),
    ep(
        "GET",
        "/api/v1/inboxes/{inbox}/conversations/{thread}",
        Action::ReadConversation,
    ),
    ep(
        "PUT",
        "/api/v1/inboxes/{inbox}/conversations/{thread}/assignees",
        Action::Assign,
    ),
    ep("GET", "/api/v1/inboxes/{inbox}/gmail", Action::ConnectGmail),
    ep(
        "POST",
        "/api/v1/inboxes/{inbox}/gmail/connect",
        Action::ConnectGmail,
    ),
    ep(
        "POST",
        "/api/v1/inboxes/{inbox}/gmail/connect/finish",
        Action::ConnectGmail,
    ),
    ep(
        "DELETE",
        "/api/v1/inboxes/{inbox}/gmail",
        Action::ConnectGmail,
    ),
    ep("POST", "/api/v1/inboxes/{inbox}/gmail/send", Action::Reply),
    // Secure email: made on a conversation as its answer; its status read with the
    // conversation (`?thread=`). Its other calls are decided the same way on the message's
    // conversation (`secure::sender`).
    ep("POST", "/api/v1/inboxes/{inbox}/secure", Action::Reply),
    ep(
        "GET",
        "/api/v1/inboxes/{inbox}/secure",
        Action::ReadConversation,
    ),
    ep(
        "GET",
        "/api/v1/inboxes/{inbox}/gmail/v1/users/me/profile",
        Action::SeeInbox,
    ),
    ep(
        "GET",
        "/api/v1/inboxes/{inbox}/gmail/v1/users/me/labels",
        Action::SeeInbox,
    ),
    ep(
        "GET",
        "/api/v1/inboxes/{inbox}/gmail/v1/users/me/messages",
        Action::SeeInbox,
    ),
    ep(
        "GET",
        "/api/v1/inboxes/{inbox}/gmail/v1/users/me/history",
        Action::SeeInbox,
    ),
];
