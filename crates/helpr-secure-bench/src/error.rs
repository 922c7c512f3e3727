//! Why a run of the bench stopped: each part it drives fails in its own words, and the flow
//! itself (a mail that never came, an answer of the wrong shape) says what it expected.

use helpr_server_bench::server::ServerError;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("the google-emulator did not start: {0}")]
    Emulator(#[from] google_emulator::StartError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("the team server's API: {0}")]
    Team(#[from] helpr_team::TeamError),
    #[error("the agent's vault (helpr-core): {0}")]
    Core(#[from] helpr_core::CoreError),
    #[error("Chromium: {0}")]
    Browser(#[from] helpr_browser_check::Error),
    #[error("a reader's request: {0}")]
    Http(#[from] reqwest::Error),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The flow did not go as the protocol says (a status, a shape, a size).
    #[error("{0}")]
    Flow(String),
}

impl BenchError {
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
        let what = what.into();
        move |source| BenchError::Io { what, source }
    }
}
