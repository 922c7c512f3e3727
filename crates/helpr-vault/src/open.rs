//! Creating and opening a vault: fail-closed unlock through the keychain, SQLCipher connection
//! set-up, migrations, and the connection discipline (one writer, pooled readers).
//!
//! Unlock order is chosen so that a locked vault changes nothing on disk: read `vault.json`,
//! fetch the KEK, and only then open the database (without `SQLITE_OPEN_CREATE`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use helpr_crypto::{keychain, KeyStore, SqlcipherKey, WrappedKey};
use rusqlite::{Connection, OpenFlags, Transaction};
use secrecy::ExposeSecret;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::conversations::{InboxCounts, LabelCounts};
use crate::error::{Result, VaultError};
use crate::layout::{self, VaultInfo};
use crate::readers::Readers;
use crate::stamped::{GroupRow, Kept, OrderKey, Stamp, ORDERS_KEPT};
use crate::{migrations, sqlite_setup, tenants};

/// An unlocked vault. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Vault {
    dir: PathBuf,
    info: VaultInfo,
    keys: Arc<KeyStore>,
    // Field order is drop order: readers close first, so the writer is the last connection and
    // SQLite checkpoints and removes the WAL on close.
    readers: Readers,
    writer: Mutex<Connection>,
    /// Commits through `writer` so far (part of [`Stamp`]).
    writes: AtomicU64,
    /// The conversation list's order between pages.
    pub(crate) thread_orders: Kept<OrderKey, Vec<GroupRow>>,
    /// The sidebar's counts between its refreshes, by tenant and inboxes in scope.
    pub(crate) inbox_counts: Kept<(i64, String), Vec<InboxCounts>>,
    pub(crate) label_counts: Kept<(i64, String), Vec<LabelCounts>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("vault_id", &self.info.vault_id)
            .finish_non_exhaustive()
    }
}

/// Keys a fresh connection and sets the pragmas every connection uses.
fn prepare(conn: &Connection, key: &SqlcipherKey) -> rusqlite::Result<()> {
    // A wrong key is reported as "vault locked"; SQLCipher's own log lines would only add noise.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    let sql = Zeroizing::new(format!(
        "PRAGMA key = {};",
        key.pragma_literal().expose_secret()
    ));
    conn.execute_batch(&sql)?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 10000;",
    )?;
    Ok(())
}

/// Checks that `key` opens `db` before anything may write to the vault, reading the database as
/// the writer will see it, so a wrong key changes no data file:
/// - with no write-ahead log beside it, through an `immutable` read-only connection, which
///   creates no `-wal`/`-shm` file and never checkpoints;
/// - with a log (a process was killed, or a full disk stopped the last checkpoint), through a
///   read-only connection that reads the log too: the main file alone is then an older state,
///   possibly half-checkpointed, whose header can name more pages than the file holds (SQLite
///   calls that "malformed"). A read-only connection never checkpoints or truncates the log; it
///   may create or refresh `-shm`, SQLite's shared-memory index of the log, which holds no data.
fn verify_key_untouched(db: &Path, key: &SqlcipherKey, key_known: bool) -> Result<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let has_log = std::fs::metadata(layout::wal_path(db)).is_ok_and(|m| m.len() > 0);
    let conn = if has_log {
        Connection::open_with_flags(db, flags)?
    } else {
        Connection::open_with_flags(immutable_uri(db), flags)?
    };
    prepare(&conn, key)?;
    verify_key(&conn, key_known)
}

/// `file:<db>?immutable=1`, the path escaped for a URI.
fn immutable_uri(db: &Path) -> String {
    let path = db.to_string_lossy();
    let mut uri = String::from("file:");
    for c in path.chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// The first read after `PRAGMA key` tells whether the key opens the file. The header's
/// `user_version` is on page 1, which SQLCipher decrypts and authenticates in full, and reading
/// it loads no schema. SQLCipher reports a wrong key and a damaged page 1 alike; `key_known`
/// (the key matched `vault.json`'s check value) tells them apart.
fn verify_key(conn: &Connection, key_known: bool) -> Result<()> {
    match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(if key_known {
                VaultError::Damaged(
                    "the first page of vault.db does not decrypt with the vault's own key \
                     (the key in the OS keychain is right; the file is damaged): restore \
                     vault.db from a backup"
                        .into(),
                )
            } else {
                VaultError::Locked(WRONG_KEY.into())
            })
        }
        Err(e) => Err(e.into()),
    }
}

const WRONG_KEY: &str = "the key in the OS keychain does not open this vault";

impl Vault {
    /// Creates a new vault in `dir` with one tenant and its first key, storing a fresh KEK in
    /// the OS keychain. Refuses if a vault is there already; undoes its own partial work.
    pub fn create(dir: &Path, tenant_name: &str) -> Result<Vault> {
        if tenant_name.trim().is_empty() {
            return Err(VaultError::Invalid("tenant name must not be empty".into()));
        }
        if layout::exists(dir) {
            return Err(VaultError::AlreadyExists(dir.display().to_string()));
        }
        let mut info = VaultInfo {
            format: 1,
            vault_id: Uuid::new_v4(),
            key_check: None,
        };
        let kek = keychain::make_and_store_kek(&info.vault_id)?;
        info.key_check = Some(kek.check_value());
        let keys = Arc::new(KeyStore::new(kek));
        let created = (|| {
            std::fs::create_dir_all(dir)?;
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let mut conn = Connection::open_with_flags(layout::db_path(dir), flags)?;
            prepare(&conn, &keys.derive_sqlcipher_key())?;
            // Before any table exists (it cannot change later without a VACUUM): the purge
            // gives freed pages back with `incremental_vacuum`.
            conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL;")?;
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
            migrations::migrate(&mut conn)?;
            let tx = conn.transaction()?;
            tenants::create_tenant(&tx, &keys, tenant_name.trim())?;
            tx.commit()?;
            drop(conn);
            layout::write_info(dir, &info)?;
            Ok::<_, VaultError>(())
        })();
        if let Err(e) = created {
            for f in [
                layout::DB_FILE,
                "vault.db-wal",
                "vault.db-shm",
                layout::INFO_FILE,
            ] {
                let _ = std::fs::remove_file(dir.join(f));
            }
            let _ = keychain::delete_kek(&info.vault_id);
            return Err(e);
        }
        Self::open(dir)
    }

    /// Opens the vault in `dir`. Fails closed: a missing, locked or wrong keychain entry is
    /// `VaultError::Locked` and leaves every file untouched.
    pub fn open(dir: &Path) -> Result<Vault> {
        let mut info = layout::read_info(dir)?;
        let db = layout::db_path(dir);
        if !db.exists() {
            return Err(VaultError::Meta(format!(
                "{} is missing; the vault is incomplete",
                db.display()
            )));
        }
        // SQLite's one-time set-up needs no key, so it runs while the keychain answers.
        sqlite_setup::start();
        let kek = {
            let _phase = tracing::debug_span!(target: "helpr::phase", "keychain").entered();
            keychain::load_kek(&info.vault_id)
        };
        sqlite_setup::wait();
        let kek = kek?;
        let check = kek.check_value();
        let key_known = match &info.key_check {
            Some(stored) if *stored != check => return Err(VaultError::Locked(WRONG_KEY.into())),
            Some(_) => true,
            None => false,
        };
        let keys = Arc::new(KeyStore::new(kek));
        let sqlcipher_key = Arc::new(keys.derive_sqlcipher_key());

        {
            let _phase = tracing::debug_span!(target: "helpr::phase", "key_check").entered();
            verify_key_untouched(&db, &sqlcipher_key, key_known)?;
        }
        let _phase = tracing::debug_span!(target: "helpr::phase", "sqlcipher_open").entered();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut writer = Connection::open_with_flags(&db, flags)?;
        prepare(&writer, &sqlcipher_key)?;
        verify_key(&writer, key_known)?;
        writer.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        // A page cache big enough for the indexes' hot pages: with SQLite's 2 MiB default an
        // import re-read (and SQLCipher re-decrypted) index pages it had just written.
        writer.execute_batch("PRAGMA cache_size = -65536;")?;
        // Checkpoint every 16 MiB of WAL rather than SQLite's 4 MiB: each checkpoint syncs the
        // database file, and an import spent its time waiting on those syncs. Not more: what is
        // committed but not yet checkpointed lives only in the log, and a damaged log loses it
        // (at 64 MiB a killed import left 10,000 messages there).
        writer.execute_batch("PRAGMA wal_autocheckpoint = 4096;")?;
        writer.set_prepared_statement_cache_capacity(64);
        migrations::migrate(&mut writer)?;
        Self::load_keys(&writer, &keys)?;
        if info.key_check.is_none() {
            // A vault from before the check value: the key just proved right, so record it.
            // Not recording it (a read-only data dir) only leaves the next open as it was.
            info.key_check = Some(check);
            if let Err(e) = layout::write_info(dir, &info) {
                tracing::debug!("the key check value was not recorded in vault.json: {e}");
            }
        }

        let readers = Readers::new(db.clone(), Arc::clone(&sqlcipher_key), prepare);
        Ok(Vault {
            dir: dir.to_path_buf(),
            info,
            keys,
            writer: Mutex::new(writer),
            readers,
            writes: AtomicU64::new(0),
            thread_orders: Kept::new(ORDERS_KEPT),
            inbox_counts: Kept::new(1),
            label_counts: Kept::new(1),
        })
    }

    fn load_keys(conn: &Connection, keys: &KeyStore) -> Result<()> {
        let mut stmt = conn.prepare(
            "SELECT k.tenant_id, k.version, k.wrapped, t.active_key_version
             FROM tenant_keys k JOIN tenants t ON t.id = k.tenant_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, u32>(3)?,
            ))
        })?;
        for row in rows {
            let (tenant, version, wrapped, active) = row?;
            keys.load_tenant_key(tenant, version, &WrappedKey(wrapped))
                .map_err(|_| {
                    VaultError::Locked(format!(
                        "key version {version} of tenant {tenant} does not unwrap with the keychain key"
                    ))
                })?;
            if version == active {
                keys.set_active(tenant, version)?;
            }
        }
        Ok(())
    }

    pub fn id(&self) -> Uuid {
        self.info.vault_id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The search index's cipher (HKDF `helpr/index/v1` from this vault's KEK): the index
    /// lives beside the vault with its own key, and never sees key bytes.
    pub fn index_cipher(&self) -> helpr_crypto::IndexCipher {
        self.keys.derive_index_cipher()
    }

    pub(crate) fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// Runs `f` in one write transaction on the single writer connection; commits on `Ok`.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().map_err(|_| {
            VaultError::Meta("the writer connection was poisoned by a panic".into())
        })?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        // Counted while the writer is still held, so a stamp never sees the commit uncounted.
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(out)
    }

    /// The database's change stamp now; `None` while the writer is busy (a write is under way,
    /// so nothing read now should be kept).
    pub(crate) fn change_stamp(&self) -> Result<Option<Stamp>> {
        let Ok(writer) = self.writer.try_lock() else {
            return Ok(None);
        };
        let data_version = writer.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        Ok(Some(Stamp {
            writes: self.writes.load(Ordering::SeqCst),
            data_version,
        }))
    }

    /// Runs `f` on a connection that cannot write: the writer when it is idle (with
    /// `query_only` on for the read), else a pooled read-only connection. An idle writer has no
    /// connection to open, so a short command opens one connection instead of two (~0.5 ms of
    /// every command); while the writer writes, a reader serves, so a read never waits for it.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if let Ok(writer) = self.writer.try_lock() {
            writer.execute_batch("PRAGMA query_only = ON;")?;
            let out = f(&writer);
            // Back to writing before the writer is released, whatever `f` returned.
            writer.execute_batch("PRAGMA query_only = OFF;")?;
            return out;
        }
        self.readers.with(f)
    }

    /// Runs `f` with the writer connection outside a transaction (checkpoint, integrity checks).
    pub(crate) fn with_writer<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.writer.lock().map_err(|_| {
            VaultError::Meta("the writer connection was poisoned by a panic".into())
        })?;
        let out = f(&conn);
        // Whatever `f` did (a checkpoint, a vacuum) counts as a change.
        self.writes.fetch_add(1, Ordering::SeqCst);
        out
    }
}
