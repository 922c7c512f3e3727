//! The schema, as numbered migrations applied in order at open, the same for both backends but
//! for two type names (`BYTES` is SQLite's `BLOB`, PostgreSQL's `BYTEA`; `INT` is `INTEGER`
//! or `BIGINT`). `schema_version` holds the last applied; a database newer than this server is
//! refused rather than guessed at.

use super::{Backend, StoreError, Tx};

/// Each migration, in order; the version of a migration is its place, from 1.
const MIGRATIONS: &[&str] = &[
    // 1: organizations and their event logs, ids, passwords and sign-in codes.
    "CREATE TABLE orgs (
        id INT PRIMARY KEY,
        name TEXT NOT NULL,
        seq INT NOT NULL
     );
     CREATE TABLE events (
        org INT NOT NULL REFERENCES orgs(id),
        seq INT NOT NULL,
        at INT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (org, seq)
     );
     CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        next INT NOT NULL
     );
     INSERT INTO counters (name, next) VALUES ('id', 1);
     CREATE TABLE credentials (
        user_id INT PRIMARY KEY,
        org INT NOT NULL REFERENCES orgs(id),
        email TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL
     );
     CREATE TABLE sign_in_codes (
        code_hash BYTES PRIMARY KEY,
        user_id INT NOT NULL,
        challenge TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        expires_at INT NOT NULL
     );",
    // 2: the Gmail broker: organizations' tenant keys (wrapped by the root key), each inbox's
    // account (address and refresh token sealed with its organization's key; a keyed MAC of
    // the address finds it for push) and connections under way (the PKCE verifier sealed).
    "CREATE TABLE tenant_keys (
        org INT NOT NULL REFERENCES orgs(id),
        version INT NOT NULL,
        wrapped BYTES NOT NULL,
        PRIMARY KEY (org, version)
     );
     CREATE TABLE gmail_accounts (
        inbox INT PRIMARY KEY,
        org INT NOT NULL REFERENCES orgs(id),
        address_mac BYTES NOT NULL,
        address BYTES NOT NULL,
        refresh_token BYTES NOT NULL,
        history_id INT NOT NULL,
        reconnect_needed INT NOT NULL,
        connected_at INT NOT NULL
     );
     CREATE INDEX gmail_accounts_by_address ON gmail_accounts (address_mac);
     CREATE TABLE gmail_connects (
        state_hash BYTES PRIMARY KEY,
        org INT NOT NULL,
        inbox INT NOT NULL,
        session INT NOT NULL,
        redirect_uri TEXT NOT NULL,
        verifier BYTES NOT NULL,
        expires_at INT NOT NULL
     );",
];

/// The schema version this server writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

fn ddl(sql: &str, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => sql.replace("BYTES", "BLOB").replace("INT ", "INTEGER "),
        Backend::Postgres => sql.replace("BYTES", "BYTEA").replace("INT ", "BIGINT "),
    }
}

/// Brings the database to [`VERSION`], in the caller's transaction.
pub fn migrate(tx: &mut dyn Tx, backend: Backend) -> Result<(), StoreError> {
    tx.batch(&ddl(
        "CREATE TABLE IF NOT EXISTS schema_version (version INT NOT NULL)",
        backend,
    ))?;
    let found = match tx.query_opt("SELECT version FROM schema_version", &[])? {
        Some(row) => row.int(0)?,
        None => {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])?;
            0
        }
    };
    if found > VERSION {
        return Err(StoreError::NewerSchema {
            found,
            known: VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch(&ddl(sql, backend))?;
        tx.execute(
            "UPDATE schema_version SET version = $1",
            &[(i as i64 + 1).into()],
        )?;
    }
    Ok(())
}
