//! Secure email's statements, in the portable dialect. Nothing here is plaintext but ids,
//! times, counts and sizes: the server's half of each key and the recipients' addresses
//! arrive sealed with the organization's key ([`crate::secure`]), the entries' parts sealed
//! with the message's key, which the server never holds.

use helpr_policy::{InboxId, OrgId, UserId};

use super::{Row, StoreError, Tx, Value};

/// A secure message, as stored.
#[derive(Clone)]
pub struct MessageRow {
    pub row_id: i64,
    pub id: String,
    pub org: OrgId,
    pub inbox: InboxId,
    pub thread: Option<String>,
    pub created_by: UserId,
    pub created_at: i64,
    pub expires_at: i64,
    pub max_opens: Option<u32>,
    /// Sealed; `None` once revoked or expired.
    pub key_server: Option<Vec<u8>>,
    pub revoked_at: Option<i64>,
}

impl std::fmt::Debug for MessageRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageRow")
            .field("row_id", &self.row_id)
            .field("inbox", &self.inbox)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

const MESSAGE_COLUMNS: &str =
    "row_id, id, org, inbox, thread, created_by, created_at, expires_at, \
     max_opens, key_server, revoked_at";

fn opt_text(r: &Row, i: usize) -> Result<Option<String>, StoreError> {
    match r.0.get(i) {
        Some(Value::Null) => Ok(None),
        _ => r.text(i).map(Some),
    }
}

fn opt_bytes(r: &Row, i: usize) -> Result<Option<Vec<u8>>, StoreError> {
    match r.0.get(i) {
        Some(Value::Null) => Ok(None),
        _ => r.bytes(i).map(Some),
    }
}

fn message(r: &Row) -> Result<MessageRow, StoreError> {
    Ok(MessageRow {
        row_id: r.int(0)?,
        id: r.text(1)?,
        org: OrgId(r.int(2)?),
        inbox: InboxId(r.int(3)?),
        thread: opt_text(r, 4)?,
        created_by: UserId(r.int(5)?),
        created_at: r.int(6)?,
        expires_at: r.int(7)?,
        max_opens: r.opt_int(8)?.map(|v| v as u32),
        key_server: opt_bytes(r, 9)?,
        revoked_at: r.opt_int(10)?,
    })
}

pub fn insert_message(tx: &mut dyn Tx, m: &MessageRow) -> Result<(), StoreError> {
    tx.execute(
        &format!(
            "INSERT INTO secure_messages ({MESSAGE_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ),
        &[
            m.row_id.into(),
            m.id.as_str().into(),
            m.org.0.into(),
            m.inbox.0.into(),
            m.thread.clone().into(),
            m.created_by.0.into(),
            m.created_at.into(),
            m.expires_at.into(),
            m.max_opens.map(i64::from).into(),
            m.key_server.clone().into(),
            m.revoked_at.into(),
        ],
    )?;
    Ok(())
}

/// The message with public id `id`.
pub fn message_by_id(tx: &mut dyn Tx, id: &str) -> Result<Option<MessageRow>, StoreError> {
    tx.query_opt(
        &format!("SELECT {MESSAGE_COLUMNS} FROM secure_messages WHERE id = $1"),
        &[id.into()],
    )?
    .map(|r| message(&r))
    .transpose()
}

/// An inbox's messages, of one conversation or all, oldest first.
pub fn messages_of(
    tx: &mut dyn Tx,
    org: OrgId,
    inbox: InboxId,
    thread: Option<&str>,
) -> Result<Vec<MessageRow>, StoreError> {
    let rows = match thread {
        Some(thread) => tx.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM secure_messages
                 WHERE org = $1 AND inbox = $2 AND thread = $3 ORDER BY row_id"
            ),
            &[org.0.into(), inbox.0.into(), thread.into()],
        )?,
        None => tx.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM secure_messages
                 WHERE org = $1 AND inbox = $2 ORDER BY row_id"
            ),
            &[org.0.into(), inbox.0.into()],
        )?,
    };
    rows.iter().map(message).collect()
}

pub fn set_thread(tx: &mut dyn Tx, row_id: i64, thread: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE secure_messages SET thread = $2 WHERE row_id = $1",
        &[row_id.into(), thread.into()],
    )?;
    Ok(())
}

/// Forgets the server's half of the key and every sealed part: the message can never be
/// opened again. `revoked_at` is set when a sender revoked it (not when it expired).
pub fn destroy(tx: &mut dyn Tx, row_id: i64, revoked_at: Option<i64>) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE secure_messages SET key_server = NULL,
            revoked_at = COALESCE(revoked_at, $2) WHERE row_id = $1",
        &[row_id.into(), revoked_at.into()],
    )?;
    for table in [
        "secure_parts",
        "secure_entries",
        "secure_codes",
        "secure_sessions",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE message = $1"),
            &[row_id.into()],
        )?;
    }
    Ok(())
}

/// Messages past their expiry that still hold a key.
pub fn expired(tx: &mut dyn Tx, now: i64) -> Result<Vec<i64>, StoreError> {
    tx.query(
        "SELECT row_id FROM secure_messages WHERE expires_at <= $1 AND key_server IS NOT NULL",
        &[now.into()],
    )?
    .iter()
    .map(|r| r.int(0))
    .collect()
}

/// A recipient, as stored.
#[derive(Clone)]
pub struct RecipientRow {
    pub n: u32,
    /// Sealed.
    pub address: Vec<u8>,
    pub opens: u32,
    pub locked_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const RECIPIENT_COLUMNS: &str = "n, address, opens, locked_at, revoked_at";

fn recipient(r: &Row) -> Result<RecipientRow, StoreError> {
    Ok(RecipientRow {
        n: r.int(0)? as u32,
        address: r.bytes(1)?,
        opens: r.int(2)? as u32,
        locked_at: r.opt_int(3)?,
        revoked_at: r.opt_int(4)?,
    })
}

pub fn insert_recipient(
    tx: &mut dyn Tx,
    message: i64,
    n: u32,
    address_mac: &[u8],
    sealed_address: &[u8],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO secure_recipients (message, n, address_mac, address, opens)
         VALUES ($1, $2, $3, $4, 0)",
        &[
            message.into(),
            i64::from(n).into(),
            address_mac.into(),
            sealed_address.into(),
        ],
    )?;
    Ok(())
}

pub fn recipients(tx: &mut dyn Tx, message: i64) -> Result<Vec<RecipientRow>, StoreError> {
    tx.query(
        &format!("SELECT {RECIPIENT_COLUMNS} FROM secure_recipients WHERE message = $1 ORDER BY n"),
        &[message.into()],
    )?
    .iter()
    .map(recipient)
    .collect()
}

pub fn recipient_by_mac(
    tx: &mut dyn Tx,
    message: i64,
    address_mac: &[u8],
) -> Result<Option<RecipientRow>, StoreError> {
    tx.query_opt(
        &format!(
            "SELECT {RECIPIENT_COLUMNS} FROM secure_recipients
             WHERE message = $1 AND address_mac = $2"
        ),
        &[message.into(), address_mac.into()],
    )?
    .map(|r| recipient(&r))
    .transpose()
}

pub fn recipient_at(
    tx: &mut dyn Tx,
    message: i64,
    n: u32,
) -> Result<Option<RecipientRow>, StoreError> {
    tx.query_opt(
        &format!("SELECT {RECIPIENT_COLUMNS} FROM secure_recipients WHERE message = $1 AND n = $2"),
        &[message.into(), i64::from(n).into()],
    )?
    .map(|r| recipient(&r))
    .transpose()
}

/// Sets or lifts (`None`) a recipient's lockout.
pub fn set_locked(
    tx: &mut dyn Tx,
    message: i64,
    n: u32,
    at: Option<i64>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE secure_recipients SET locked_at = $3 WHERE message = $1 AND n = $2",
        &[message.into(), i64::from(n).into(), at.into()],
    )?;
    Ok(())
}

/// Revokes one recipient: their code goes with it. Their sessions stay, refused from now on,
/// so their page can say why.
pub fn revoke_recipient(tx: &mut dyn Tx, message: i64, n: u32, at: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE secure_recipients SET revoked_at = $3 WHERE message = $1 AND n = $2",
        &[message.into(), i64::from(n).into(), at.into()],
    )?;
    delete_code(tx, message, n)
}

/// Counts one open (a key release) and records it as a read.
pub fn record_read(tx: &mut dyn Tx, message: i64, n: u32, at: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE secure_recipients SET opens = opens + 1 WHERE message = $1 AND n = $2",
        &[message.into(), i64::from(n).into()],
    )?;
    tx.execute(
        "INSERT INTO secure_reads (message, n, at) VALUES ($1, $2, $3)",
        &[message.into(), i64::from(n).into(), at.into()],
    )?;
    Ok(())
}

/// Every read of a message: `(recipient, at)`, oldest first.
pub fn reads(tx: &mut dyn Tx, message: i64) -> Result<Vec<(u32, i64)>, StoreError> {
    tx.query(
        "SELECT n, at FROM secure_reads WHERE message = $1 ORDER BY at, n",
        &[message.into()],
    )?
    .iter()
    .map(|r| Ok((r.int(0)? as u32, r.int(1)?)))
    .collect()
}

/// A recipient's live code: `(code MAC, expires at, wrong tries)`.
pub fn code(
    tx: &mut dyn Tx,
    message: i64,
    n: u32,
) -> Result<Option<(Vec<u8>, i64, u32)>, StoreError> {
    tx.query_opt(
        "SELECT code_mac, expires_at, tries FROM secure_codes WHERE message = $1 AND n = $2",
        &[message.into(), i64::from(n).into()],
    )?
    .map(|r| Ok((r.bytes(0)?, r.int(1)?, r.int(2)? as u32)))
    .transpose()
}

/// Replaces a recipient's code with a new one.
pub fn set_code(
    tx: &mut dyn Tx,
    message: i64,
    n: u32,
    code_mac: &[u8],
    expires_at: i64,
) -> Result<(), StoreError> {
    delete_code(tx, message, n)?;
    tx.execute(
        "INSERT INTO secure_codes (message, n, code_mac, expires_at, tries)
         VALUES ($1, $2, $3, $4, 0)",
        &[
            message.into(),
            i64::from(n).into(),
            code_mac.into(),
            expires_at.into(),
        ],
    )?;
    Ok(())
}

pub fn count_wrong_try(tx: &mut dyn Tx, message: i64, n: u32) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE secure_codes SET tries = tries + 1 WHERE message = $1 AND n = $2",
        &[message.into(), i64::from(n).into()],
    )?;
    Ok(())
}

pub fn delete_code(tx: &mut dyn Tx, message: i64, n: u32) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM secure_codes WHERE message = $1 AND n = $2",
        &[message.into(), i64::from(n).into()],
    )?;
    Ok(())
}

pub fn insert_session(
    tx: &mut dyn Tx,
    token_hash: &[u8],
    message: i64,
    n: u32,
    expires_at: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO secure_sessions (token_hash, message, n, expires_at) VALUES ($1, $2, $3, $4)",
        &[
            token_hash.into(),
            message.into(),
            i64::from(n).into(),
            expires_at.into(),
        ],
    )?;
    Ok(())
}

/// The reader a token names: `(message row, recipient, expires at)`.
pub fn session(tx: &mut dyn Tx, token_hash: &[u8]) -> Result<Option<(i64, u32, i64)>, StoreError> {
    tx.query_opt(
        "SELECT message, n, expires_at FROM secure_sessions WHERE token_hash = $1",
        &[token_hash.into()],
    )?
    .map(|r| Ok((r.int(0)?, r.int(1)? as u32, r.int(2)?)))
    .transpose()
}

/// One entry's row: who wrote it and when, and its sealed manifest.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub n: u32,
    /// The recipient who wrote it; `None`: an agent.
    pub recipient: Option<u32>,
    pub by_user: Option<UserId>,
    pub at: i64,
    pub manifest: Vec<u8>,
}

/// Stores entry `n` with its parts; [`StoreError::Duplicate`] when `n` is taken.
pub fn insert_entry(
    tx: &mut dyn Tx,
    message: i64,
    entry: &EntryRow,
    parts: &[Vec<u8>],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO secure_entries (message, n, recipient, by_user, at, manifest)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            message.into(),
            i64::from(entry.n).into(),
            entry.recipient.map(i64::from).into(),
            entry.by_user.map(|u| u.0).into(),
            entry.at.into(),
            entry.manifest.as_slice().into(),
        ],
    )?;
    for (k, body) in parts.iter().enumerate() {
        tx.execute(
            "INSERT INTO secure_parts (message, n, k, body) VALUES ($1, $2, $3, $4)",
            &[
                message.into(),
                i64::from(entry.n).into(),
                (k as i64).into(),
                body.as_slice().into(),
            ],
        )?;
    }
    Ok(())
}

/// The number the next entry takes.
pub fn next_entry(tx: &mut dyn Tx, message: i64) -> Result<u32, StoreError> {
    let row = tx.query_opt(
        "SELECT COUNT(*) FROM secure_entries WHERE message = $1",
        &[message.into()],
    )?;
    Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0) as u32)
}

/// A message's entries with their parts' sizes, in order.
pub fn entries(tx: &mut dyn Tx, message: i64) -> Result<Vec<(EntryRow, Vec<u64>)>, StoreError> {
    let rows = tx.query(
        "SELECT n, recipient, by_user, at, manifest FROM secure_entries
         WHERE message = $1 ORDER BY n",
        &[message.into()],
    )?;
    let sizes = tx.query(
        "SELECT n, k, CAST(LENGTH(body) AS BIGINT) FROM secure_parts WHERE message = $1 ORDER BY n, k",
        &[message.into()],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let n = r.int(0)? as u32;
        let mut of = Vec::new();
        for s in &sizes {
            if s.int(0)? as u32 == n {
                of.push(s.int(2)? as u64);
            }
        }
        out.push((
            EntryRow {
                n,
                recipient: r.opt_int(1)?.map(|v| v as u32),
                by_user: r.opt_int(2)?.map(UserId),
                at: r.int(3)?,
                manifest: r.bytes(4)?,
            },
            of,
        ));
    }
    Ok(out)
}

/// Part `k` of entry `n`.
pub fn part(tx: &mut dyn Tx, message: i64, n: u32, k: u32) -> Result<Option<Vec<u8>>, StoreError> {
    tx.query_opt(
        "SELECT body FROM secure_parts WHERE message = $1 AND n = $2 AND k = $3",
        &[message.into(), i64::from(n).into(), i64::from(k).into()],
    )?
    .map(|r| r.bytes(0))
    .transpose()
}

/// Every part of entry `n`, in order.
pub fn parts(tx: &mut dyn Tx, message: i64, n: u32) -> Result<Vec<Vec<u8>>, StoreError> {
    tx.query(
        "SELECT body FROM secure_parts WHERE message = $1 AND n = $2 ORDER BY k",
        &[message.into(), i64::from(n).into()],
    )?
    .iter()
    .map(|r| r.bytes(0))
    .collect()
}
