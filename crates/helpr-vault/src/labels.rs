//! Labels: names sealed, found again by a keyed fingerprint of the name within an inbox.
//! [`Vault::set_label`] applies or removes one in helpr: the change is made at once (lists,
//! the sidebar and `label:` search follow: the messages are queued for the index), and Gmail is
//! owed the same change in the Gmail outbox, in the same transaction. Until Gmail has it, sync
//! leaves that label of the message as helpr set it (see `gmail_sync`).

use helpr_crypto::{KeyStore, RecordRef};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::{Result, VaultError};
use crate::gmail_outbox::{self, OutboxAction};
use crate::ids::next_id;
use crate::scope::id_list_sql;
use crate::{index_feed, Scope, Target, Vault};

const KIND: &str = "label";

/// The id of label `name` of `inbox`, if the inbox has one.
pub(crate) fn find(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    tenant: i64,
    inbox: i64,
    name: &str,
) -> Result<Option<i64>> {
    let fp = keys.fingerprint(tenant, "label", name.as_bytes());
    Ok(crate::cached::query_row(
        tx,
        "SELECT id FROM labels WHERE inbox_id = ?1 AND name_fp = ?2",
        params![inbox, fp.to_vec()],
        |r| r.get(0),
    )
    .optional()?)
}

pub(crate) fn get_or_create(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    tenant: i64,
    inbox: i64,
    name: &str,
) -> Result<i64> {
    if let Some(id) = find(tx, keys, tenant, inbox, name)? {
        return Ok(id);
    }
    let fp = keys.fingerprint(tenant, "label", name.as_bytes());
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
    /// Applies label `name` to `target`'s live messages (`on`), or removes it; the label is
    /// created in the target's inbox if it has none of that name. Returns the ids whose labels
    /// changed. `NotFound` when nothing live matches.
    pub fn set_label(
        &self,
        scope: &Scope,
        target: Target,
        name: &str,
        on: bool,
        now: i64,
    ) -> Result<Vec<i64>> {
        self.write(|tx| {
            let ids = Self::target_ids(tx, scope, target, false)?;
            let Some(first) = ids.first() else {
                return Err(VaultError::NotFound(format!(
                    "{} {} (not stored, or deleted)",
                    target.kind(),
                    target.id()
                )));
            };
            let inbox: i64 = crate::cached::query_row(
                tx,
                "SELECT inbox_id FROM messages WHERE id = ?1",
                [first],
                |r| r.get(0),
            )?;
            let tenant = scope.tenant;
            let label = if on {
                get_or_create(tx, self.keys(), tenant, inbox, name)?
            } else {
                match find(tx, self.keys(), tenant, inbox, name)? {
                    Some(label) => label,
                    None => return Ok(Vec::new()),
                }
            };
            let sql = if on {
                format!(
                    "INSERT INTO message_labels (message_id, label_id)
                     SELECT id, ?1 FROM messages m WHERE id IN {} AND NOT EXISTS
                        (SELECT 1 FROM message_labels WHERE message_id = m.id AND label_id = ?1)
                     RETURNING message_id",
                    id_list_sql(&ids)
                )
            } else {
                format!(
                    "DELETE FROM message_labels WHERE label_id = ?1 AND message_id IN {}
                     RETURNING message_id",
                    id_list_sql(&ids)
                )
            };
            let mut stmt = tx.prepare(&sql)?;
            let mut changed: Vec<i64> = stmt
                .query_map([label], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            drop(stmt);
            changed.sort_unstable();
            if !changed.is_empty() {
                index_feed::enqueue(tx, &changed)?;
                let owed = if on {
                    OutboxAction::Label { label }
                } else {
                    OutboxAction::Unlabel { label }
                };
                gmail_outbox::enqueue(tx, &changed, owed, now)?;
            }
            Ok(changed)
        })
    }

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
