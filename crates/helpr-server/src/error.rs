//! Refusals at the edge: a [`Failure`] is an HTTP status and the wire's `{code, message}`
//! (plus the policy's reason when the policy refused). Internal failures are logged with their
//! cause and answered with a bare `internal`: the cause may name a database detail, never
//! content, but the client has no use for it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use helpr_policy::Denied;
use helpr_proto::error::{ApiError, ErrorCode};

use crate::store::StoreError;

/// A refused or failed request.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: StatusCode,
    pub body: ApiError,
}

impl Failure {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            body: ApiError::new(code, message),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such object, or none you may know of",
        )
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }

    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            message,
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server failed; nothing was changed",
        )
    }
}

/// The policy's refusal: 403 with the reason, except another organization's object, which is
/// not found (its existence is not the caller's to know).
impl From<Denied> for Failure {
    fn from(denied: Denied) -> Self {
        if denied == Denied::OtherOrganization {
            return Failure::not_found();
        }
        let mut failure = Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            denied.message(),
        );
        failure.body.reason = Some(denied);
        failure
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate => Failure::conflict("it already exists"),
            e => {
                tracing::error!(error = %e, "database");
                Failure::internal()
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
