//! Health of an unlocked vault: SQLCipher and SQLite integrity, schema version, counts.

use serde::Serialize;

use crate::error::Result;
use crate::migrations::{schema_version, SCHEMA_VERSION};
use crate::Vault;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DoctorReport {
    pub schema_version: i64,
    pub schema_version_known: i64,
    pub cipher_version: String,
    /// Problems `PRAGMA cipher_integrity_check` found (HMAC failures per page); empty is good.
    pub cipher_integrity_errors: Vec<String>,
    /// `PRAGMA integrity_check` lines other than `ok`; empty is good.
    pub integrity_errors: Vec<String>,
    pub tenants: u64,
    pub inboxes: u64,
    pub messages: u64,
    pub attachments: u64,
    pub labels: u64,
    pub key_versions: u64,
}

impl DoctorReport {
    pub fn healthy(&self) -> bool {
        self.cipher_integrity_errors.is_empty()
            && self.integrity_errors.is_empty()
            && self.schema_version == self.schema_version_known
    }
}

fn lines(conn: &rusqlite::Connection, pragma: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(pragma)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Vault {
    pub fn doctor(&self) -> Result<DoctorReport> {
        self.with_writer(|c| {
            let count = |table: &str| -> Result<u64> {
                Ok(
                    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                        r.get::<_, i64>(0)
                    })? as u64,
                )
            };
            Ok(DoctorReport {
                schema_version: schema_version(c)?,
                schema_version_known: SCHEMA_VERSION,
                cipher_version: c.query_row("PRAGMA cipher_version", [], |r| r.get(0))?,
                cipher_integrity_errors: lines(c, "PRAGMA cipher_integrity_check")?,
                integrity_errors: lines(c, "PRAGMA integrity_check")?
                    .into_iter()
                    .filter(|l| l != "ok")
                    .collect(),
                tenants: count("tenants")?,
                inboxes: count("inboxes")?,
                messages: count("messages WHERE deleted_at IS NULL")?,
                attachments: count("attachments")?,
                labels: count("labels")?,
                key_versions: count("tenant_keys")?,
            })
        })
    }
}
