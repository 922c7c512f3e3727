//! New-mail notifications, opt-in: which inboxes are watched (`inboxes.notify`), whether a
//! notification may name the sender and subject (`tenants.notify_content`), and the unread
//! mail that arrived in watched inboxes after a message id (ids only grow, so the newest id
//! before a sync marks what the sync brought).

use rusqlite::params;

use crate::error::{Result, VaultError};
use crate::{Scope, Vault};

/// Unread mail new in one watched inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub inbox_id: i64,
    pub count: u64,
    /// The newest of them.
    pub newest: i64,
}

impl Vault {
    /// Watches `inbox` for new mail (`on`), or stops. `NotFound` outside `scope`.
    pub fn set_inbox_notify(&self, scope: &Scope, inbox: i64, on: bool) -> Result<()> {
        if !scope.inboxes.contains(&inbox) {
            return Err(VaultError::NotFound(format!("inbox {inbox}")));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE inboxes SET notify = ?2 WHERE id = ?1",
                params![inbox, on],
            )?;
            Ok(())
        })
    }

    /// The watched inboxes of `scope`.
    pub fn watched_inboxes(&self, scope: &Scope) -> Result<Vec<i64>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT id FROM inboxes WHERE notify = 1 AND id IN {} ORDER BY id",
                scope.inbox_sql()
            ))?;
            let ids = stmt.query_map([], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Lets notifications name the sender and subject (`on`), or not.
    pub fn set_notify_content(&self, tenant: i64, on: bool) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE tenants SET notify_content = ?2 WHERE id = ?1",
                params![tenant, on],
            )?;
            Ok(())
        })
    }

    /// Whether notifications may name the sender and subject.
    pub fn notify_content(&self, tenant: i64) -> Result<bool> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT notify_content FROM tenants WHERE id = ?1",
                [tenant],
                |r| r.get(0),
            )?)
        })
    }

    /// The newest message id stored (0 for none).
    pub fn newest_message_id(&self) -> Result<i64> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
                    r.get(0)
                })?,
            )
        })
    }

    /// The live unread messages stored after id `after` in the watched inboxes of `scope`, by
    /// inbox.
    pub fn new_mail(&self, scope: &Scope, after: i64) -> Result<Vec<NewMail>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT m.inbox_id, count(*), max(m.id) FROM messages m
                 JOIN inboxes i ON i.id = m.inbox_id AND i.notify = 1
                 WHERE m.id > ?1 AND m.tenant_id = ?2 AND m.inbox_id IN {}
                   AND m.deleted_at IS NULL AND m.unread = 1
                 GROUP BY m.inbox_id ORDER BY m.inbox_id",
                scope.inbox_sql()
            ))?;
            let rows = stmt.query_map(params![after, scope.tenant], |r| {
                Ok(NewMail {
                    inbox_id: r.get(0)?,
                    count: r.get::<_, i64>(1)? as u64,
                    newest: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
