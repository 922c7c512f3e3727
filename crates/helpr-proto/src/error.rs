//! The body of every refused request and socket close: a stable code the client branches on,
//! and a message for people. Messages name no content, address or token.

use helpr_policy::Denied;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed JSON, a missing field, a value out of range.
    InvalidInput,
    /// The body is larger than the endpoint takes.
    TooLarge,
    /// No session, or an expired, revoked or unknown one.
    Unauthenticated,
    /// The policy refuses it; `reason` in the message.
    Forbidden,
    /// Nothing there, or nothing the caller may know of.
    NotFound,
    /// It conflicts with the current state (a duplicate name, a stale change).
    Conflict,
    /// Too many attempts; try again later.
    RateLimited,
    /// The other side speaks another wire version.
    UnsupportedVersion,
    /// Gmail could not be reached or refused.
    Upstream,
    /// A secure message is expired or revoked, or its reader used up the opens allowed.
    Gone,
    /// A secure message's one-time code is wrong, expired or used (or the address may not
    /// read it: the same answer).
    WrongCode,
    /// The server failed; nothing was changed.
    Internal,
}

/// `{code, message}`, and the policy's reason when it refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// With [`ErrorCode::Forbidden`]: the policy's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Denied>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            reason: None,
        }
    }
}
