//! The JSON body of a change, with refusals in the wire's shape: malformed JSON, a missing or
//! unknown field and a wrong type are `invalid_input` (400) naming what was wrong; a body over
//! the limit is `too_large` (413); a body that is not JSON at all is 415.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use helpr_proto::error::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::Failure;

/// The largest body the API takes (its changes are small; Gmail traffic has its own limits).
pub const MAX_BODY: usize = 64 * 1024;

/// A JSON body, refused in the wire's shape.
#[derive(Debug, Clone)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(refusal(rejection)),
        }
    }
}

fn refusal(rejection: JsonRejection) -> Failure {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("the body is larger than {MAX_BODY} bytes"),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::InvalidInput,
            "send the body as JSON (Content-Type: application/json)",
        ),
        _ => Failure::invalid(match rejection {
            JsonRejection::JsonDataError(e) => format!("the body does not fit: {}", e.body_text()),
            JsonRejection::JsonSyntaxError(e) => {
                format!("the body is not valid JSON: {}", e.body_text())
            }
            other => other.body_text(),
        }),
    }
}
