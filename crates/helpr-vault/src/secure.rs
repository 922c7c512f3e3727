//! Secure messages sent from this vault (issue 17): each protected thread's public id, the
//! inbox it went from and the server's inbox, the local conversation it belongs to, both
//! halves of its key (sealed: with them the vault opens every entry, as the reader's browser
//! does) and its last known status from the server (sealed: it names the recipients), and how
//! many of its entries are already stored as messages of the conversation.

use rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

use helpr_crypto::RecordRef;

use crate::error::Result;
use crate::ids::next_id;
use crate::{now, Vault};

const KIND: &str = "secure_message";

/// One protected thread, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureRecord {
    pub id: i64,
    pub inbox_id: i64,
    pub server_inbox: i64,
    pub public_id: String,
    pub thread_id: Option<i64>,
    /// The link's half then the server's, 32 bytes each.
    pub keys: Zeroizing<Vec<u8>>,
    /// The last status the server gave (JSON), if any.
    pub status: Option<Zeroizing<Vec<u8>>>,
    pub entries_stored: u32,
}

type Row = (
    i64,
    i64,
    i64,
    String,
    Option<i64>,
    Vec<u8>,
    Option<Vec<u8>>,
    i64,
);

/// A row of [`COLUMNS`], still sealed.
fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Row::try_from(r)
}

const COLUMNS: &str =
    "id, inbox_id, server_inbox, public_id, thread_id, keys, status, entries_stored";

impl Vault {
    /// Records a protected thread sent from `inbox`; its local id.
    pub fn insert_secure(
        &self,
        tenant: i64,
        inbox: i64,
        server_inbox: i64,
        public_id: &str,
        keys: &[u8],
    ) -> Result<i64> {
        self.write(|tx| {
            let id = next_id(tx, "secure_messages")?;
            let sealed = self
                .keys()
                .seal(tenant, RecordRef::new(KIND, id, "keys"), keys)?;
            tx.execute(
                "INSERT INTO secure_messages (id, tenant_id, inbox_id, server_inbox, public_id,
                    key_version, keys, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    tenant,
                    inbox,
                    server_inbox,
                    public_id,
                    self.keys().active_version(tenant)?,
                    sealed,
                    now()
                ],
            )?;
            Ok(id)
        })
    }

    /// The conversation a protected thread belongs to.
    pub fn set_secure_thread(&self, tenant: i64, id: i64, thread: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE secure_messages SET thread_id = ?3 WHERE id = ?1 AND tenant_id = ?2",
                params![id, tenant, thread],
            )?;
            Ok(())
        })
    }

    /// Records the server's last status and how many entries are stored as messages.
    pub fn set_secure_status(
        &self,
        tenant: i64,
        id: i64,
        status: &[u8],
        entries_stored: u32,
    ) -> Result<()> {
        self.write(|tx| {
            let version = self.keys().active_version(tenant)?;
            // The keys are sealed again under the active version with the status, so the
            // row's one `key_version` holds for both.
            let keys: Vec<u8> = tx.query_row(
                "SELECT keys FROM secure_messages WHERE id = ?1 AND tenant_id = ?2",
                params![id, tenant],
                |r| r.get(0),
            )?;
            let plain = self
                .keys()
                .open(tenant, RecordRef::new(KIND, id, "keys"), &keys)?;
            let seal = |field: &str, data: &[u8]| {
                self.keys()
                    .seal(tenant, RecordRef::new(KIND, id, field), data)
            };
            tx.execute(
                "UPDATE secure_messages SET key_version = ?3, keys = ?4, status = ?5,
                    entries_stored = ?6 WHERE id = ?1 AND tenant_id = ?2",
                params![
                    id,
                    tenant,
                    version,
                    seal("keys", &plain)?,
                    seal("status", status)?,
                    entries_stored
                ],
            )?;
            Ok(())
        })
    }

    /// The protected threads of `thread` (a conversation), or all (`None`), oldest first.
    pub fn secure_messages(&self, tenant: i64, thread: Option<i64>) -> Result<Vec<SecureRecord>> {
        let rows: Vec<Row> = self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLUMNS} FROM secure_messages
                 WHERE tenant_id = ?1 AND (?2 IS NULL OR thread_id = ?2) ORDER BY id"
            ))?;
            let rows = stmt.query_map(params![tenant, thread], row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        rows.into_iter()
            .map(|row| self.open_secure(tenant, row))
            .collect()
    }

    /// The protected thread with public id `public_id`.
    pub fn secure_message(&self, tenant: i64, public_id: &str) -> Result<Option<SecureRecord>> {
        let row: Option<Row> = self.read(|c| {
            Ok(c.query_row(
                &format!(
                    "SELECT {COLUMNS} FROM secure_messages WHERE tenant_id = ?1 AND public_id = ?2"
                ),
                params![tenant, public_id],
                row,
            )
            .optional()?)
        })?;
        row.map(|row| self.open_secure(tenant, row)).transpose()
    }

    fn open_secure(&self, tenant: i64, row: Row) -> Result<SecureRecord> {
        let (id, inbox_id, server_inbox, public_id, thread_id, keys, status, stored) = row;
        let open = |field: &str, sealed: &[u8]| {
            self.keys()
                .open(tenant, RecordRef::new(KIND, id, field), sealed)
        };
        Ok(SecureRecord {
            id,
            inbox_id,
            server_inbox,
            public_id,
            thread_id,
            keys: open("keys", &keys)?,
            status: status.map(|s| open("status", &s)).transpose()?,
            entries_stored: stored as u32,
        })
    }
}
