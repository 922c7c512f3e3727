//! The read-only connections: a small pool that opens connections on the calling thread, when
//! a read needs one, and keeps at most [`READERS`] idle ones.
//!
//! Not r2d2: its pool opens and closes connections on a worker thread of its own, which outlives
//! the `Vault` it belongs to. A command could then end with a reader still open after the writer
//! had closed (SQLite kept an empty WAL behind), and rarely the worker closed a SQLCipher
//! connection during `exit`, after OpenSSL had been cleaned up, and the process crashed. Here
//! every connection is opened and closed by the thread that uses or drops the pool.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use helpr_crypto::SqlcipherKey;
use rusqlite::{Connection, OpenFlags};

use crate::error::Result;

/// Idle read connections kept for reuse.
const READERS: usize = 4;

pub(crate) struct Readers {
    db: PathBuf,
    key: Arc<SqlcipherKey>,
    prepare: fn(&Connection, &SqlcipherKey) -> rusqlite::Result<()>,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(crate) fn new(
        db: PathBuf,
        key: Arc<SqlcipherKey>,
        prepare: fn(&Connection, &SqlcipherKey) -> rusqlite::Result<()>,
    ) -> Readers {
        Readers {
            db,
            key,
            prepare,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.db, flags)?;
        (self.prepare)(&conn, &self.key)?;
        conn.execute_batch("PRAGMA cache_size = -16384;")?;
        Ok(conn)
    }

    /// Runs `f` on an idle connection, or a new one; keeps it for the next read afterwards.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let taken = self.idle.lock().expect("reader pool").pop();
        let conn = match taken {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().expect("reader pool");
        if idle.len() < READERS {
            idle.push(conn);
        }
        out
    }
}
