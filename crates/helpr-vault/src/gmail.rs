//! Gmail accounts and their sync state (DESIGN §6).
//!
//! An account is a `gmail` inbox plus a `gmail_accounts` row: its configuration (endpoints and
//! client, as the caller serialized it) and its refresh token, both sealed with the tenant key
//! under the row's id. The access token is never stored. A rotated refresh token replaces the
//! old one in one statement; `invalid_grant` sets the state to `reconnect_needed`; disconnect
//! deletes the sealed token. Sync state (`sync_state`) holds the historyId checkpoint, the
//! historyId an unfinished full sync works from, progress and the last error (log-safe text
//! only: codes and counts, never content).

use helpr_crypto::RecordRef;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::HashSet;
use zeroize::Zeroizing;

use crate::error::{Result, VaultError};
use crate::ids::next_id;
use crate::tenants::create_inbox;
use crate::{now, Vault};

const KIND: &str = "gmail_account";

/// Whether an account can sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    Connected,
    /// The refresh token was refused: the user must connect again.
    ReconnectNeeded,
    Disconnected,
}

impl AccountState {
    fn as_str(self) -> &'static str {
        match self {
            AccountState::Connected => "connected",
            AccountState::ReconnectNeeded => "reconnect_needed",
            AccountState::Disconnected => "disconnected",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "connected" => AccountState::Connected,
            "reconnect_needed" => AccountState::ReconnectNeeded,
            "disconnected" => AccountState::Disconnected,
            other => return Err(VaultError::Invalid(format!("account state `{other}`"))),
        })
    }
}

/// A Gmail account, decrypted (the refresh token is read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailAccount {
    pub inbox_id: i64,
    pub address: String,
    pub config: Zeroizing<Vec<u8>>,
    pub state: AccountState,
}

/// One inbox's sync state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub history_id: Option<u64>,
    pub full_sync_from: Option<u64>,
    /// `idle`, `listing`, `full_sync`, `incremental`, `error`.
    pub state: String,
    pub last_sync_at: Option<i64>,
    pub last_error: Option<String>,
    pub done: u64,
    pub total: u64,
    pub rejected: u64,
}

fn parse_id(v: Option<String>) -> Result<Option<u64>> {
    v.map(|s| {
        s.parse()
            .map_err(|_| VaultError::Invalid("stored historyId".into()))
    })
    .transpose()
}

impl Vault {
    /// Connects (or reconnects) the Gmail account `address`: its inbox is created on first
    /// connect, the sealed configuration and refresh token are stored, the state set to
    /// connected — all in one transaction. Returns the inbox id.
    pub fn connect_gmail(
        &self,
        tenant: i64,
        address: &str,
        config: &[u8],
        refresh_token: &[u8],
    ) -> Result<i64> {
        let fp = self
            .keys()
            .fingerprint(tenant, "inbox", address.to_lowercase().as_bytes());
        self.write(|tx| {
            let existing: Option<(i64, String, Option<i64>)> = tx
                .query_row(
                    "SELECT id, kind, deleted_at FROM inboxes
                     WHERE tenant_id = ?1 AND address_fp = ?2",
                    params![tenant, fp.to_vec()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let inbox = match existing {
                Some((_, _, Some(_))) => {
                    return Err(VaultError::Invalid(
                        "that inbox is in the trash: restore it (`helpr restore --inbox \
                         ADDRESS`) or purge it before connecting it again"
                            .into(),
                    ))
                }
                Some((id, kind, None)) if kind == "gmail" => id,
                Some(_) => {
                    return Err(VaultError::Invalid(
                        "that address names a local inbox, not a Gmail account".into(),
                    ))
                }
                None => create_inbox(tx, self.keys(), tenant, "gmail", address)?,
            };
            let account: Option<i64> = tx
                .query_row(
                    "SELECT id FROM gmail_accounts WHERE inbox_id = ?1",
                    [inbox],
                    |r| r.get(0),
                )
                .optional()?;
            let id = match account {
                Some(id) => id,
                None => next_id(tx, "gmail_accounts")?,
            };
            let seal = |field: &str, data: &[u8]| {
                self.keys()
                    .seal(tenant, RecordRef::new(KIND, id, field), data)
            };
            let version = self.keys().active_version(tenant)?;
            tx.execute(
                "INSERT INTO gmail_accounts (id, tenant_id, inbox_id, key_version, config,
                    refresh_token, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'connected', ?7, ?7)
                 ON CONFLICT (id) DO UPDATE SET key_version = ?4, config = ?5,
                    refresh_token = ?6, state = 'connected', updated_at = ?7",
                params![
                    id,
                    tenant,
                    inbox,
                    version,
                    seal("config", config)?,
                    seal("refresh_token", refresh_token)?,
                    now()
                ],
            )?;
            tx.execute(
                "INSERT INTO sync_state (inbox_id) VALUES (?1) ON CONFLICT DO NOTHING",
                [inbox],
            )?;
            Ok(inbox)
        })
    }

    /// The tenant's Gmail accounts, oldest first.
    pub fn gmail_accounts(&self, tenant: i64) -> Result<Vec<GmailAccount>> {
        type Row = (i64, i64, Vec<u8>, String, Vec<u8>);
        let rows: Vec<Row> = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT a.id, a.inbox_id, a.config, a.state, i.address FROM gmail_accounts a
                 JOIN inboxes i ON i.id = a.inbox_id
                 WHERE a.tenant_id = ?1 AND i.deleted_at IS NULL ORDER BY a.id",
            )?;
            let rows = stmt.query_map([tenant], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        rows.into_iter()
            .map(|(id, inbox, config, state, address)| {
                Ok(GmailAccount {
                    inbox_id: inbox,
                    address: self.keys().open_string(
                        tenant,
                        RecordRef::new("inbox", inbox, "address"),
                        &address,
                    )?,
                    config: self.keys().open(
                        tenant,
                        RecordRef::new(KIND, id, "config"),
                        &config,
                    )?,
                    state: AccountState::parse(&state)?,
                })
            })
            .collect()
    }

    /// The account's refresh token; `None` after disconnect.
    pub fn gmail_refresh_token(
        &self,
        tenant: i64,
        inbox: i64,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let row: Option<(i64, Option<Vec<u8>>)> = self.read(|c| {
            Ok(c.query_row(
                "SELECT id, refresh_token FROM gmail_accounts WHERE tenant_id = ?1 AND inbox_id = ?2",
                params![tenant, inbox],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })?;
        let (id, sealed) = row.ok_or_else(|| VaultError::NotFound("Gmail account".into()))?;
        sealed
            .map(|s| {
                Ok(self
                    .keys()
                    .open(tenant, RecordRef::new(KIND, id, "refresh_token"), &s)?)
            })
            .transpose()
    }

    /// Replaces the refresh token (a rotation) in one statement.
    pub fn replace_gmail_refresh_token(&self, tenant: i64, inbox: i64, token: &[u8]) -> Result<()> {
        self.write(|tx| {
            let id: i64 = tx
                .query_row(
                    "SELECT id FROM gmail_accounts WHERE tenant_id = ?1 AND inbox_id = ?2",
                    params![tenant, inbox],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| VaultError::NotFound("Gmail account".into()))?;
            let sealed =
                self.keys()
                    .seal(tenant, RecordRef::new(KIND, id, "refresh_token"), token)?;
            tx.execute(
                "UPDATE gmail_accounts SET refresh_token = ?2, key_version = ?3, updated_at = ?4
                 WHERE id = ?1",
                params![id, sealed, self.keys().active_version(tenant)?, now()],
            )?;
            Ok(())
        })
    }

    pub fn set_gmail_state(&self, tenant: i64, inbox: i64, state: AccountState) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE gmail_accounts SET state = ?3, updated_at = ?4
                 WHERE tenant_id = ?1 AND inbox_id = ?2",
                params![tenant, inbox, state.as_str(), now()],
            )?;
            if n == 0 {
                return Err(VaultError::NotFound("Gmail account".into()));
            }
            Ok(())
        })
    }

    /// Deletes the sealed refresh token and marks the account disconnected (its mail stays).
    pub fn disconnect_gmail(&self, tenant: i64, inbox: i64) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE gmail_accounts SET refresh_token = NULL, state = 'disconnected',
                    updated_at = ?3 WHERE tenant_id = ?1 AND inbox_id = ?2",
                params![tenant, inbox, now()],
            )?;
            if n == 0 {
                return Err(VaultError::NotFound("Gmail account".into()));
            }
            tx.execute(
                "UPDATE sync_state SET state = 'idle', done = 0, total = 0 WHERE inbox_id = ?1",
                [inbox],
            )?;
            Ok(())
        })
    }

    pub fn sync_status(&self, inbox: i64) -> Result<SyncStatus> {
        type Row = (
            Option<String>,
            Option<String>,
            String,
            Option<i64>,
            Option<String>,
            i64,
            i64,
            i64,
        );
        let row: Option<Row> = self.read(|c| {
            Ok(c.query_row(
                "SELECT history_id, full_sync_from, state, last_sync_at, last_error, done, total,
                    rejected FROM sync_state WHERE inbox_id = ?1",
                [inbox],
                |r| Row::try_from(r),
            )
            .optional()?)
        })?;
        let Some((history, from, state, last, error, done, total, rejected)) = row else {
            return Ok(SyncStatus {
                state: "idle".into(),
                ..SyncStatus::default()
            });
        };
        Ok(SyncStatus {
            history_id: parse_id(history)?,
            full_sync_from: parse_id(from)?,
            state,
            last_sync_at: last,
            last_error: error,
            done: done as u64,
            total: total as u64,
            rejected: rejected as u64,
        })
    }

    /// Progress of the phase under way.
    pub fn set_sync_progress(&self, inbox: i64, state: &str, done: u64, total: u64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_state (inbox_id, state, done, total) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (inbox_id) DO UPDATE SET state = ?2, done = ?3, total = ?4",
                params![inbox, state, done as i64, total as i64],
            )?;
            Ok(())
        })
    }

    /// The end of a run: `error` is `None` on success (which stamps `last_sync_at`).
    pub fn finish_sync(&self, inbox: i64, error: Option<&str>) -> Result<()> {
        self.write(|tx| {
            match error {
                None => tx.execute(
                    "UPDATE sync_state SET state = 'idle', last_error = NULL, last_sync_at = ?2
                     WHERE inbox_id = ?1",
                    params![inbox, now()],
                )?,
                Some(e) => tx.execute(
                    "UPDATE sync_state SET state = 'error', last_error = ?2 WHERE inbox_id = ?1",
                    params![inbox, e],
                )?,
            };
            Ok(())
        })
    }

    /// Forgets the sync checkpoint: the next sync is a full one.
    pub fn reset_sync(&self, inbox: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_state SET history_id = NULL, full_sync_from = NULL
                 WHERE inbox_id = ?1",
                [inbox],
            )?;
            Ok(())
        })
    }

    /// A full sync starts from `from`: the checkpoint is dropped until it completes.
    pub fn begin_full_sync(&self, inbox: i64, from: u64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_state (inbox_id, full_sync_from) VALUES (?1, ?2)
                 ON CONFLICT (inbox_id) DO UPDATE SET history_id = NULL, full_sync_from = ?2",
                params![inbox, from.to_string()],
            )?;
            Ok(())
        })
    }

    /// Every Gmail id stored in `inbox`.
    pub fn gmail_ids(&self, inbox: i64) -> Result<HashSet<String>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT gmail_id FROM messages WHERE inbox_id = ?1 AND gmail_id IS NOT NULL",
            )?;
            let ids = stmt.query_map([inbox], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The Gmail thread id of message `id`'s thread (within `scope`), if it has one: what a
    /// reply sent from helpr names so the local copy joins the same thread.
    pub fn gmail_thread_of(&self, scope: &crate::Scope, id: i64) -> Result<Option<String>> {
        self.read(|c| {
            Ok(c.query_row(
                &format!(
                    "SELECT t.gmail_thread_id FROM messages m JOIN threads t ON t.id = m.thread_id
                     WHERE m.id = ?1 AND m.tenant_id = ?2 AND m.inbox_id IN {}
                     AND m.deleted_at IS NULL",
                    scope.inbox_sql()
                ),
                params![id, scope.tenant],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
        })
    }

    /// The local id of the message with Gmail id `gmail_id`, and its Gmail thread id.
    pub fn message_by_gmail_id(&self, inbox: i64, gmail_id: &str) -> Result<Option<i64>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT id FROM messages WHERE inbox_id = ?1 AND gmail_id = ?2",
                params![inbox, gmail_id],
                |r| r.get(0),
            )
            .optional()?)
        })
    }
}
