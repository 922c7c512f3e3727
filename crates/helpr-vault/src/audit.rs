//! The audit trail: security-relevant actions (unlock, key rotate and retire, inbox connect and
//! disconnect, delete, restore, purge, settings) appended with time, actor, action and the object
//! touched. It holds no content, subject or address: an object is named by its keyed hash
//! (HMAC-SHA256 with the audit key, DESIGN §2), and `audit_refs` maps live objects to their
//! hashes so an admin can resolve them. Purging an object deletes its `audit_refs` rows: the
//! entries stay, their identifiers can no longer be resolved (redacted, not rewritten).
//!
//! Entries form a chain: each entry's `mac` covers its own fields and the previous entry's `mac`
//! (`prev`), and `audit_head` holds the last entry's number and `mac` under a MAC of its own.
//! [`Vault::verify_audit`] recomputes the chain and names the first entries that were edited,
//! removed, inserted or reordered; without the audit key (from the KEK) no entry can be forged.

use helpr_crypto::KeyStore;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::error::Result;
use crate::lifecycle::Act;
use crate::Vault;

/// The chain's start: the `prev` of the first entry.
const GENESIS: [u8; 32] = [0; 32];
/// The tenant the chain's own MACs are keyed under (entries carry their tenant as a field).
const CHAIN: i64 = 0;
/// At most this many problems are listed by [`Vault::verify_audit`].
const MAX_PROBLEMS: usize = 100;
/// The action of an unlock entry.
pub const UNLOCK: &str = "vault.unlock";

/// One action to append.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub tenant: i64,
    /// Who did it (`cli:<os user>`, `desktop:<os user>`, `sync`).
    pub actor: &'a str,
    /// `vault.unlock`, `key.rotate`, `message.delete`, `settings.set`, …
    pub action: &'a str,
    /// The object touched: its kind and id (stored only as a keyed hash).
    pub object: Option<(&'a str, i64)>,
    /// What else an auditor needs and is not content (counts, key versions, setting values).
    pub detail: String,
}

/// One entry as read back; `object_id` is `None` once the object was purged (redacted).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object_kind: Option<String>,
    /// The keyed hash naming the object, hex.
    pub object_ref: Option<String>,
    pub object_id: Option<i64>,
    pub detail: String,
}

/// Which entries [`Vault::audit_entries`] returns.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Entries at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Only this action (`message.delete`), or a family (`message.`).
    pub action: Option<String>,
}

/// What [`Vault::verify_audit`] found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditVerdict {
    pub entries: u64,
    pub intact: bool,
    /// Each problem names the entry and what happened to it.
    pub problems: Vec<String>,
}

struct Row {
    seq: i64,
    at: i64,
    tenant: i64,
    actor: String,
    action: String,
    kind: Option<String>,
    object_ref: Option<Vec<u8>>,
    detail: String,
    prev: Vec<u8>,
    mac: Vec<u8>,
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The MAC of an entry numbered `seq` with `row`'s fields and `prev`.
fn entry_mac(keys: &KeyStore, seq: i64, row: &Row, prev: &[u8]) -> [u8; 32] {
    let mut data = Vec::with_capacity(128);
    data.extend_from_slice(&seq.to_be_bytes());
    data.extend_from_slice(&row.at.to_be_bytes());
    data.extend_from_slice(&row.tenant.to_be_bytes());
    field(&mut data, row.actor.as_bytes());
    field(&mut data, row.action.as_bytes());
    field(&mut data, row.kind.as_deref().unwrap_or("").as_bytes());
    field(&mut data, row.object_ref.as_deref().unwrap_or(&[]));
    field(&mut data, row.detail.as_bytes());
    field(&mut data, prev);
    keys.audit_mac(CHAIN, "audit/entry", &data)
}

fn head_mac(keys: &KeyStore, seq: i64, mac: &[u8]) -> [u8; 32] {
    let mut data = seq.to_be_bytes().to_vec();
    data.extend_from_slice(mac);
    keys.audit_mac(CHAIN, "audit/head", &data)
}

/// The keyed hash naming object `kind`/`id` of `tenant` in the trail.
pub(crate) fn object_ref(keys: &KeyStore, tenant: i64, kind: &str, id: i64) -> [u8; 32] {
    keys.audit_mac(tenant, &format!("audit/object/{kind}"), &id.to_be_bytes())
}

/// Appends `event` at time `at` inside the caller's transaction, so an action and its entry
/// commit together.
pub(crate) fn append(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    at: i64,
    event: &AuditEvent<'_>,
) -> Result<()> {
    let last: Option<(i64, Vec<u8>)> = crate::cached::query_row(
        tx,
        "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?;
    let (seq, prev) = match last {
        Some((seq, mac)) => (seq + 1, mac),
        None => (1, GENESIS.to_vec()),
    };
    let object_ref = event.object.map(|(kind, id)| {
        let r = object_ref(keys, event.tenant, kind, id);
        (kind, id, r)
    });
    if let Some((kind, id, r)) = &object_ref {
        crate::cached::execute(
            tx,
            "INSERT OR IGNORE INTO audit_refs (ref, tenant_id, kind, object_id)
             VALUES (?1, ?2, ?3, ?4)",
            params![r.to_vec(), event.tenant, kind, id],
        )?;
    }
    let row = Row {
        seq,
        at,
        tenant: event.tenant,
        actor: event.actor.to_owned(),
        action: event.action.to_owned(),
        kind: object_ref.as_ref().map(|(k, _, _)| (*k).to_owned()),
        object_ref: object_ref.as_ref().map(|(_, _, r)| r.to_vec()),
        detail: event.detail.clone(),
        prev: prev.clone(),
        mac: Vec::new(),
    };
    let mac = entry_mac(keys, seq, &row, &prev);
    crate::cached::execute(
        tx,
        "INSERT INTO audit_log (seq, at, tenant_id, actor, action, object_kind, object_ref,
            detail, prev, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            seq,
            at,
            row.tenant,
            row.actor,
            row.action,
            row.kind,
            row.object_ref,
            row.detail,
            prev,
            mac.to_vec()
        ],
    )?;
    crate::cached::execute(
        tx,
        "INSERT INTO audit_head (id, seq, mac, head_mac) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET seq = ?1, mac = ?2, head_mac = ?3",
        params![seq, mac.to_vec(), head_mac(keys, seq, &mac).to_vec()],
    )?;
    Ok(())
}

/// Appends what `act` did (`action`, to `object` of `tenant`) inside the caller's transaction:
/// the one way the lifecycle writes its entries.
pub(crate) fn record(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    tenant: i64,
    act: Act<'_>,
    action: &str,
    object: Option<(&str, i64)>,
    detail: String,
) -> Result<()> {
    let event = AuditEvent {
        tenant,
        actor: act.actor,
        action,
        object,
        detail,
    };
    append(tx, keys, act.now, &event)
}

/// Forgets the identifiers of purged objects: their `audit_refs` rows go, the entries stay.
pub(crate) fn redact(tx: &Transaction<'_>, kind: &str, ids: &[i64]) -> Result<()> {
    for id in ids {
        crate::cached::execute(
            tx,
            "DELETE FROM audit_refs WHERE kind = ?1 AND object_id = ?2",
            params![kind, id],
        )?;
    }
    Ok(())
}

fn read_rows(c: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<Row>> {
    let mut stmt = c.prepare(sql)?;
    let rows = stmt.query_map(args, |r| {
        Ok(Row {
            seq: r.get(0)?,
            at: r.get(1)?,
            tenant: r.get(2)?,
            actor: r.get(3)?,
            action: r.get(4)?,
            kind: r.get(5)?,
            object_ref: r.get(6)?,
            detail: r.get(7)?,
            prev: r.get(8)?,
            mac: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const ROW_COLUMNS: &str =
    "seq, at, tenant_id, actor, action, object_kind, object_ref, detail, prev, mac";

impl Vault {
    /// Appends one entry in a transaction of its own (for actions that change nothing else in
    /// the vault, such as an unlock).
    pub fn audit(&self, at: i64, event: &AuditEvent<'_>) -> Result<()> {
        self.write(|tx| append(tx, self.keys(), at, event))
    }

    /// Records that `act.actor` unlocked the vault, unless an entry of theirs from the last
    /// `within` seconds says so already (every CLI command unlocks; a trail of each would
    /// bury the rest). One indexed read when nothing is written. Returns whether it wrote.
    pub fn audit_unlock(&self, tenant: i64, act: Act<'_>, within: i64) -> Result<bool> {
        let recent: bool = self.read(|c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM audit_log INDEXED BY audit_log_by_action
                 WHERE action = ?1 AND at > ?2 AND at <= ?3 AND actor = ?4 AND tenant_id = ?5)",
                params![UNLOCK, act.now - within, act.now, act.actor, tenant],
                |r| r.get(0),
            )?)
        })?;
        if recent {
            return Ok(false);
        }
        self.write(|tx| {
            record(
                tx,
                self.keys(),
                tenant,
                act,
                UNLOCK,
                None,
                "key from the OS keychain".into(),
            )
        })?;
        Ok(true)
    }

    /// `tenant`'s entries in order, filtered; each object resolved while its lookup row lives.
    pub fn audit_entries(&self, tenant: i64, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let since = filter.since.unwrap_or(i64::MIN);
        let action = filter.action.clone().unwrap_or_default();
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT l.seq, l.at, l.actor, l.action, l.object_kind, l.object_ref, r.object_id,
                        l.detail
                 FROM audit_log l LEFT JOIN audit_refs r ON r.ref = l.object_ref
                 WHERE l.tenant_id = ?1 AND l.at >= ?2
                   AND (?3 = '' OR l.action = ?3 OR (substr(?3, -1) = '.'
                        AND substr(l.action, 1, length(?3)) = ?3))
                 ORDER BY l.seq",
            )?;
            let rows = stmt.query_map(params![tenant, since, action], |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    object_kind: r.get(4)?,
                    object_ref: r.get::<_, Option<Vec<u8>>>(5)?.map(hex::encode),
                    object_id: r.get(6)?,
                    detail: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Recomputes the whole chain and the head. Every entry whose contents do not match its
    /// MAC (edited), that does not follow the one before it (inserted, removed, reordered), and
    /// a head that names another last entry (entries cut from the end), is a problem naming the
    /// entry.
    pub fn verify_audit(&self) -> Result<AuditVerdict> {
        let keys = self.keys();
        let (rows, head) = self.read(|c| {
            let rows = read_rows(
                c,
                &format!("SELECT {ROW_COLUMNS} FROM audit_log ORDER BY seq"),
                [],
            )?;
            let head: Option<(i64, Vec<u8>, Vec<u8>)> = c
                .query_row(
                    "SELECT seq, mac, head_mac FROM audit_head WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            Ok((rows, head))
        })?;
        let mut problems = Vec::new();
        let mut note = |p: String| {
            if problems.len() < MAX_PROBLEMS {
                problems.push(p);
            }
        };
        let (mut last_seq, mut last_mac) = (0i64, GENESIS.to_vec());
        for row in &rows {
            let genuine = entry_mac(keys, row.seq, row, &row.prev)[..] == row.mac[..];
            if !genuine {
                // Contents that verify under another number were moved there.
                let moved = [row.seq - 1, row.seq + 1]
                    .into_iter()
                    .find(|&other| entry_mac(keys, other, row, &row.prev)[..] == row.mac[..]);
                match moved {
                    Some(other) => note(format!(
                        "entry {} holds what was written as entry {other}: entries were \
                         inserted, removed or reordered",
                        row.seq
                    )),
                    None => note(format!(
                        "entry {} was edited: its contents do not match its MAC",
                        row.seq
                    )),
                }
            } else if row.prev != last_mac {
                if row.seq > last_seq + 1 {
                    note(format!(
                        "entries {}–{} were removed: entry {} follows entry {last_seq}",
                        last_seq + 1,
                        row.seq - 1,
                        row.seq
                    ));
                } else {
                    note(format!(
                        "entry {} does not follow entry {last_seq}: an entry was inserted \
                         or entries were reordered",
                        row.seq
                    ));
                }
            }
            last_seq = row.seq;
            last_mac = row.mac.clone();
        }
        match head {
            None if rows.is_empty() => {}
            None => note("the trail's head is missing: it was removed".into()),
            Some((seq, mac, hmac)) => {
                if head_mac(keys, seq, &mac)[..] != hmac[..] {
                    note("the trail's head was edited".into());
                } else if seq != last_seq || mac != last_mac {
                    note(format!(
                        "the trail ends at entry {last_seq} but was last written at entry \
                         {seq}: entries were removed from its end"
                    ));
                }
            }
        }
        Ok(AuditVerdict {
            entries: rows.len() as u64,
            intact: problems.is_empty(),
            problems,
        })
    }
}
