//! Checks of what a request names: lengths and characters of names and addresses, ids that
//! must exist in the organization, Gmail thread ids. Each refusal says what was wrong.

use helpr_policy::{InboxId, TeamId, UserId};

use crate::error::Failure;
use crate::org::state::{InboxRec, OrgState};

/// The longest name of a user, team or inbox, in characters.
pub const MAX_NAME: usize = 200;

/// A name: trimmed, 1 to [`MAX_NAME`] characters, no control characters.
pub fn name(value: &str, what: &str) -> Result<String, Failure> {
    let value = value.trim();
    let n = value.chars().count();
    if n == 0 || n > MAX_NAME || value.chars().any(char::is_control) {
        return Err(Failure::invalid(format!(
            "the {what} must be 1 to {MAX_NAME} characters, without control characters"
        )));
    }
    Ok(value.to_owned())
}

/// A sign-in address: lower-cased, one `@` with something on each side, at most 254
/// characters, no spaces or control characters.
pub fn email(value: &str) -> Result<String, Failure> {
    let value = value.trim().to_lowercase();
    let ok = value.len() <= 254
        && value.split('@').count() == 2
        && value.split('@').all(|part| !part.is_empty())
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(value)
    } else {
        Err(Failure::invalid("the email address is not valid"))
    }
}

/// A Gmail thread id: 1 to 64 letters, digits, `-` or `_`.
pub fn thread(value: &str) -> Result<(), Failure> {
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Failure::invalid(
            "a conversation id is 1 to 64 letters, digits, - or _",
        ))
    }
}

/// Every id names a user of the organization.
pub fn users_exist(state: &OrgState, users: &[UserId]) -> Result<(), Failure> {
    match users.iter().find(|u| !state.users.contains_key(u)) {
        Some(u) => Err(Failure::invalid(format!(
            "user {} is not in this organization",
            u.0
        ))),
        None => Ok(()),
    }
}

/// Every id names a team of the organization.
pub fn teams_exist(state: &OrgState, teams: &[TeamId]) -> Result<(), Failure> {
    match teams.iter().find(|t| !state.teams.contains_key(t)) {
        Some(t) => Err(Failure::invalid(format!(
            "team {} is not in this organization",
            t.0
        ))),
        None => Ok(()),
    }
}

/// The inbox, or not found.
pub fn inbox(state: &OrgState, id: InboxId) -> Result<&InboxRec, Failure> {
    state.inboxes.get(&id).ok_or_else(Failure::not_found)
}
