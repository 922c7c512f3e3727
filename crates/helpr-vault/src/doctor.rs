//! Health of an unlocked vault: SQLCipher and SQLite integrity, schema version, counts, and
//! orphans (rows whose owner is gone: nothing a purge or a cascade may leave behind).

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
    /// Checks that could not run at all (the file is too damaged to answer them).
    pub check_errors: Vec<String>,
    pub tenants: u64,
    pub inboxes: u64,
    pub messages: u64,
    pub attachments: u64,
    pub labels: u64,
    pub key_versions: u64,
    /// Deleted messages waiting in the trash.
    pub trashed: u64,
    /// Rows whose owner is gone, each as "N <rows> without <owner>"; empty is good.
    pub orphans: Vec<String>,
}

impl DoctorReport {
    pub fn healthy(&self) -> bool {
        self.cipher_integrity_errors.is_empty()
            && self.integrity_errors.is_empty()
            && self.check_errors.is_empty()
            && self.orphans.is_empty()
            && self.schema_version == self.schema_version_known
    }
}

/// Each orphan check: what the rows are, what they lack, and the query that counts them.
const ORPHANS: &[(&str, &str, &str)] = &[
    (
        "attachments",
        "their message",
        "SELECT count(*) FROM attachments a WHERE NOT EXISTS
             (SELECT 1 FROM messages m WHERE m.id = a.message_id)",
    ),
    (
        "attachment chunks",
        "their attachment",
        "SELECT count(*) FROM attachment_chunks c WHERE NOT EXISTS
             (SELECT 1 FROM attachments a WHERE a.id = c.attachment_id)",
    ),
    (
        "message references",
        "their message",
        "SELECT count(*) FROM message_refs r WHERE NOT EXISTS
             (SELECT 1 FROM messages m WHERE m.id = r.message_id)",
    ),
    (
        "label links",
        "their message or label",
        "SELECT count(*) FROM message_labels l WHERE NOT EXISTS
             (SELECT 1 FROM messages m WHERE m.id = l.message_id)
             OR NOT EXISTS (SELECT 1 FROM labels b WHERE b.id = l.label_id)",
    ),
    (
        "messages",
        "their thread or inbox",
        "SELECT count(*) FROM messages m WHERE NOT EXISTS
             (SELECT 1 FROM threads t WHERE t.id = m.thread_id)
             OR NOT EXISTS (SELECT 1 FROM inboxes i WHERE i.id = m.inbox_id)",
    ),
    (
        "threads",
        "any message",
        "SELECT count(*) FROM threads t WHERE NOT EXISTS
             (SELECT 1 FROM messages m WHERE m.thread_id = t.id)",
    ),
    (
        "labels, sync states, Gmail accounts or Gmail outbox entries",
        "their inbox",
        "SELECT (SELECT count(*) FROM labels l WHERE NOT EXISTS
                    (SELECT 1 FROM inboxes i WHERE i.id = l.inbox_id))
              + (SELECT count(*) FROM sync_state s WHERE NOT EXISTS
                    (SELECT 1 FROM inboxes i WHERE i.id = s.inbox_id))
              + (SELECT count(*) FROM gmail_accounts a WHERE NOT EXISTS
                    (SELECT 1 FROM inboxes i WHERE i.id = a.inbox_id))
              + (SELECT count(*) FROM gmail_outbox o WHERE NOT EXISTS
                    (SELECT 1 FROM inboxes i WHERE i.id = o.inbox_id))",
    ),
    (
        "audit lookups",
        "their message",
        "SELECT count(*) FROM audit_refs r WHERE r.kind = 'message' AND NOT EXISTS
             (SELECT 1 FROM messages m WHERE m.id = r.object_id)",
    ),
];

fn lines(conn: &rusqlite::Connection, pragma: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(pragma)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Vault {
    /// Every check runs, whatever the others found: a check that cannot run on a damaged file
    /// is itself a finding (`check_errors`, naming the check), never the end of the report.
    pub fn doctor(&self) -> Result<DoctorReport> {
        self.with_writer(|c| {
            let mut failed = Vec::new();
            let mut check = |what: &str, result: Result<Vec<String>>| match result {
                Ok(found) => found,
                Err(e) => {
                    failed.push(format!("{what} could not run: {e}"));
                    Vec::new()
                }
            };
            let cipher_integrity_errors = check(
                "the page check (cipher_integrity_check)",
                lines(c, "PRAGMA cipher_integrity_check"),
            );
            let integrity_errors = check(
                "the structure check (integrity_check)",
                lines(c, "PRAGMA integrity_check")
                    .map(|l| l.into_iter().filter(|l| l != "ok").collect()),
            );
            let mut count = |table: &str, filter: &str| -> u64 {
                let sql = format!("SELECT count(*) FROM {table} {filter}");
                match c.query_row(&sql, [], |r| r.get::<_, i64>(0)) {
                    Ok(n) => n as u64,
                    Err(e) => {
                        failed.push(format!("counting {table} could not run: {e}"));
                        0
                    }
                }
            };
            let (tenants, inboxes) = (count("tenants", ""), count("inboxes", ""));
            let messages = count("messages", "WHERE deleted_at IS NULL");
            let (attachments, labels) = (count("attachments", ""), count("labels", ""));
            let key_versions = count("tenant_keys", "");
            let trashed = count("messages", "WHERE deleted_at IS NOT NULL");
            let mut orphans = Vec::new();
            for (rows, owner, sql) in ORPHANS {
                match c.query_row(sql, [], |r| r.get::<_, i64>(0)) {
                    Ok(0) => {}
                    Ok(n) => orphans.push(format!("{n} {rows} without {owner}")),
                    Err(e) => failed.push(format!("the orphan check of {rows} could not run: {e}")),
                }
            }
            let schema_version = schema_version(c).unwrap_or_else(|e| {
                failed.push(format!("reading the schema version could not run: {e}"));
                -1
            });
            let cipher_version = c
                .query_row("PRAGMA cipher_version", [], |r| r.get(0))
                .unwrap_or_else(|e| format!("unknown ({e})"));
            Ok(DoctorReport {
                schema_version,
                schema_version_known: SCHEMA_VERSION,
                cipher_version,
                cipher_integrity_errors,
                integrity_errors,
                check_errors: failed,
                tenants,
                inboxes,
                messages,
                attachments,
                labels,
                key_versions,
                trashed,
                orphans,
            })
        })
    }
}
