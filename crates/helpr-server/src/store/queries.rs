//! Every statement the server runs, as typed functions over a [`Tx`], in the portable dialect.

use helpr_policy::{OrgId, UserId};

use super::{Row, StoreError, Tx};

/// A fresh id, unique across the server (users, teams, inboxes and sessions share one counter).
pub fn next_id(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    let row = tx
        .query_opt(
            "UPDATE counters SET next = next + 1 WHERE name = 'id' RETURNING next",
            &[],
        )?
        .ok_or_else(|| StoreError::Malformed("the id counter is missing".into()))?;
    Ok(row.int(0)? - 1)
}

pub fn insert_org(tx: &mut dyn Tx, org: OrgId, name: &str) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO orgs (id, name, seq) VALUES ($1, $2, 0)",
        &[org.0.into(), name.into()],
    )?;
    Ok(())
}

pub fn org_ids(tx: &mut dyn Tx) -> Result<Vec<OrgId>, StoreError> {
    tx.query("SELECT id FROM orgs ORDER BY id", &[])?
        .iter()
        .map(|r| r.int(0).map(OrgId))
        .collect()
}

/// One stored event.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub seq: u64,
    pub at: i64,
    pub body: String,
}

/// The organization's events after `seq`, in order.
pub fn events_since(tx: &mut dyn Tx, org: OrgId, seq: u64) -> Result<Vec<EventRow>, StoreError> {
    tx.query(
        "SELECT seq, at, body FROM events WHERE org = $1 AND seq > $2 ORDER BY seq",
        &[org.0.into(), (seq as i64).into()],
    )?
    .iter()
    .map(|r: &Row| {
        Ok(EventRow {
            seq: r.int(0)? as u64,
            at: r.int(1)?,
            body: r.text(2)?,
        })
    })
    .collect()
}

/// Takes the organization's next sequence number (the row stays locked to this transaction).
pub fn bump_seq(tx: &mut dyn Tx, org: OrgId) -> Result<u64, StoreError> {
    let row = tx
        .query_opt(
            "UPDATE orgs SET seq = seq + 1 WHERE id = $1 RETURNING seq",
            &[org.0.into()],
        )?
        .ok_or_else(|| StoreError::Malformed(format!("organization {} is missing", org.0)))?;
    Ok(row.int(0)? as u64)
}

/// The PostgreSQL channel on which replicas hear of each other's appends ([`super::notify`]).
pub const EVENTS_CHANNEL: &str = "helpr_events";

/// Tells the other replicas that `org` changed, once this transaction commits (PostgreSQL only:
/// `pg_notify` sends nothing for a transaction that rolls back, and one notification per
/// organization and transaction however often it is called).
pub fn notify(tx: &mut dyn Tx, org: OrgId) -> Result<(), StoreError> {
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[EVENTS_CHANNEL.into(), org.0.to_string().into()],
    )?;
    Ok(())
}

/// The channel of the replicas' presence notes ([`crate::socket::relay`]).
pub const PRESENCE_CHANNEL: &str = "helpr_presence";

/// Sends the other replicas one presence note (a JSON [`crate::socket::presence::Note`]: ids
/// only) once this transaction commits.
pub fn notify_presence(tx: &mut dyn Tx, note: &str) -> Result<(), StoreError> {
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[PRESENCE_CHANNEL.into(), note.to_owned().into()],
    )?;
    Ok(())
}

pub fn insert_event(
    tx: &mut dyn Tx,
    org: OrgId,
    seq: u64,
    at: i64,
    body: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO events (org, seq, at, body) VALUES ($1, $2, $3, $4)",
        &[org.0.into(), (seq as i64).into(), at.into(), body.into()],
    )?;
    Ok(())
}

/// A user's stored password hash, by sign-in address.
#[derive(Debug, Clone)]
pub struct Credential {
    pub user: UserId,
    pub org: OrgId,
    /// The argon2id PHC string.
    pub hash: String,
}

pub fn insert_credential(
    tx: &mut dyn Tx,
    user: UserId,
    org: OrgId,
    email: &str,
    hash: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO credentials (user_id, org, email, hash) VALUES ($1, $2, $3, $4)",
        &[user.0.into(), org.0.into(), email.into(), hash.into()],
    )?;
    Ok(())
}

pub fn credential_by_email(tx: &mut dyn Tx, email: &str) -> Result<Option<Credential>, StoreError> {
    tx.query_opt(
        "SELECT user_id, org, hash FROM credentials WHERE email = $1",
        &[email.into()],
    )?
    .map(|r| {
        Ok(Credential {
            user: UserId(r.int(0)?),
            org: OrgId(r.int(1)?),
            hash: r.text(2)?,
        })
    })
    .transpose()
}

pub fn set_password(tx: &mut dyn Tx, user: UserId, hash: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE credentials SET hash = $1 WHERE user_id = $2",
        &[hash.into(), user.0.into()],
    )?;
    Ok(())
}

pub fn delete_credential(tx: &mut dyn Tx, user: UserId) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM credentials WHERE user_id = $1",
        &[user.0.into()],
    )?;
    Ok(())
}

/// A one-time sign-in code waiting for its token exchange.
#[derive(Debug, Clone)]
pub struct SignInCode {
    pub user: UserId,
    pub challenge: String,
    pub redirect_uri: String,
    pub expires_at: i64,
}

pub fn insert_code(tx: &mut dyn Tx, code_hash: &[u8], code: &SignInCode) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO sign_in_codes (code_hash, user_id, challenge, redirect_uri, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            code_hash.into(),
            code.user.0.into(),
            code.challenge.as_str().into(),
            code.redirect_uri.as_str().into(),
            code.expires_at.into(),
        ],
    )?;
    Ok(())
}

/// Removes and returns the code (a code is used once, whether the exchange then succeeds or
/// not); expired codes are swept on the way.
pub fn take_code(
    tx: &mut dyn Tx,
    code_hash: &[u8],
    now: i64,
) -> Result<Option<SignInCode>, StoreError> {
    let row = tx.query_opt(
        "DELETE FROM sign_in_codes WHERE code_hash = $1
         RETURNING user_id, challenge, redirect_uri, expires_at",
        &[code_hash.into()],
    )?;
    tx.execute(
        "DELETE FROM sign_in_codes WHERE expires_at <= $1",
        &[now.into()],
    )?;
    row.map(|r| {
        Ok(SignInCode {
            user: UserId(r.int(0)?),
            challenge: r.text(1)?,
            redirect_uri: r.text(2)?,
            expires_at: r.int(3)?,
        })
    })
    .transpose()
}
