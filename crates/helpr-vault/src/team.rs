//! The team server's side of the vault: this vault's sign-in to one team server (its address,
//! pinned certificate and user, sealed as the caller serialized them), the session token
//! (sealed), and the last entitlement snapshot and sequence number applied (sealed). And which
//! local inbox holds each shared inbox of the server, so that an inbox the server takes away
//! is found and purged, and a local thread is named to the server by its Gmail thread id.

use rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

use helpr_crypto::RecordRef;

use crate::error::Result;
use crate::ids::next_id;
use crate::{now, Vault};

const KIND: &str = "team_link";

/// The stored sign-in, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamLinkRecord {
    pub link: Zeroizing<Vec<u8>>,
    pub token: Zeroizing<Vec<u8>>,
    pub snapshot: Option<Zeroizing<Vec<u8>>>,
    pub last_seq: Option<u64>,
}

impl Vault {
    /// Stores a sign-in, replacing any earlier one (and forgetting its snapshot).
    pub fn set_team_link(&self, tenant: i64, link: &[u8], token: &[u8]) -> Result<()> {
        self.write(|tx| {
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM team_links WHERE tenant_id = ?1",
                    [tenant],
                    |r| r.get(0),
                )
                .optional()?;
            let id = match existing {
                Some(id) => id,
                None => next_id(tx, "team_links")?,
            };
            let seal = |field: &str, data: &[u8]| {
                self.keys()
                    .seal(tenant, RecordRef::new(KIND, id, field), data)
            };
            tx.execute(
                "INSERT INTO team_links (id, tenant_id, key_version, link, token, snapshot,
                    last_seq, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL, NULL, ?6)
                 ON CONFLICT (id) DO UPDATE SET key_version = ?3, link = ?4, token = ?5,
                    snapshot = NULL, last_seq = NULL, updated_at = ?6",
                params![
                    id,
                    tenant,
                    self.keys().active_version(tenant)?,
                    seal("link", link)?,
                    seal("token", token)?,
                    now()
                ],
            )?;
            Ok(())
        })
    }

    /// The stored sign-in, if any.
    pub fn team_link(&self, tenant: i64) -> Result<Option<TeamLinkRecord>> {
        type Row = (i64, Vec<u8>, Vec<u8>, Option<Vec<u8>>, Option<i64>);
        let row: Option<Row> = self.read(|c| {
            Ok(c.query_row(
                "SELECT id, link, token, snapshot, last_seq FROM team_links WHERE tenant_id = ?1",
                [tenant],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?)
        })?;
        let Some((id, link, token, snapshot, last_seq)) = row else {
            return Ok(None);
        };
        let open = |field: &str, sealed: &[u8]| {
            self.keys()
                .open(tenant, RecordRef::new(KIND, id, field), sealed)
        };
        Ok(Some(TeamLinkRecord {
            link: open("link", &link)?,
            token: open("token", &token)?,
            snapshot: snapshot.map(|s| open("snapshot", &s)).transpose()?,
            last_seq: last_seq.map(|s| s as u64),
        }))
    }

    /// Records the snapshot applied and the last sequence number seen.
    pub fn set_team_state(
        &self,
        tenant: i64,
        snapshot: Option<&[u8]>,
        last_seq: u64,
    ) -> Result<()> {
        self.write(|tx| {
            let id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM team_links WHERE tenant_id = ?1",
                    [tenant],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(id) = id else {
                return Err(crate::error::VaultError::NotFound("team sign-in".into()));
            };
            match snapshot {
                Some(snapshot) => {
                    let sealed =
                        self.keys()
                            .seal(tenant, RecordRef::new(KIND, id, "snapshot"), snapshot)?;
                    tx.execute(
                        "UPDATE team_links SET snapshot = ?2, last_seq = ?3, updated_at = ?4
                         WHERE id = ?1",
                        params![id, sealed, last_seq as i64, now()],
                    )?;
                }
                None => {
                    tx.execute(
                        "UPDATE team_links SET last_seq = max(coalesce(last_seq, 0), ?2),
                            updated_at = ?3 WHERE id = ?1",
                        params![id, last_seq as i64, now()],
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Forgets the sign-in (signing out) and the map of shared inboxes.
    pub fn delete_team_link(&self, tenant: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM team_links WHERE tenant_id = ?1", [tenant])?;
            tx.execute("DELETE FROM team_inboxes WHERE tenant_id = ?1", [tenant])?;
            Ok(())
        })
    }

    /// Each shared inbox of the server this vault knows, with the local inbox holding its mail
    /// (`None` until its first sync).
    pub fn team_inboxes(&self, tenant: i64) -> Result<Vec<(i64, Option<i64>)>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT server_inbox, inbox_id FROM team_inboxes WHERE tenant_id = ?1
                 ORDER BY server_inbox",
            )?;
            let rows = stmt.query_map([tenant], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Records that the server's inbox `server_inbox` is held by local `inbox` (or by none yet).
    pub fn bind_team_inbox(
        &self,
        tenant: i64,
        server_inbox: i64,
        inbox: Option<i64>,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO team_inboxes (tenant_id, server_inbox, inbox_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tenant_id, server_inbox) DO UPDATE SET
                    inbox_id = coalesce(?3, inbox_id)",
                params![tenant, server_inbox, inbox],
            )?;
            Ok(())
        })
    }

    /// Forgets the server's inbox (after its mail was purged).
    pub fn unbind_team_inbox(&self, tenant: i64, server_inbox: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM team_inboxes WHERE tenant_id = ?1 AND server_inbox = ?2",
                params![tenant, server_inbox],
            )?;
            Ok(())
        })
    }

    /// The shared inbox (server id) and Gmail thread id of local thread `thread_id`, if it is a
    /// conversation of a shared inbox held here.
    pub fn team_thread(&self, tenant: i64, thread_id: i64) -> Result<Option<(i64, String)>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT ti.server_inbox, t.gmail_thread_id FROM threads t
                 JOIN team_inboxes ti ON ti.tenant_id = t.tenant_id AND ti.inbox_id = t.inbox_id
                 WHERE t.tenant_id = ?1 AND t.id = ?2 AND t.gmail_thread_id IS NOT NULL",
                params![tenant, thread_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    /// The local threads of shared inbox `server_inbox` among Gmail threads `gmail_threads`:
    /// (Gmail thread id, local thread id), for those held here.
    pub fn team_threads(
        &self,
        tenant: i64,
        server_inbox: i64,
        gmail_threads: &[String],
    ) -> Result<Vec<(String, i64)>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT t.id FROM threads t
                 JOIN team_inboxes ti ON ti.tenant_id = t.tenant_id AND ti.inbox_id = t.inbox_id
                 WHERE t.tenant_id = ?1 AND ti.server_inbox = ?2 AND t.gmail_thread_id = ?3",
            )?;
            let mut found = Vec::new();
            for gmail in gmail_threads {
                let ids = stmt.query_map(params![tenant, server_inbox, gmail], |r| r.get(0))?;
                for id in ids {
                    found.push((gmail.clone(), id?));
                }
            }
            Ok(found)
        })
    }
}
