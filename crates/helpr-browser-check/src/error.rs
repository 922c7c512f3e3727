//! The crate's one error type: what went wrong starting or driving the browser. A fragment that
//! runs script or sends a request is not an error, it is a finding in its [`crate::Verdict`]; a
//! CSP violation is not one either, it is what [`crate::driver::Tab::csp_violations`] reports.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error(
        "no Chromium found (looked for $HELPR_CHROMIUM, /usr/lib/chromium/chromium and chromium, \
         chromium-browser, google-chrome on PATH); install it with \
         `apt-get install --no-install-recommends chromium` (cargo xtask test does)"
    )]
    ChromiumMissing,
    #[error("could not start {binary}: {source}")]
    Spawn {
        binary: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "Chromium did not announce its DevTools endpoint: {reason}; its last output:\n{stderr}"
    )]
    Launch { reason: String, stderr: String },
    #[error("the recording proxy could not start: {0}")]
    Proxy(std::io::Error),
    #[error("DevTools connection: {0}")]
    Connection(String),
    #[error("DevTools command {method} failed: {message}")]
    Command { method: String, message: String },
    #[error("timed out waiting for {0}")]
    Timeout(String),
    #[error("the page broke the harness: {0}")]
    Harness(String),
    #[error("loading {url} failed: {reason}")]
    Navigation { url: String, reason: String },
    #[error("the page's script threw: {0}")]
    Script(String),
    #[error("no element matches `{0}`")]
    NoElement(String),
    #[error("`{selector}` cannot be clicked: {reason}")]
    NotClickable { selector: String, reason: String },
    #[error("the download of {name} was {state}")]
    Download { name: String, state: String },
    #[error("not a certificate (PEM or DER): {0}")]
    Certificate(String),
    #[error("not an SPKI pin (base64 of a SHA-256 hash): {0:?}")]
    Pin(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
