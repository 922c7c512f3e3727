//! The SQLite backend: one SQLCipher file (`D/server.db`) keyed from the server's root key, so
//! nothing the server keeps is readable without it. One connection, behind a lock: SQLite runs
//! one writer at a time anyway, and the server's hot paths read from memory, not from here.

use std::path::Path;
use std::sync::Mutex;

use helpr_crypto::SqlcipherKey;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use secrecy::ExposeSecret;

use super::{Backend, Engine, Row, StoreError, Tx, Value};

/// The SQLite engine.
pub struct Sqlite {
    conn: Mutex<Connection>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, _) = &e {
        if code.code == rusqlite::ErrorCode::ConstraintViolation {
            return StoreError::Duplicate;
        }
    }
    StoreError::Backend(e.to_string())
}

impl Sqlite {
    /// Opens (or creates) the encrypted database at `path`. A wrong key is an error here, not
    /// at the first query.
    pub fn open(path: &Path, key: &SqlcipherKey) -> Result<Sqlite, StoreError> {
        let conn = Connection::open(path).map_err(backend)?;
        conn.execute_batch(&format!(
            "PRAGMA key = {};",
            key.pragma_literal().expose_secret()
        ))
        .map_err(backend)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(|_| {
                StoreError::Backend(
                    "the server database does not open with this server's key (wrong key, or not a helpr-server database)"
                        .into(),
                )
            })?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .map_err(backend)?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

/// `$1` → `?1`: the portable dialect's parameters in SQLite's numbered form.
fn dialect(sql: &str) -> String {
    sql.replace('$', "?")
}

fn read(value: ValueRef<'_>) -> Result<Value, StoreError> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Int(v),
        ValueRef::Text(v) => Value::Text(
            std::str::from_utf8(v)
                .map_err(|_| StoreError::Malformed("text is not UTF-8".into()))?
                .to_owned(),
        ),
        ValueRef::Blob(v) => Value::Bytes(v.to_vec()),
        ValueRef::Real(_) => return Err(StoreError::Malformed("unexpected real".into())),
    })
}

struct SqliteTx<'a>(&'a rusqlite::Transaction<'a>);

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(&dialect(sql)).map_err(backend)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params))
            .map_err(backend)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.0.prepare_cached(&dialect(sql)).map_err(backend)?;
        let width = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(backend)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(backend)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(read(row.get_ref(i).map_err(backend)?)?);
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.0.execute_batch(sql).map_err(backend)
    }
}

impl Engine for Sqlite {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn transaction(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::Backend("a database task panicked".into()))?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        f(&mut SqliteTx(&tx))?;
        tx.commit().map_err(backend)
    }
}
