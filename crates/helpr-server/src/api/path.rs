//! The ids in a request's path, with refusals in the wire's shape: a segment that does not parse
//! (`/users/abc`, an id beyond 64 bits) is `invalid_input` (400) naming what was wrong, as JSON
//! like every other refusal, rather than axum's plain-text rejection.

use axum::extract::rejection::PathRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::Failure;

/// The path's parameters, refused in the wire's shape.
#[derive(Debug, Clone)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(refusal(rejection)),
        }
    }
}

fn refusal(rejection: PathRejection) -> Failure {
    match rejection {
        PathRejection::FailedToDeserializePathParams(e) => {
            Failure::invalid(format!("the path does not fit: {}", e.body_text()))
        }
        // Only a route without parameters asks for them: a mistake here, not the caller's.
        PathRejection::MissingPathParams(e) => {
            tracing::error!(error = %e.body_text(), "path parameters");
            Failure::internal()
        }
        other => {
            tracing::error!(error = %other.body_text(), "path parameters");
            Failure::internal()
        }
    }
}
