//! The Gmail broker's statements, in the portable dialect: organizations' wrapped tenant keys,
//! inboxes' sealed accounts, and connections waiting for their code. Nothing here is
//! plaintext but ids, times and history ids: addresses, refresh tokens and PKCE verifiers
//! arrive sealed (see [`crate::gmail::sealing`]).

use helpr_policy::{InboxId, OrgId};

use super::{Row, StoreError, Tx};

/// An organization's tenant keys: `(version, wrapped key)`, oldest first.
pub fn tenant_keys(tx: &mut dyn Tx, org: OrgId) -> Result<Vec<(u32, Vec<u8>)>, StoreError> {
    tx.query(
        "SELECT version, wrapped FROM tenant_keys WHERE org = $1 ORDER BY version",
        &[org.0.into()],
    )?
    .iter()
    .map(|r| Ok((r.int(0)? as u32, r.bytes(1)?)))
    .collect()
}

/// Stores a new wrapped tenant key; [`StoreError::Duplicate`] when another server made that
/// version first.
pub fn insert_tenant_key(
    tx: &mut dyn Tx,
    org: OrgId,
    version: u32,
    wrapped: &[u8],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tenant_keys (org, version, wrapped) VALUES ($1, $2, $3)",
        &[org.0.into(), i64::from(version).into(), wrapped.into()],
    )?;
    Ok(())
}

/// An inbox's connected Gmail account, as stored (sealed fields still sealed).
#[derive(Clone)]
pub struct AccountRow {
    pub inbox: InboxId,
    pub org: OrgId,
    pub address: Vec<u8>,
    pub refresh_token: Vec<u8>,
    pub history_id: u64,
    pub reconnect_needed: bool,
    pub connected_at: i64,
}

impl std::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRow")
            .field("inbox", &self.inbox)
            .field("org", &self.org)
            .field("history_id", &self.history_id)
            .finish_non_exhaustive()
    }
}

const ACCOUNT_COLUMNS: &str =
    "inbox, org, address, refresh_token, history_id, reconnect_needed, connected_at";

fn account(r: &Row) -> Result<AccountRow, StoreError> {
    Ok(AccountRow {
        inbox: InboxId(r.int(0)?),
        org: OrgId(r.int(1)?),
        address: r.bytes(2)?,
        refresh_token: r.bytes(3)?,
        history_id: r.int(4)? as u64,
        reconnect_needed: r.int(5)? != 0,
        connected_at: r.int(6)?,
    })
}

/// Connects (or connects again) an inbox's account, replacing what was stored.
pub fn upsert_account(
    tx: &mut dyn Tx,
    row: &AccountRow,
    address_mac: &[u8],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO gmail_accounts
            (inbox, org, address_mac, address, refresh_token, history_id, reconnect_needed, connected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (inbox) DO UPDATE SET
            org = excluded.org, address_mac = excluded.address_mac, address = excluded.address,
            refresh_token = excluded.refresh_token, history_id = excluded.history_id,
            reconnect_needed = excluded.reconnect_needed, connected_at = excluded.connected_at,
            watch_expiration = 0, watch_renew_at = 0",
        &[
            row.inbox.0.into(),
            row.org.0.into(),
            address_mac.into(),
            row.address.as_slice().into(),
            row.refresh_token.as_slice().into(),
            (row.history_id as i64).into(),
            i64::from(row.reconnect_needed).into(),
            row.connected_at.into(),
        ],
    )?;
    Ok(())
}

pub fn account_of(tx: &mut dyn Tx, inbox: InboxId) -> Result<Option<AccountRow>, StoreError> {
    tx.query_opt(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM gmail_accounts WHERE inbox = $1"),
        &[inbox.0.into()],
    )?
    .map(|r| account(&r))
    .transpose()
}

/// Every inbox connected to the account whose address has this MAC.
pub fn accounts_by_address(
    tx: &mut dyn Tx,
    address_mac: &[u8],
) -> Result<Vec<AccountRow>, StoreError> {
    tx.query(
        &format!(
            "SELECT {ACCOUNT_COLUMNS} FROM gmail_accounts WHERE address_mac = $1 ORDER BY inbox"
        ),
        &[address_mac.into()],
    )?
    .iter()
    .map(account)
    .collect()
}

/// Replaces the sealed refresh token (Google rotated it).
pub fn set_refresh_token(tx: &mut dyn Tx, inbox: InboxId, sealed: &[u8]) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE gmail_accounts SET refresh_token = $1, reconnect_needed = 0 WHERE inbox = $2",
        &[sealed.into(), inbox.0.into()],
    )?;
    Ok(())
}

/// Google refused the grant: an admin must connect the account again.
pub fn set_reconnect_needed(tx: &mut dyn Tx, inbox: InboxId) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE gmail_accounts SET reconnect_needed = 1 WHERE inbox = $1",
        &[inbox.0.into()],
    )?;
    Ok(())
}

/// Moves the processed history id forward (never back: pushes arrive out of order).
pub fn advance_history(tx: &mut dyn Tx, inbox: InboxId, history_id: u64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE gmail_accounts SET history_id = $1 WHERE inbox = $2 AND history_id < $1",
        &[(history_id as i64).into(), inbox.0.into()],
    )?;
    Ok(())
}

/// A connected account's push registration, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchRow {
    pub inbox: InboxId,
    pub org: OrgId,
    /// Google's `expiration` of the last watch (epoch ms); 0: none.
    pub expiration: i64,
    /// When the watch is next renewed (unix s).
    pub renew_at: i64,
}

/// The watches of accounts Google has not refused whose renewal is due by `due_by`, in inbox
/// order.
pub fn watches_due(tx: &mut dyn Tx, due_by: i64) -> Result<Vec<WatchRow>, StoreError> {
    tx.query(
        "SELECT inbox, org, watch_expiration, watch_renew_at FROM gmail_accounts
         WHERE reconnect_needed = 0 AND watch_renew_at <= $1 ORDER BY inbox",
        &[due_by.into()],
    )?
    .iter()
    .map(|r| {
        Ok(WatchRow {
            inbox: InboxId(r.int(0)?),
            org: OrgId(r.int(1)?),
            expiration: r.int(2)?,
            renew_at: r.int(3)?,
        })
    })
    .collect()
}

pub fn watch_of(tx: &mut dyn Tx, inbox: InboxId) -> Result<Option<WatchRow>, StoreError> {
    tx.query_opt(
        "SELECT inbox, org, watch_expiration, watch_renew_at FROM gmail_accounts WHERE inbox = $1",
        &[inbox.0.into()],
    )?
    .map(|r| {
        Ok(WatchRow {
            inbox: InboxId(r.int(0)?),
            org: OrgId(r.int(1)?),
            expiration: r.int(2)?,
            renew_at: r.int(3)?,
        })
    })
    .transpose()
}

/// Claims the renewal of an inbox's watch: moves `watch_renew_at` to `until` if it is still
/// at most `due_by`. Whether this caller won (another replica may have claimed it first).
pub fn claim_watch(
    tx: &mut dyn Tx,
    inbox: InboxId,
    due_by: i64,
    until: i64,
) -> Result<bool, StoreError> {
    let claimed = tx.execute(
        "UPDATE gmail_accounts SET watch_renew_at = $1 WHERE inbox = $2 AND watch_renew_at <= $3",
        &[until.into(), inbox.0.into(), due_by.into()],
    )?;
    Ok(claimed == 1)
}

/// Records a watch Google accepted: its expiration and the next renewal.
pub fn set_watch(
    tx: &mut dyn Tx,
    inbox: InboxId,
    expiration: i64,
    renew_at: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE gmail_accounts SET watch_expiration = $1, watch_renew_at = $2 WHERE inbox = $3",
        &[expiration.into(), renew_at.into(), inbox.0.into()],
    )?;
    Ok(())
}

pub fn delete_account(tx: &mut dyn Tx, inbox: InboxId) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM gmail_accounts WHERE inbox = $1",
        &[inbox.0.into()],
    )?;
    tx.execute(
        "DELETE FROM gmail_connects WHERE inbox = $1",
        &[inbox.0.into()],
    )?;
    Ok(())
}

/// A connection waiting for the admin's browser to come back.
#[derive(Clone)]
pub struct PendingConnect {
    pub org: OrgId,
    pub inbox: InboxId,
    pub session: i64,
    pub redirect_uri: String,
    /// The PKCE verifier, sealed.
    pub verifier: Vec<u8>,
    pub expires_at: i64,
}

impl std::fmt::Debug for PendingConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingConnect")
            .field("inbox", &self.inbox)
            .field("session", &self.session)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

pub fn insert_connect(
    tx: &mut dyn Tx,
    state_hash: &[u8],
    pending: &PendingConnect,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO gmail_connects (state_hash, org, inbox, session, redirect_uri, verifier, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            state_hash.into(),
            pending.org.0.into(),
            pending.inbox.0.into(),
            pending.session.into(),
            pending.redirect_uri.as_str().into(),
            pending.verifier.as_slice().into(),
            pending.expires_at.into(),
        ],
    )?;
    Ok(())
}

/// Removes and returns the connection `state_hash` names (used once, whatever happens next);
/// expired ones are swept on the way.
pub fn take_connect(
    tx: &mut dyn Tx,
    state_hash: &[u8],
    now: i64,
) -> Result<Option<PendingConnect>, StoreError> {
    let row = tx.query_opt(
        "DELETE FROM gmail_connects WHERE state_hash = $1
         RETURNING org, inbox, session, redirect_uri, verifier, expires_at",
        &[state_hash.into()],
    )?;
    tx.execute(
        "DELETE FROM gmail_connects WHERE expires_at <= $1",
        &[now.into()],
    )?;
    row.map(|r| {
        Ok(PendingConnect {
            org: OrgId(r.int(0)?),
            inbox: InboxId(r.int(1)?),
            session: r.int(2)?,
            redirect_uri: r.text(3)?,
            verifier: r.bytes(4)?,
            expires_at: r.int(5)?,
        })
    })
    .transpose()
}
