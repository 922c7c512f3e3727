//! The server's database: SQLite by default (one file, encrypted whole with SQLCipher under the
//! server's root key), PostgreSQL for several replicas. Both are reached through [`Db`], a
//! transaction at a time, with one portable dialect of SQL (`$1` parameters; integers, text and
//! bytes), so each query is written once.
//!
//! The server keeps little here (DESIGN: the organization is an event log, see
//! [`crate::org`]): the events, the organizations' sequence numbers, id counters, password
//! hashes, one-time sign-in codes and sealed Gmail tokens. Calls block; async code runs them
//! through [`Db::run`].
//!
//! - [`schema`]: the migrations, per backend, applied at open.
//! - [`sqlite`]: the SQLite (SQLCipher) backend.
//! - [`postgres`]: the PostgreSQL backend (a pool of synchronous clients).
//! - [`notify`]: PostgreSQL's `LISTEN`, how a replica hears of the others' changes.
//! - [`queries`]: every statement the server runs, typed.
//! - [`gmail`]: the Gmail broker's statements (tenant keys, sealed accounts, connections).
//! - [`secure`]: secure email's statements (messages, recipients, codes, readers, entries).

pub mod gmail;
pub mod notify;
pub mod postgres;
pub mod queries;
pub mod schema;
pub mod secure;
pub mod sqlite;

use std::sync::Arc;

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Bytes(v.to_vec())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One row of a result.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(*v),
            _ => Err(StoreError::Shape(i, "an integer")),
        }
    }
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.0.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.int(i).map(Some),
        }
    }
    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(v.clone()),
            _ => Err(StoreError::Shape(i, "text")),
        }
    }
    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        match self.0.get(i) {
            Some(Value::Bytes(v)) => Ok(v.clone()),
            _ => Err(StoreError::Shape(i, "bytes")),
        }
    }
}

/// Why the database failed. Messages name no content, address or token.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Backend(String),
    #[error("database: column {0} is not {1}")]
    Shape(usize, &'static str),
    #[error("database: the row already exists")]
    Duplicate,
    #[error(
        "database schema {found} is newer than this server knows ({known}); upgrade helpr-server"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("stored record is malformed: {0}")]
    Malformed(String),
}

/// Statements inside one transaction.
pub trait Tx {
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs a query; all its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs a script of statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;

    /// The first row, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Which engine a [`Db`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An engine that runs transactions.
pub trait Engine: Send + Sync {
    fn backend(&self) -> Backend;
    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
    fn transaction(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

/// The database, shared by every task of the server.
#[derive(Clone)]
pub struct Db(Arc<dyn Engine>);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({:?})", self.0.backend())
    }
}

impl Db {
    pub fn new(engine: impl Engine + 'static) -> Result<Db, StoreError> {
        let db = Db(Arc::new(engine));
        let backend = db.backend();
        db.transaction(|tx| schema::migrate(tx, backend))?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.0.backend()
    }

    /// Runs `f` in a transaction (blocking).
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut f = Some(f);
        let mut out = None;
        self.0.transaction(&mut |tx| {
            let f = f.take().expect("a transaction body runs once");
            out = Some(f(tx)?);
            Ok(())
        })?;
        Ok(out.expect("a committed transaction ran its body"))
    }

    /// Runs `f` in a transaction on a blocking thread, for async callers.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.transaction(f))
            .await
            .map_err(|e| StoreError::Backend(format!("database task failed: {e}")))?
    }
}
