//! Attachments: names and bytes sealed; bytes in fixed-size chunks, each its own sealed record
//! whose AAD names the chunk index and the chunk count, so reordering, swapping or truncating
//! chunks fails to open. Nothing is ever written to a plaintext temp file. The original source of
//! a kept message is stored the same way, flagged `original` and left out of attachment lists.

use helpr_crypto::{KeyStore, RecordRef};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::error::{Result, VaultError};
use crate::ids::next_id;
use crate::{Scope, Vault};

/// Attachment bytes are sealed in chunks of this size.
pub const CHUNK_SIZE: usize = 256 * 1024;
const KIND: &str = "attachment";

pub(crate) fn chunk_field(idx: i64, count: i64) -> String {
    format!("chunk/{idx}/{count}")
}

#[derive(Debug, Clone, Default)]
pub struct NewAttachment {
    pub name: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub data: Vec<u8>,
}

/// An attachment's description (its bytes are read on demand with [`Vault::read_attachment`]).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StoredAttachment {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub size: u64,
}

/// One attachment row to seal and store: a part of the message, or (`original`) the source of
/// a kept message.
struct Row<'a> {
    name: &'a str,
    content_type: &'a str,
    content_id: Option<&'a str>,
    inline: bool,
    data: &'a [u8],
    original: bool,
}

pub(crate) fn insert(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    tenant: i64,
    message_id: i64,
    position: i64,
    att: &NewAttachment,
) -> Result<i64> {
    let row = Row {
        name: &att.name,
        content_type: &att.content_type,
        content_id: att.content_id.as_deref(),
        inline: att.inline,
        data: &att.data,
        original: false,
    };
    insert_row(tx, keys, tenant, message_id, position, &row)
}

/// Stores the original source of a kept message, sealed in chunks like an attachment.
pub(crate) fn insert_original(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    tenant: i64,
    message_id: i64,
    source: &[u8],
) -> Result<i64> {
    let row = Row {
        name: "original.eml",
        content_type: "message/rfc822",
        content_id: None,
        inline: false,
        data: source,
        original: true,
    };
    insert_row(tx, keys, tenant, message_id, -1, &row)
}

fn insert_row(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    tenant: i64,
    message_id: i64,
    position: i64,
    att: &Row<'_>,
) -> Result<i64> {
    let id = next_id(tx, "attachments")?;
    let version = keys.active_version(tenant)?;
    let chunks: Vec<&[u8]> = if att.data.is_empty() {
        vec![&[][..]]
    } else {
        att.data.chunks(CHUNK_SIZE).collect()
    };
    let count = chunks.len() as i64;
    let seal = |field: &str, data: &[u8]| keys.seal(tenant, RecordRef::new(KIND, id, field), data);
    let content_id = att
        .content_id
        .map(|c| seal("content_id", c.as_bytes()))
        .transpose()?;
    crate::cached::execute(
        tx,
        "INSERT INTO attachments (id, tenant_id, message_id, position, key_version, name,
            content_type, content_id, inline, size, chunk_count, original)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            id,
            tenant,
            message_id,
            position,
            version,
            seal("name", att.name.as_bytes())?,
            att.content_type,
            content_id,
            att.inline,
            att.data.len() as i64,
            count,
            att.original,
        ],
    )?;
    for (idx, chunk) in chunks.into_iter().enumerate() {
        let idx = idx as i64;
        crate::cached::execute(
            tx,
            "INSERT INTO attachment_chunks (attachment_id, idx, data) VALUES (?1, ?2, ?3)",
            params![id, idx, seal(&chunk_field(idx, count), chunk)?],
        )?;
    }
    Ok(id)
}

impl Vault {
    pub(crate) fn attachments_of(
        &self,
        tenant: i64,
        message_id: i64,
    ) -> Result<Vec<StoredAttachment>> {
        type Row = (i64, Vec<u8>, String, Option<Vec<u8>>, bool, i64);
        let rows: Vec<Row> = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, name, content_type, content_id, inline, size FROM attachments
                 WHERE message_id = ?1 AND tenant_id = ?2 AND original = 0 ORDER BY position",
            )?;
            let rows = stmt.query_map(params![message_id, tenant], |r| Row::try_from(r))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        rows.into_iter()
            .map(|(id, name, content_type, content_id, inline, size)| {
                let open = |field: &str, data: &[u8]| {
                    self.keys()
                        .open_string(tenant, RecordRef::new(KIND, id, field), data)
                };
                Ok(StoredAttachment {
                    id,
                    name: open("name", &name)?,
                    content_type,
                    content_id: content_id.map(|c| open("content_id", &c)).transpose()?,
                    inline,
                    size: size as u64,
                })
            })
            .collect()
    }

    /// The decrypted name of one attachment within `scope` (of a live message).
    pub fn attachment_name(&self, scope: &Scope, id: i64) -> Result<String> {
        let sealed: Vec<u8> =
            self.read(|c| live_attachment_row(c, scope, id, "a.name", |r| r.get(0)))?;
        Ok(self
            .keys()
            .open_string(scope.tenant, RecordRef::new(KIND, id, "name"), &sealed)?)
    }

    /// The decrypted bytes of one attachment within `scope`. Every chunk must be present and
    /// in place; a missing, moved or tampered chunk is an error, never partial data.
    pub fn read_attachment(&self, scope: &Scope, id: i64) -> Result<Vec<u8>> {
        let (count, size, chunks) = self.read(|c| {
            let (count, size): (i64, i64) =
                live_attachment_row(c, scope, id, "a.chunk_count, a.size", |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let mut stmt = c.prepare(
                "SELECT idx, data FROM attachment_chunks WHERE attachment_id = ?1 ORDER BY idx",
            )?;
            let chunks: Vec<(i64, Vec<u8>)> = stmt
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok((count, size, chunks))
        })?;
        if chunks.len() as i64 != count {
            return Err(helpr_crypto::CryptoError::Malformed("attachment chunks missing").into());
        }
        let mut out = Vec::with_capacity(size as usize);
        for (idx, data) in chunks {
            let field = chunk_field(idx, count);
            let plain = self
                .keys()
                .open(scope.tenant, RecordRef::new(KIND, id, &field), &data)?;
            out.extend_from_slice(&plain);
        }
        Ok(out)
    }
}

/// `columns` of attachment `id` (alias `a`) when it belongs to a live message within `scope`;
/// `NotFound` otherwise (another tenant's or inbox's, a deleted message's, or none).
fn live_attachment_row<T>(
    c: &rusqlite::Connection,
    scope: &Scope,
    id: i64,
    columns: &str,
    map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<T> {
    c.query_row(
        &format!(
            "SELECT {columns} FROM attachments a JOIN messages m ON m.id = a.message_id
             WHERE a.id = ?1 AND a.tenant_id = ?2 AND m.inbox_id IN {}
             AND m.deleted_at IS NULL",
            scope.inbox_sql()
        ),
        params![id, scope.tenant],
        map,
    )
    .optional()?
    .ok_or_else(|| VaultError::NotFound(format!("attachment {id}")))
}
