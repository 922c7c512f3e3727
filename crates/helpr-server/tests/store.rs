//! The database layer on both backends. Migrations: opening again (or migrating twice) changes
//! nothing, a schema newer than the server is refused, and PostgreSQL replicas migrating a
//! fresh database at once all succeed. The PostgreSQL engine: values round-trip, a unique
//! violation is a duplicate, a failed transaction leaves nothing and its connection serves the
//! next one. Each PostgreSQL test has a cluster of its own.

use std::path::Path;
use std::sync::{Arc, Barrier};

use helpr_crypto::Kek;
use helpr_server::store::postgres::Postgres;
use helpr_server::store::sqlite::Sqlite;
use helpr_server::store::{schema, Backend, Db, StoreError, Value};

fn cluster() -> pg_scratch::Cluster {
    pg_scratch::Options::new().fsync(false).start().unwrap()
}

fn sqlite(dir: &Path, kek: &Kek) -> Result<Db, StoreError> {
    Db::new(Sqlite::open(
        &dir.join("server.db"),
        &kek.derive_sqlcipher_key(),
    )?)
}

fn postgres(url: &str) -> Result<Db, StoreError> {
    Db::new(Postgres::connect(url)?)
}

fn version(db: &Db) -> i64 {
    db.transaction(|tx| {
        let rows = tx.query("SELECT version FROM schema_version", &[])?;
        assert_eq!(rows.len(), 1, "one version row");
        rows[0].int(0)
    })
    .unwrap()
}

/// Writes a row the first migration's tables hold, to see it survive.
fn write_org(db: &Db) {
    db.transaction(|tx| {
        tx.execute(
            "INSERT INTO orgs (id, name, seq) VALUES ($1, $2, 0)",
            &[7.into(), "Acme".into()],
        )
    })
    .unwrap();
}

/// What a second open must leave as it was: the org, and the id counter (made by migration 1
/// with one row, which a rerun would duplicate or reset).
fn assert_untouched(db: &Db) {
    let (orgs, counters) = db
        .transaction(|tx| {
            let orgs = tx.query("SELECT name FROM orgs", &[])?;
            let counters = tx.query("SELECT next FROM counters", &[])?;
            Ok((orgs, counters))
        })
        .unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].text(0).unwrap(), "Acme");
    assert_eq!(counters.len(), 1);
    assert_eq!(counters[0].int(0).unwrap(), 1);
}

fn migrating_twice_changes_nothing(open: impl Fn() -> Result<Db, StoreError>, backend: Backend) {
    let db = open().unwrap();
    assert_eq!(db.backend(), backend);
    assert_eq!(version(&db), schema::VERSION);
    write_org(&db);
    db.transaction(|tx| schema::migrate(tx, backend)).unwrap();
    drop(db);
    let db = open().unwrap();
    assert_eq!(version(&db), schema::VERSION);
    assert_untouched(&db);
}

fn a_newer_schema_is_refused(open: impl Fn() -> Result<Db, StoreError>) {
    let db = open().unwrap();
    db.transaction(|tx| {
        tx.execute(
            "UPDATE schema_version SET version = $1",
            &[(schema::VERSION + 1).into()],
        )
    })
    .unwrap();
    drop(db);
    match open() {
        Err(StoreError::NewerSchema { found, known }) => {
            assert_eq!(found, schema::VERSION + 1);
            assert_eq!(known, schema::VERSION);
        }
        other => panic!("a newer schema was not refused: {other:?}"),
    }
}

#[test]
fn sqlite_migrations_run_once_however_often_the_server_opens() {
    let dir = tempfile::tempdir().unwrap();
    let kek = Kek::make();
    migrating_twice_changes_nothing(|| sqlite(dir.path(), &kek), Backend::Sqlite);
}

#[test]
fn sqlite_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let kek = Kek::make();
    a_newer_schema_is_refused(|| sqlite(dir.path(), &kek));
}

#[test]
fn postgres_migrations_run_once_however_often_the_server_opens() {
    let cluster = cluster();
    migrating_twice_changes_nothing(|| postgres(&cluster.url()), Backend::Postgres);
}

#[test]
fn postgres_refuses_a_newer_schema() {
    let cluster = cluster();
    a_newer_schema_is_refused(|| postgres(&cluster.url()));
}

#[test]
fn postgres_replicas_migrate_a_fresh_database_at_once() {
    let cluster = cluster();
    let url = cluster.url();
    let replicas = 4;
    let barrier = Arc::new(Barrier::new(replicas));
    let opened: Vec<_> = (0..replicas)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                postgres(&url)
            })
        })
        .collect();
    for replica in opened {
        let db = replica.join().unwrap().unwrap();
        assert_eq!(version(&db), schema::VERSION);
    }
    let db = postgres(&url).unwrap();
    let counters = db
        .transaction(|tx| tx.query("SELECT next FROM counters", &[]))
        .unwrap();
    assert_eq!(counters.len(), 1, "migration 1 ran once");
}

#[test]
fn postgres_values_round_trip() {
    let cluster = cluster();
    let db = postgres(&cluster.url()).unwrap();
    let values = vec![
        Value::Int(i64::MIN),
        Value::Text("héllo ✓ 'quoted' \\ $1".into()),
        Value::Bytes((0..=255).collect()),
        Value::Null,
        Value::Int(i64::MAX),
    ];
    let row = db
        .transaction(|tx| {
            tx.batch("CREATE TABLE t (i BIGINT, s TEXT, b BYTEA, n BYTEA, j BIGINT)")?;
            let inserted = tx.execute(
                "INSERT INTO t (i, s, b, n, j) VALUES ($1, $2, $3, $4, $5)",
                &values,
            )?;
            assert_eq!(inserted, 1);
            tx.query_opt("SELECT i, s, b, n, j FROM t", &[])
        })
        .unwrap()
        .unwrap();
    assert_eq!(row.0, values);
    assert_eq!(row.opt_int(0).unwrap(), Some(i64::MIN));

    // NULL binds to any type; smaller integers are read and bound as integers too.
    let row = db
        .transaction(|tx| {
            tx.query_opt(
                "SELECT $1::text, $2::int4 + 1, $3::int2, count(*) FROM t WHERE n IS NULL",
                &[Value::Null, Value::Int(41), Value::Int(-3)],
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        row.0,
        vec![Value::Null, Value::Int(42), Value::Int(-3), Value::Int(1)]
    );

    // A value that does not fit its parameter is an error, not a wrapped number.
    let error = db
        .transaction(|tx| tx.query("SELECT $1::int4", &[Value::Int(i64::MAX)]))
        .unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    let error = db
        .transaction(|tx| tx.query("SELECT $1::bigint", &["7".into()]))
        .unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
}

#[test]
fn postgres_unique_violations_are_duplicates_and_failed_transactions_leave_nothing() {
    let cluster = cluster();
    let db = postgres(&cluster.url()).unwrap();
    write_org(&db);

    let error = db
        .transaction(|tx| {
            tx.execute(
                "INSERT INTO orgs (id, name, seq) VALUES ($1, $2, 0)",
                &[8.into(), "Globex".into()],
            )?;
            // The same id again: the whole transaction goes, Globex with it.
            tx.execute(
                "INSERT INTO orgs (id, name, seq) VALUES ($1, $2, 0)",
                &[7.into(), "Initech".into()],
            )
        })
        .unwrap_err();
    assert!(matches!(error, StoreError::Duplicate), "{error:?}");

    // A body that fails on its own (no statement failed) rolls back too.
    let error = db
        .transaction(|tx| {
            tx.execute("UPDATE orgs SET name = 'Renamed'", &[])?;
            Err::<(), _>(StoreError::Malformed("the caller gave up".into()))
        })
        .unwrap_err();
    assert!(matches!(error, StoreError::Malformed(_)), "{error:?}");

    // Other failures are not duplicates, and name no row: only a foreign key's message.
    let error = db
        .transaction(|tx| {
            tx.execute(
                "INSERT INTO credentials (user_id, org, email, hash) VALUES ($1, $2, $3, $4)",
                &[
                    1.into(),
                    999.into(),
                    "secret@example.test".into(),
                    "h".into(),
                ],
            )
        })
        .unwrap_err();
    match &error {
        StoreError::Backend(message) => {
            assert!(message.contains("23503"), "{message}");
            assert!(!message.contains("999"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    // More transactions than the pool has connections: each failed one's connection was
    // returned clean (not left in an aborted transaction).
    for _ in 0..40 {
        let orgs = db
            .transaction(|tx| tx.query("SELECT id, name FROM orgs", &[]))
            .unwrap();
        assert_eq!(orgs.len(), 1);
        assert_eq!(orgs[0].0, vec![Value::Int(7), Value::Text("Acme".into())]);
    }
}

#[test]
fn postgres_refuses_a_bad_database_at_once() {
    let cluster = cluster();
    let url = cluster.url().replace("/helpr", "/missing");
    let started = std::time::Instant::now();
    let error = postgres(&url).expect_err("no such database");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    match error {
        StoreError::Backend(message) => assert!(message.contains("3D000"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        postgres("mysql://nowhere"),
        Err(StoreError::Backend(_))
    ));
}
