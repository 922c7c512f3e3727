//! The schema, as numbered migrations applied in order at open, the same for both backends but
//! for two type names (`BYTES` is SQLite's `BLOB`, PostgreSQL's `BYTEA`; `INT` is `INTEGER`
//! or `BIGINT`), replaced as whole words only. `schema_version` holds the last applied; a
//! database newer than this server is refused rather than guessed at. On PostgreSQL, replicas
//! starting at once migrate one after the other (a transaction-scoped advisory lock), so
//! none sees a half-made schema or makes a table twice.

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
    // 2: the audit trail, hash-chained per organization, and the head of each chain.
    "CREATE TABLE audit (
        org INT NOT NULL REFERENCES orgs(id),
        n INT NOT NULL,
        seq INT NOT NULL,
        at INT NOT NULL,
        actor_ref TEXT,
        action TEXT NOT NULL,
        object_kind TEXT,
        object_ref TEXT,
        detail TEXT NOT NULL,
        prev BYTES NOT NULL,
        mac BYTES NOT NULL,
        PRIMARY KEY (org, n)
     );
     CREATE TABLE audit_heads (
        org INT PRIMARY KEY REFERENCES orgs(id),
        n INT NOT NULL,
        mac BYTES NOT NULL,
        head_mac BYTES NOT NULL
     );",
    // 3: the Gmail broker: organizations' tenant keys (wrapped by the root key), each inbox's
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
    // 4: Gmail push registration: each account's watch, as Google last answered it
    // (`watch_expiration`, epoch ms; 0: none), and when it is next renewed (`watch_renew_at`,
    // unix s; a replica claims a renewal by moving it forward).
    "ALTER TABLE gmail_accounts ADD COLUMN watch_expiration INT NOT NULL DEFAULT 0;
     ALTER TABLE gmail_accounts ADD COLUMN watch_renew_at INT NOT NULL DEFAULT 0;",
    // 5: secure email (docs/secure-email.md). A message's public id is random; its server half
    // of the key is sealed with the organization's key and set to NULL (with its parts
    // deleted) when the message is revoked or expires. Recipients' addresses are sealed, found
    // by a keyed MAC salted with the message. One live code per recipient (its keyed MAC),
    // readers' sessions by the SHA-256 of their token, each key release a row of `secure_reads`.
    "CREATE TABLE secure_messages (
        row_id INT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        org INT NOT NULL REFERENCES orgs(id),
        inbox INT NOT NULL,
        thread TEXT,
        created_by INT NOT NULL,
        created_at INT NOT NULL,
        expires_at INT NOT NULL,
        max_opens INT,
        key_server BYTES,
        revoked_at INT
     );
     CREATE INDEX secure_messages_by_thread ON secure_messages (org, inbox, thread);
     CREATE INDEX secure_messages_by_expiry ON secure_messages (expires_at);
     CREATE TABLE secure_recipients (
        message INT NOT NULL REFERENCES secure_messages(row_id),
        n INT NOT NULL,
        address_mac BYTES NOT NULL,
        address BYTES NOT NULL,
        opens INT NOT NULL,
        locked_at INT,
        revoked_at INT,
        PRIMARY KEY (message, n)
     );
     CREATE INDEX secure_recipients_by_address ON secure_recipients (message, address_mac);
     CREATE TABLE secure_reads (
        message INT NOT NULL REFERENCES secure_messages(row_id),
        n INT NOT NULL,
        at INT NOT NULL
     );
     CREATE INDEX secure_reads_of ON secure_reads (message, n);
     CREATE TABLE secure_codes (
        message INT NOT NULL REFERENCES secure_messages(row_id),
        n INT NOT NULL,
        code_mac BYTES NOT NULL,
        expires_at INT NOT NULL,
        tries INT NOT NULL,
        PRIMARY KEY (message, n)
     );
     CREATE TABLE secure_sessions (
        token_hash BYTES PRIMARY KEY,
        message INT NOT NULL REFERENCES secure_messages(row_id),
        n INT NOT NULL,
        expires_at INT NOT NULL
     );
     CREATE TABLE secure_entries (
        message INT NOT NULL REFERENCES secure_messages(row_id),
        n INT NOT NULL,
        recipient INT,
        by_user INT,
        at INT NOT NULL,
        manifest BYTES NOT NULL,
        PRIMARY KEY (message, n)
     );
     CREATE TABLE secure_parts (
        message INT NOT NULL REFERENCES secure_messages(row_id),
        n INT NOT NULL,
        k INT NOT NULL,
        body BYTES NOT NULL,
        PRIMARY KEY (message, n, k)
     );",
];

/// The schema version this server writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock PostgreSQL replicas take while migrating (any constant of the server's
/// own: "helpr" in ASCII).
const MIGRATION_LOCK: i64 = 0x68_65_6c_70_72;

/// The portable DDL in `backend`'s types: the words `INT` and `BYTES` outside quotes (not,
/// say, the `INT` in `CONSTRAINT` or `POINT`) become `INTEGER`/`BLOB` on SQLite (an `INTEGER
/// PRIMARY KEY` is the rowid), `BIGINT`/`BYTEA` on PostgreSQL.
fn ddl(sql: &str, backend: Backend) -> String {
    let (int, bytes) = match backend {
        Backend::Sqlite => ("INTEGER", "BLOB"),
        Backend::Postgres => ("BIGINT", "BYTEA"),
    };
    let mut out = String::with_capacity(sql.len() + 64);
    let mut word = String::new();
    let flush = |out: &mut String, word: &mut String| {
        out.push_str(match word.as_str() {
            "INT" => int,
            "BYTES" => bytes,
            other => other,
        });
        word.clear();
    };
    let mut quoted = false;
    for c in sql.chars() {
        if !quoted && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c);
            continue;
        }
        flush(&mut out, &mut word);
        if c == '\'' {
            quoted = !quoted;
        }
        out.push(c);
    }
    flush(&mut out, &mut word);
    out
}

/// Brings the database to [`VERSION`], in the caller's transaction.
pub fn migrate(tx: &mut dyn Tx, backend: Backend) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        // Held until this transaction ends: a second replica waits here, then finds the
        // schema made.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[MIGRATION_LOCK.into()])?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_names_each_backend_s_types_and_touches_only_whole_words() {
        let sql = "CREATE TABLE t (a INT PRIMARY KEY, b BYTES NOT NULL, c INT,\n d INT)";
        assert_eq!(
            ddl(sql, Backend::Sqlite),
            "CREATE TABLE t (a INTEGER PRIMARY KEY, b BLOB NOT NULL, c INTEGER,\n d INTEGER)"
        );
        assert_eq!(
            ddl(sql, Backend::Postgres),
            "CREATE TABLE t (a BIGINT PRIMARY KEY, b BYTEA NOT NULL, c BIGINT,\n d BIGINT)"
        );
        let untouched = "CONSTRAINT x CHECK (POINT_INT > 0), INTEGER, BYTESIZE, 'INT'";
        assert_eq!(ddl(untouched, Backend::Sqlite), untouched);
        assert_eq!(ddl(untouched, Backend::Postgres), untouched);
    }

    #[test]
    fn every_migration_s_types_are_mapped() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            for sql in MIGRATIONS {
                let mapped = ddl(sql, backend);
                let words: Vec<&str> = mapped
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .collect();
                assert!(
                    !words.contains(&"INT") && !words.contains(&"BYTES"),
                    "{mapped}"
                );
            }
        }
    }
}
