//! Tenants and inboxes. A new tenant gets key version 1 and a local inbox for imported mail.

use helpr_crypto::{KeyStore, RecordRef};
use rusqlite::{Connection, Transaction};
use serde::Serialize;

use crate::error::{Result, VaultError};
use crate::ids::next_id;
use crate::{now, Vault};

/// The address of the inbox `helpr import` files mail into.
pub const LOCAL_INBOX: &str = "local";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TenantInfo {
    pub id: i64,
    pub name: String,
    pub active_key_version: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InboxInfo {
    pub id: i64,
    pub tenant_id: i64,
    pub kind: String,
    pub address: String,
}

pub(crate) fn create_tenant(tx: &Transaction<'_>, keys: &KeyStore, name: &str) -> Result<i64> {
    let id = next_id(tx, "tenants")?;
    tx.execute(
        "INSERT INTO tenants (id, name, active_key_version, created_at) VALUES (?1, ?2, 1, ?3)",
        rusqlite::params![id, name, now()],
    )?;
    let wrapped = keys.make_tenant_key(id, 1);
    tx.execute(
        "INSERT INTO tenant_keys (tenant_id, version, wrapped, created_at) VALUES (?1, 1, ?2, ?3)",
        rusqlite::params![id, wrapped.0, now()],
    )?;
    keys.set_active(id, 1)?;
    create_inbox(tx, keys, id, "local", LOCAL_INBOX)?;
    Ok(id)
}

pub(crate) fn create_inbox(
    tx: &Transaction<'_>,
    keys: &KeyStore,
    tenant: i64,
    kind: &str,
    address: &str,
) -> Result<i64> {
    let id = next_id(tx, "inboxes")?;
    let fp = keys.fingerprint(tenant, "inbox", address.to_lowercase().as_bytes());
    let sealed = keys.seal(
        tenant,
        RecordRef::new("inbox", id, "address"),
        address.as_bytes(),
    )?;
    let version = keys.active_version(tenant)?;
    tx.execute(
        "INSERT INTO inboxes (id, tenant_id, kind, address_fp, address, key_version, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![id, tenant, kind, fp.to_vec(), sealed, version, now()],
    )?;
    Ok(id)
}

fn tenants(conn: &Connection) -> Result<Vec<TenantInfo>> {
    let mut stmt = conn.prepare("SELECT id, name, active_key_version FROM tenants ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(TenantInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            active_key_version: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Vault {
    pub fn tenants(&self) -> Result<Vec<TenantInfo>> {
        self.read(tenants)
    }

    /// The first tenant, which `init` created.
    pub fn default_tenant(&self) -> Result<TenantInfo> {
        self.tenants()?
            .into_iter()
            .next()
            .ok_or_else(|| VaultError::NotFound("tenant".into()))
    }

    /// The ids of `tenant`'s inboxes (no decryption: what every scoped read needs).
    pub fn inbox_ids(&self, tenant: i64) -> Result<Vec<i64>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id FROM inboxes WHERE tenant_id = ?1 AND deleted_at IS NULL ORDER BY id",
            )?;
            let ids = stmt.query_map([tenant], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub fn inboxes(&self, tenant: i64) -> Result<Vec<InboxInfo>> {
        let rows: Vec<(i64, String, Vec<u8>)> = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, kind, address FROM inboxes WHERE tenant_id = ?1 AND deleted_at IS NULL
                 ORDER BY id",
            )?;
            let rows = stmt.query_map([tenant], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        rows.into_iter()
            .map(|(id, kind, sealed)| {
                let address = self.keys().open_string(
                    tenant,
                    RecordRef::new("inbox", id, "address"),
                    &sealed,
                )?;
                Ok(InboxInfo {
                    id,
                    tenant_id: tenant,
                    kind,
                    address,
                })
            })
            .collect()
    }

    /// The inbox `helpr import` uses for `tenant`.
    pub fn local_inbox(&self, tenant: i64) -> Result<InboxInfo> {
        self.inboxes(tenant)?
            .into_iter()
            .find(|i| i.kind == "local" && i.address == LOCAL_INBOX)
            .ok_or_else(|| VaultError::NotFound("local inbox".into()))
    }
}
