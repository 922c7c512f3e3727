//! Labels: names sealed, found again by a keyed fingerprint of the name within an inbox.

use helpr_crypto::{KeyStore, RecordRef};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::Result;
use crate::ids::next_id;
use crate::Vault;

const KIND: &str = "label";

pub(crate) fn get_or_create(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    tenant: i64,
    inbox: i64,
    name: &str,
) -> Result<i64> {
    let fp = keys.fingerprint(tenant, "label", name.as_bytes());
    if let Some(id) = crate::cached::query_row(
        tx,
        "SELECT id FROM labels WHERE inbox_id = ?1 AND name_fp = ?2",
        params![inbox, fp.to_vec()],
        |r| r.get(0),
    )
    .optional()?
    {
        return Ok(id);
    }
    let id = next_id(tx, "labels")?;
    let sealed = keys.seal(tenant, RecordRef::new(KIND, id, "name"), name.as_bytes())?;
    crate::cached::execute(
        tx,
        "INSERT INTO labels (id, tenant_id, inbox_id, name_fp, name, key_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            tenant,
            inbox,
            fp.to_vec(),
            sealed,
            keys.active_version(tenant)?
        ],
    )?;
    Ok(id)
}

impl Vault {
    pub(crate) fn message_labels(&self, tenant: i64, message_id: i64) -> Result<Vec<String>> {
        let rows: Vec<(i64, Vec<u8>)> = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT l.id, l.name FROM message_labels ml JOIN labels l ON l.id = ml.label_id
                 WHERE ml.message_id = ?1 AND l.tenant_id = ?2",
            )?;
            let rows =
                stmt.query_map(params![message_id, tenant], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        let mut names = rows
            .into_iter()
            .map(|(id, name)| {
                Ok(self
                    .keys()
                    .open_string(tenant, RecordRef::new(KIND, id, "name"), &name)?)
            })
            .collect::<Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }
}
