//! [`IndexError`]: what can go wrong with the search index, typed so that helpr-core can map
//! each case to a stable code (a malformed query is the caller's mistake; a tampered or broken
//! index is an integrity failure to repair with `helpr index rebuild`; a busy writer is
//! transient).

use std::io;

use crate::query::QueryError;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The query text is malformed (says where).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Another writer (another helpr process) holds the index and did not let go in time.
    #[error("the search index is busy: another helpr process is writing to it")]
    Busy,
    /// A file failed authentication or does not decode: tampering, truncation or corruption.
    #[error("the search index is damaged ({0}); run `helpr index rebuild`")]
    Damaged(String),
    #[error("search index I/O failed: {0}")]
    Io(#[from] io::Error),
    #[error("search index failed: {0}")]
    Engine(String),
}

/// An io::Error that the encrypted directory raises for data that fails to open
/// (`InvalidData`, `UnexpectedEof`) means damage, not a passing fault.
fn io_is_damage(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
    )
}

impl From<tantivy::TantivyError> for IndexError {
    fn from(e: tantivy::TantivyError) -> Self {
        use tantivy::directory::error::{LockError, OpenReadError};
        use tantivy::TantivyError as T;
        match e {
            T::LockFailure(LockError::LockBusy, _) => IndexError::Busy,
            T::DataCorruption(c) => IndexError::Damaged(format!("{c:?}")),
            T::IoError(io) if io_is_damage(&io) => IndexError::Damaged(io.to_string()),
            T::OpenReadError(OpenReadError::IoError { io_error, .. })
                if io_is_damage(&io_error) =>
            {
                IndexError::Damaged(io_error.to_string())
            }
            T::OpenReadError(OpenReadError::FileDoesNotExist(path)) => {
                IndexError::Damaged(format!("missing file {}", path.display()))
            }
            T::SchemaError(s) => IndexError::Damaged(format!("schema: {s}")),
            other => {
                // tantivy sometimes flattens an io::Error into text (e.g. inside a thread);
                // the encrypted directory's messages all name a "sealed index" file or chunk.
                let text = other.to_string();
                if text.contains("sealed index") {
                    IndexError::Damaged(text)
                } else {
                    IndexError::Engine(text)
                }
            }
        }
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for IndexError {
    fn from(e: tantivy::directory::error::OpenDirectoryError) -> Self {
        IndexError::Engine(e.to_string())
    }
}

pub type Result<T, E = IndexError> = std::result::Result<T, E>;
