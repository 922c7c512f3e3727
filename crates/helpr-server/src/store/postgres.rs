//! The PostgreSQL backend, for several replicas on one database: the synchronous client
//! (rust-postgres) behind a small r2d2 pool. Like SQLite's, its calls block, so they run only
//! on blocking threads ([`super::Db::run`]); the client drives its own little runtime and
//! panics if used (or dropped) on an async worker.
//!
//! Values cross as `BIGINT` ↔ [`Value::Int`], `TEXT` ↔ [`Value::Text`], `BYTEA` ↔
//! [`Value::Bytes`] and `NULL`; a unique violation (SQLSTATE 23505) is
//! [`StoreError::Duplicate`]. A transaction whose body fails is rolled back. Replicas stay in
//! step because every append takes the organization's row lock (`UPDATE orgs … RETURNING seq`)
//! in its transaction, and hear of each other's through `LISTEN` ([`super::notify`]).
//!
//! Messages name no content: a database error is its severity, code and message, never its
//! detail (which quotes the row) nor the URL (which may hold a password).

use std::error::Error as StdError;
use std::time::Duration;

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::NoTls;
use r2d2::Pool;
use r2d2_postgres::PostgresConnectionManager;

use super::{Backend, Engine, Row, StoreError, Tx, Value};

/// Connections kept at most (each request holds one for a transaction; more wait their turn).
const POOL_SIZE: u32 = 16;
/// How long a transaction waits for a free (or new) connection before failing.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening one connection may take (an unreachable host fails instead of hanging).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Manager = PostgresConnectionManager<NoTls>;

/// The PostgreSQL engine.
pub struct Postgres {
    /// Always `Some` but in `drop`, which moves it off async threads.
    pool: Option<Pool<Manager>>,
}

/// Parses a `postgres://…` URL (or a `key=value` string) into the client's configuration,
/// naming the application and bounding the connection time unless the URL does.
pub fn config(url: &str) -> Result<postgres::Config, StoreError> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Backend(format!("the database URL: {e}")))?;
    if config.get_application_name().is_none() {
        config.application_name("helpr-server");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    Ok(config)
}

/// A client error as a [`StoreError`]: 23505 is a duplicate; the rest names the server's
/// severity, code and message, or the client's own reason (a closed connection, a timeout).
pub fn backend(e: postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) if *db.code() == SqlState::UNIQUE_VIOLATION => StoreError::Duplicate,
        Some(db) => StoreError::Backend(format!(
            "{} {}: {}",
            db.severity(),
            db.code().code(),
            db.message()
        )),
        None if e.is_closed() => StoreError::Backend("the connection to PostgreSQL closed".into()),
        None => StoreError::Backend(e.to_string()),
    }
}

impl Postgres {
    /// Connects to the database at `url` (blocking). One connection is made first, so a wrong
    /// address, user or database fails here at once with PostgreSQL's reason rather than after
    /// the pool's timeout.
    pub fn connect(url: &str) -> Result<Postgres, StoreError> {
        let config = config(url)?;
        config.connect(NoTls).map_err(backend)?;
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(CHECKOUT_TIMEOUT)
            // A connection is checked (an empty query) before each transaction, so those the
            // database dropped (a restart, a failover) are replaced rather than failing a request.
            .test_on_check_out(true)
            .build(Manager::new(config, NoTls))
            .map_err(|e| StoreError::Backend(format!("database connection pool: {e}")))?;
        Ok(Postgres { pool: Some(pool) })
    }

    fn pool(&self) -> &Pool<Manager> {
        self.pool.as_ref().expect("the pool lives until drop")
    }
}

impl Drop for Postgres {
    /// Each pooled client owns a runtime, which may not be dropped on an async thread (the last
    /// `Hub` may go there, at a server's stop or a test's end): the pool is dropped on a
    /// thread of its own then.
    fn drop(&mut self) {
        let Some(pool) = self.pool.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new()
                .name("helpr-pg-close".into())
                .spawn(move || drop(pool))
                .map(|closing| closing.join());
        } else {
            drop(pool);
        }
    }
}

/// A value that does not fit the parameter's type (the portable dialect has only three).
fn mismatch(value: &Value, ty: &Type) -> Box<dyn StdError + Sync + Send> {
    let kind = match value {
        Value::Null => "null",
        Value::Int(_) => "an integer",
        Value::Text(_) => "text",
        Value::Bytes(_) => "bytes",
    };
    format!("{kind} cannot be bound to a parameter of type {ty}").into()
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::Text(v) if <&str as ToSql>::accepts(ty) => v.as_str().to_sql(ty, out),
            Value::Bytes(v) if <&[u8] as ToSql>::accepts(ty) => v.as_slice().to_sql(ty, out),
            _ => Err(mismatch(self, ty)),
        }
    }

    /// Any type: whether the value fits is decided by `to_sql`, so that `NULL` binds anywhere.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn read(row: &postgres::Row, i: usize) -> Result<Value, StoreError> {
    let get = |e: postgres::Error| StoreError::Malformed(format!("column {i}: {e}"));
    let ty = row.columns()[i].type_();
    Ok(match *ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(get)?.into(),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(get)?
            .map(i64::from)
            .into(),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(get)?
            .map(i64::from)
            .into(),
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i).map_err(get)?.into(),
        _ if <String as postgres::types::FromSql>::accepts(ty) => {
            row.try_get::<_, Option<String>>(i).map_err(get)?.into()
        }
        _ => {
            return Err(StoreError::Malformed(format!(
                "column {i} is of type {ty}, which the server does not read"
            )))
        }
    })
}

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

struct PgTx<'a, 'c>(&'a mut postgres::Transaction<'c>);

impl Tx for PgTx<'_, '_> {
    fn execute(&mut self, sql: &str, values: &[Value]) -> Result<u64, StoreError> {
        self.0.execute(sql, &params(values)).map_err(backend)
    }

    fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.0
            .query(sql, &params(values))
            .map_err(backend)?
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| read(row, i))
                    .collect::<Result<_, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.0.batch_execute(sql).map_err(backend)
    }
}

impl Engine for Postgres {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn transaction(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = self
            .pool()
            .get()
            .map_err(|e| StoreError::Backend(format!("no database connection: {e}")))?;
        let mut tx = conn.transaction().map_err(backend)?;
        match f(&mut PgTx(&mut tx)) {
            Ok(()) => tx.commit().map_err(backend),
            Err(e) => {
                // A rollback that fails leaves a closed connection, which the pool discards.
                let _ = tx.rollback();
                Err(e)
            }
        }
    }
}
