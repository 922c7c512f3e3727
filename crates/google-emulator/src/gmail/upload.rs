//! The media-upload protocols of `/upload/gmail/v1/users/{userId}/…` (discovery
//! `mediaUpload`, `uploadType`): `media` (the body is the media) and `multipart` (a
//! `multipart/related` body: the JSON metadata, then the media). The media must be
//! `message/*`, the discovery's accept list. `resumable` is not served (501); a missing or
//! unknown `uploadType` is 400. Every refusal is Google's error envelope.

use super::multipart::{self, MultipartError};
use super::{envelope, invalid, Query, Reply};
use hyper::header::CONTENT_TYPE;
use hyper::{HeaderMap, StatusCode};
use serde_json::{json, Value};

/// An upload, read.
#[derive(Debug)]
pub(crate) struct Upload {
    /// The JSON metadata (`{}` for `uploadType=media`).
    pub(crate) metadata: Value,
    pub(crate) media: Vec<u8>,
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UploadError {
    #[error("Upload requests must include an uploadType URL parameter and a URL path beginning with /upload/")]
    MissingType,
    #[error("Invalid upload type '{0}'")]
    UnknownType(String),
    #[error(
        "The emulator does not implement resumable uploads; use uploadType=media or multipart"
    )]
    Resumable,
    #[error("Media type '{0}' is not supported. Valid media types: [message/*]")]
    MediaType(String),
    #[error("Invalid multipart request: {0}")]
    Multipart(#[from] MultipartError),
    #[error("Invalid multipart request: expected the JSON metadata, then the media ({0} parts)")]
    Parts(usize),
    #[error("Invalid JSON payload received.")]
    Metadata,
}

impl UploadError {
    /// The envelope Google would send.
    pub(crate) fn reply(&self) -> Reply {
        match self {
            UploadError::Resumable => envelope(
                StatusCode::NOT_IMPLEMENTED,
                &self.to_string(),
                "global",
                "notImplemented",
            ),
            UploadError::MissingType => envelope(
                StatusCode::BAD_REQUEST,
                &self.to_string(),
                "global",
                "badRequest",
            ),
            _ => invalid(&self.to_string()),
        }
    }
}

/// Reads the upload `query` and `headers` announce.
pub(crate) fn read(query: &Query, headers: &HeaderMap, body: &[u8]) -> Result<Upload, UploadError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match query.one("uploadType") {
        None | Some("") => Err(UploadError::MissingType),
        Some("media") => {
            check_media_type(content_type)?;
            Ok(Upload {
                metadata: json!({}),
                media: body.to_vec(),
            })
        }
        Some("multipart") => {
            let parts = multipart::split(content_type, "related", body)?;
            let [meta, media] = parts.as_slice() else {
                return Err(UploadError::Parts(parts.len()));
            };
            let metadata = if meta.body.iter().all(u8::is_ascii_whitespace) {
                json!({})
            } else {
                serde_json::from_slice::<Value>(&meta.body)
                    .ok()
                    .filter(Value::is_object)
                    .ok_or(UploadError::Metadata)?
            };
            check_media_type(&media.content_type)?;
            Ok(Upload {
                metadata,
                media: media.body.clone(),
            })
        }
        Some("resumable") => Err(UploadError::Resumable),
        Some(other) => Err(UploadError::UnknownType(other.to_owned())),
    }
}

fn check_media_type(content_type: &str) -> Result<(), UploadError> {
    let essence = multipart::essence(content_type);
    if essence.starts_with("message/") {
        Ok(())
    } else {
        Err(UploadError::MediaType(essence))
    }
}
