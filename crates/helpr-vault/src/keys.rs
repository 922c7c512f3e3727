//! Key versions of a tenant: listing, O(1) rotation, resumable retirement.
//!
//! Rotation inserts a new wrapped DEK and flips `tenants.active_key_version` in one transaction;
//! no record is touched and old versions keep opening. Retirement re-seals the old version's
//! records under the active key in batches (each batch one transaction, so an interrupted run
//! leaves every row whole on one version or the other), and deletes the old wrapped key only
//! when no record uses it any more. Re-running it continues where it stopped.

use helpr_crypto::RecordRef;
use rusqlite::{params, Transaction};
use serde::Serialize;

use crate::attachments::chunk_field;
use crate::error::{Result, VaultError};
use crate::migrations::SEALED_COLUMNS;
use crate::{now, Vault};

const RETIRE_BATCH: i64 = 64;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyVersionInfo {
    pub version: u32,
    pub active: bool,
    /// Records sealed with this version.
    pub records: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetireProgress {
    pub done: u64,
    pub total: u64,
}

/// Returned by the progress callback after each committed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetireControl {
    Continue,
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RetireOutcome {
    /// Every record re-sealed and the old key deleted.
    Retired { resealed: u64 },
    /// Stopped on request; run again to finish.
    Interrupted { resealed: u64, remaining: u64 },
}

fn count_version(tx: &rusqlite::Connection, tenant: i64, version: u32) -> Result<u64> {
    let mut total = 0u64;
    for (table, _, _) in SEALED_COLUMNS {
        let n: i64 = tx.query_row(
            &format!("SELECT count(*) FROM {table} WHERE tenant_id = ?1 AND key_version = ?2"),
            params![tenant, version],
            |r| r.get(0),
        )?;
        total += n as u64;
    }
    Ok(total)
}

impl Vault {
    pub fn list_keys(&self, tenant: i64) -> Result<Vec<KeyVersionInfo>> {
        self.read(|c| {
            let active: u32 = c.query_row(
                "SELECT active_key_version FROM tenants WHERE id = ?1",
                [tenant],
                |r| r.get(0),
            )?;
            let mut stmt =
                c.prepare("SELECT version FROM tenant_keys WHERE tenant_id = ?1 ORDER BY version")?;
            let versions: Vec<u32> = stmt
                .query_map([tenant], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            versions
                .into_iter()
                .map(|version| {
                    Ok(KeyVersionInfo {
                        version,
                        active: version == active,
                        records: count_version(c, tenant, version)?,
                    })
                })
                .collect()
        })
    }

    /// Makes a new key version active for new writes. O(1): no record is re-encrypted.
    pub fn rotate_key(&self, tenant: i64) -> Result<u32> {
        let version = self.write(|tx| {
            let max: Option<u32> = tx.query_row(
                "SELECT MAX(version) FROM tenant_keys WHERE tenant_id = ?1",
                [tenant],
                |r| r.get(0),
            )?;
            let version = max.ok_or_else(|| VaultError::NotFound(format!("tenant {tenant}")))? + 1;
            let wrapped = self.keys().make_tenant_key(tenant, version);
            tx.execute(
                "INSERT INTO tenant_keys (tenant_id, version, wrapped, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![tenant, version, wrapped.0, now()],
            )?;
            tx.execute(
                "UPDATE tenants SET active_key_version = ?2 WHERE id = ?1",
                params![tenant, version],
            )?;
            Ok(version)
        })?;
        self.keys().set_active(tenant, version)?;
        Ok(version)
    }

    /// Re-seals every record of `version` under the active key, then deletes `version`.
    /// `on_batch` is called after each committed batch and may stop the work; calling again
    /// resumes.
    pub fn retire_key(
        &self,
        tenant: i64,
        version: u32,
        mut on_batch: impl FnMut(RetireProgress) -> RetireControl,
    ) -> Result<RetireOutcome> {
        let keys = self.list_keys(tenant)?;
        let info = keys
            .iter()
            .find(|k| k.version == version)
            .ok_or_else(|| VaultError::NotFound(format!("key version {version}")))?;
        if info.active {
            return Err(VaultError::Invalid(format!(
                "key version {version} is active; rotate first, then retire it"
            )));
        }
        let total = info.records;
        let mut done = 0u64;
        loop {
            let n = self.write(|tx| self.reseal_batch(tx, tenant, version))?;
            if n == 0 {
                break;
            }
            done += n;
            if on_batch(RetireProgress { done, total }) == RetireControl::Stop {
                let remaining = self.read(|c| count_version(c, tenant, version))?;
                if remaining > 0 {
                    return Ok(RetireOutcome::Interrupted {
                        resealed: done,
                        remaining,
                    });
                }
            }
        }
        self.write(|tx| {
            // Re-check inside the deleting transaction: nothing may still need this key.
            if count_version(tx, tenant, version)? > 0 {
                return Err(VaultError::Meta(
                    "records appeared under a retiring key".into(),
                ));
            }
            tx.execute(
                "DELETE FROM tenant_keys WHERE tenant_id = ?1 AND version = ?2",
                params![tenant, version],
            )?;
            Ok(())
        })?;
        self.keys().forget_tenant_key(tenant, version);
        Ok(RetireOutcome::Retired { resealed: done })
    }

    /// Re-seals up to one batch of records still on `version`; returns how many.
    fn reseal_batch(&self, tx: &Transaction<'_>, tenant: i64, version: u32) -> Result<u64> {
        let keys = self.keys();
        let active = keys.active_version(tenant)?;
        let mut left = RETIRE_BATCH;
        let mut done = 0u64;
        for (table, kind, columns) in SEALED_COLUMNS {
            if left == 0 {
                break;
            }
            let select = format!(
                "SELECT id, {} FROM {table} WHERE tenant_id = ?1 AND key_version = ?2 LIMIT ?3",
                columns.join(", ")
            );
            let rows: Vec<(i64, Vec<Option<Vec<u8>>>)> = {
                let mut stmt = tx.prepare(&select)?;
                let rows = stmt.query_map(params![tenant, version, left], |r| {
                    let mut vals = Vec::with_capacity(columns.len());
                    for i in 0..columns.len() {
                        vals.push(r.get::<_, Option<Vec<u8>>>(i + 1)?);
                    }
                    Ok((r.get(0)?, vals))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (id, values) in rows {
                let mut resealed = Vec::with_capacity(values.len());
                for (col, value) in columns.iter().zip(values) {
                    resealed.push(match value {
                        Some(sealed) => {
                            let rec = RecordRef::new(kind, id, col);
                            let plain = keys.open(tenant, rec, &sealed)?;
                            Some(keys.seal(tenant, rec, &plain)?)
                        }
                        None => None,
                    });
                }
                let sets: Vec<String> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{c} = ?{}", i + 3))
                    .collect();
                let update = format!(
                    "UPDATE {table} SET key_version = ?2, {} WHERE id = ?1",
                    sets.join(", ")
                );
                let mut args: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(id), Box::new(active)];
                args.extend(
                    resealed
                        .into_iter()
                        .map(|v| Box::new(v) as Box<dyn rusqlite::ToSql>),
                );
                tx.execute(&update, rusqlite::params_from_iter(args.iter()))?;
                if *table == "attachments" {
                    self.reseal_chunks(tx, tenant, id)?;
                }
                done += 1;
                left -= 1;
            }
        }
        Ok(done)
    }

    fn reseal_chunks(&self, tx: &Transaction<'_>, tenant: i64, attachment: i64) -> Result<()> {
        let count: i64 = tx.query_row(
            "SELECT chunk_count FROM attachments WHERE id = ?1",
            [attachment],
            |r| r.get(0),
        )?;
        for idx in 0..count {
            let sealed: Vec<u8> = tx.query_row(
                "SELECT data FROM attachment_chunks WHERE attachment_id = ?1 AND idx = ?2",
                params![attachment, idx],
                |r| r.get(0),
            )?;
            let field = chunk_field(idx, count);
            let rec = RecordRef::new("attachment", attachment, &field);
            let plain = self.keys().open(tenant, rec, &sealed)?;
            tx.execute(
                "UPDATE attachment_chunks SET data = ?3 WHERE attachment_id = ?1 AND idx = ?2",
                params![attachment, idx, self.keys().seal(tenant, rec, &plain)?],
            )?;
        }
        Ok(())
    }
}
