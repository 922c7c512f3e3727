//! What can go wrong starting, restarting or stopping a scratch cluster, each failure with what
//! a person needs to fix it: the missing package, the directory in the way, or the end of the
//! server's own log.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// Why a cluster did not start (or restart).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path} is missing: install Debian's postgresql-15 (apt-get install postgresql-15)")]
    MissingBinary { path: PathBuf },

    #[error(
        "initdb refuses to run as root, so pg-scratch runs PostgreSQL as `{user}` when it is \
         root, but this machine has no such user"
    )]
    NoSuchUser { user: &'static str },

    #[error(
        "uid {uid} has no name in the user database, and PostgreSQL needs one for its superuser"
    )]
    UnnamedUser { uid: u32 },

    #[error(
        "`{user}` (who runs PostgreSQL here, since initdb refuses root) cannot reach {dir}: \
         {blocking} (mode {mode:o}) is not searchable by it; pick a directory under /tmp, or \
         `chmod o+x {blocking}`"
    )]
    NotReachable {
        user: String,
        dir: PathBuf,
        blocking: PathBuf,
        mode: u32,
    },

    #[error(
        "{data} belongs to uid {owner}, but PostgreSQL would run as `{user}` (uid {uid}), and \
         the server must own its data directory; remove it, or run as its owner"
    )]
    WrongOwner {
        data: PathBuf,
        owner: u32,
        user: String,
        uid: u32,
    },

    #[error(
        "{data} holds a PostgreSQL {found} cluster, not 15; remove it or use another directory"
    )]
    WrongVersion { data: PathBuf, found: String },

    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },

    #[error("{command} failed ({status}):\n{output}")]
    Command {
        command: String,
        status: ExitStatus,
        output: String,
    },

    #[error("postgres exited ({status}) before accepting connections; the end of {log}:\n{tail}")]
    Exited {
        status: ExitStatus,
        log: PathBuf,
        tail: String,
    },

    #[error(
        "postgres did not accept connections on 127.0.0.1:{port} within {seconds} s (killed it); \
         the end of {log}:\n{tail}"
    )]
    NotReady {
        port: u16,
        seconds: u64,
        log: PathBuf,
        tail: String,
    },

    #[error(
        "the killed server's processes in {data} were still running {seconds} s later, so it \
         cannot start again there (pids: {pids:?})"
    )]
    Lingering {
        data: PathBuf,
        seconds: u64,
        pids: Vec<u32>,
    },
}

impl Error {
    /// An I/O error with what was being done, e.g. "creating /tmp/x".
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io { what, source }
    }
}
