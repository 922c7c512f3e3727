//! The registry of organizations and the one write path.
//!
//! A change is decided on the current state, under the organization's lock: the caller's
//! `prepare` reads the state, asks the policy, and returns the [`Record`] to append (and any
//! rows to write beside it). The record is appended under the next sequence number in one
//! transaction; if another replica took that number first, the transaction rolls back, the
//! state catches up, and `prepare` decides again on the newer state. Committed records reach
//! the state only by being read back from the log ([`Hub::catch_up`]), the same way another
//! replica's do, and each applied record is broadcast to the socket fan-out.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use helpr_policy::{OrgId, UserId};
use tokio::sync::{broadcast, Mutex};

use super::record::{Record, Stored};
use super::state::OrgState;
use helpr_crypto::KeyStore;

use crate::audit;
use crate::clock::Clock;
use crate::error::Failure;
use crate::store::{queries, Backend, Db, StoreError, Tx};

/// Rows written in the same transaction as a record (a password hash beside `UserAdded`).
pub type Also = Box<dyn FnOnce(&mut dyn Tx) -> Result<(), StoreError> + Send>;

/// What `prepare` decided to append: one record, or several that land together (each under
/// its own sequence number, in one transaction).
pub struct Prepared {
    pub records: Vec<Record>,
    pub also: Option<Also>,
}

impl From<Record> for Prepared {
    fn from(record: Record) -> Self {
        Prepared {
            records: vec![record],
            also: None,
        }
    }
}

impl Prepared {
    /// One record with rows written beside it.
    pub fn with(record: Record, also: Also) -> Self {
        Prepared {
            records: vec![record],
            also: Some(also),
        }
    }
}

/// A record as applied, for the fan-out.
#[derive(Debug, Clone)]
pub struct Applied {
    pub org: OrgId,
    pub seq: u64,
    pub at: i64,
    pub stored: Stored,
}

struct OrgCell {
    state: RwLock<OrgState>,
    /// Held while deciding and appending, and while catching up: one at a time per org.
    lock: Mutex<()>,
}

/// Where a live session token leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionKey {
    pub org: OrgId,
    pub session: i64,
    pub user: UserId,
}

/// Every organization this server holds, in memory, in step with the log.
pub struct Hub {
    db: Db,
    clock: Clock,
    /// The server's keys: the audit trail's MACs (and sealing).
    keys: Arc<KeyStore>,
    orgs: RwLock<BTreeMap<OrgId, Arc<OrgCell>>>,
    /// SHA-256 of live session tokens, hex → the session.
    tokens: RwLock<HashMap<String, SessionKey>>,
    applied: broadcast::Sender<Arc<Applied>>,
    /// When [`Hub::refresh_soon`] last read the log.
    last_refresh: std::sync::Mutex<Option<std::time::Instant>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let orgs = self.orgs.read().map(|o| o.len()).unwrap_or(0);
        write!(f, "Hub({:?}, {orgs} organizations)", self.db)
    }
}

/// The pending seq was taken by another replica (rolls the transaction back).
const STALE: &str = "stale sequence number";

impl Hub {
    /// Loads every organization's log.
    pub async fn load(db: Db, clock: Clock, keys: Arc<KeyStore>) -> Result<Arc<Hub>, StoreError> {
        let (applied, _) = broadcast::channel(4096);
        let hub = Arc::new(Hub {
            db,
            clock,
            keys,
            orgs: RwLock::new(BTreeMap::new()),
            tokens: RwLock::new(HashMap::new()),
            applied,
            last_refresh: std::sync::Mutex::new(None),
        });
        hub.refresh_all().await?;
        Ok(hub)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn keys(&self) -> &Arc<KeyStore> {
        &self.keys
    }

    /// Applied records from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Applied>> {
        self.applied.subscribe()
    }

    fn cell(&self, org: OrgId) -> Option<Arc<OrgCell>> {
        self.orgs.read().expect("orgs lock").get(&org).cloned()
    }

    /// Reads the organization's current state.
    pub fn read<T>(&self, org: OrgId, f: impl FnOnce(&OrgState) -> T) -> Option<T> {
        let cell = self.cell(org)?;
        let state = cell.state.read().expect("org state lock");
        Some(f(&state))
    }

    /// The organization `user` belongs to.
    pub fn org_of(&self, user: UserId) -> Option<OrgId> {
        let orgs = self.orgs.read().expect("orgs lock");
        orgs.iter().find_map(|(id, cell)| {
            cell.state
                .read()
                .expect("org state lock")
                .users
                .contains_key(&user)
                .then_some(*id)
        })
    }

    /// The live session a token hash (hex) names.
    pub fn session(&self, token_hash: &str) -> Option<SessionKey> {
        self.tokens
            .read()
            .expect("tokens lock")
            .get(token_hash)
            .copied()
    }

    /// Picks up organizations and events other replicas (or another process) wrote.
    pub async fn refresh_all(&self) -> Result<(), StoreError> {
        let ids = self.db.run(|tx| queries::org_ids(tx)).await?;
        for org in ids {
            self.refresh(org).await?;
        }
        Ok(())
    }

    /// [`Hub::refresh_all`], unless one ran in the last quarter second (a burst of unknown
    /// tokens costs a few reads of the log, not one each).
    pub async fn refresh_soon(&self) {
        const QUIET: std::time::Duration = std::time::Duration::from_millis(250);
        {
            let mut last = self.last_refresh.lock().expect("refresh lock");
            if last.is_some_and(|at| at.elapsed() < QUIET) {
                return;
            }
            *last = Some(std::time::Instant::now());
        }
        if let Err(e) = self.refresh_all().await {
            tracing::warn!(error = %e, "catching up with the database");
        }
    }

    /// Catches one organization up with its log.
    pub async fn refresh(&self, org: OrgId) -> Result<(), StoreError> {
        let cell = {
            let mut orgs = self.orgs.write().expect("orgs lock");
            orgs.entry(org)
                .or_insert_with(|| {
                    Arc::new(OrgCell {
                        state: RwLock::new(OrgState::new(org)),
                        lock: Mutex::new(()),
                    })
                })
                .clone()
        };
        let _held = cell.lock.lock().await;
        self.catch_up(org, &cell).await
    }

    async fn catch_up(&self, org: OrgId, cell: &OrgCell) -> Result<(), StoreError> {
        let from = cell.state.read().expect("org state lock").seq;
        let rows = self
            .db
            .run(move |tx| queries::events_since(tx, org, from))
            .await?;
        for row in rows {
            let stored: Stored = serde_json::from_str(&row.body).map_err(|e| {
                StoreError::Malformed(format!("event {} of organization {}: {e}", row.seq, org.0))
            })?;
            {
                let mut state = cell.state.write().expect("org state lock");
                if row.seq != state.seq + 1 {
                    return Err(StoreError::Malformed(format!(
                        "organization {} jumps from event {} to {}",
                        org.0, state.seq, row.seq
                    )));
                }
                self.index_tokens(org, &state, &stored.record);
                state.apply(row.seq, row.at, &stored.record);
            }
            // No receiver (no socket open) is fine.
            let _ = self.applied.send(Arc::new(Applied {
                org,
                seq: row.seq,
                at: row.at,
                stored,
            }));
        }
        Ok(())
    }

    /// Keeps the token index in step with a record about to be applied to `state`.
    fn index_tokens(&self, org: OrgId, state: &OrgState, record: &Record) {
        let mut tokens = self.tokens.write().expect("tokens lock");
        match record {
            Record::SessionStarted {
                session,
                user,
                token_hash,
                ..
            } => {
                tokens.insert(
                    token_hash.clone(),
                    SessionKey {
                        org,
                        session: *session,
                        user: *user,
                    },
                );
            }
            Record::SessionRevoked { session } => {
                if let Some(s) = state.sessions.get(session) {
                    tokens.remove(&s.token_hash);
                }
            }
            Record::UserRemoved { user } => {
                for s in state.sessions.values().filter(|s| s.user == *user) {
                    tokens.remove(&s.token_hash);
                }
            }
            _ => {}
        }
    }

    /// Decides and appends one change to `org`; its sequence number once applied here.
    pub async fn change(
        &self,
        org: OrgId,
        actor: Option<UserId>,
        mut prepare: impl FnMut(&OrgState, i64) -> Result<Prepared, Failure>,
    ) -> Result<u64, Failure> {
        let cell = self.cell(org).ok_or_else(Failure::not_found)?;
        let _held = cell.lock.lock().await;
        loop {
            self.catch_up(org, &cell).await?;
            let now = self.clock.now();
            let (expected, prepared) = {
                let state = cell.state.read().expect("org state lock");
                (state.seq + 1, prepare(&state, now)?)
            };
            let bodies = prepared
                .records
                .into_iter()
                .map(|record| {
                    Ok((
                        serde_json::to_string(&Stored {
                            actor,
                            record: record.clone(),
                        })?,
                        record,
                    ))
                })
                .collect::<Result<Vec<_>, serde_json::Error>>()
                .map_err(|e| StoreError::Malformed(e.to_string()))?;
            let also = prepared.also;
            let keys = self.keys.clone();
            let postgres = self.db.backend() == Backend::Postgres;
            let appended = self
                .db
                .run(move |tx| {
                    let mut last = expected - 1;
                    for (body, record) in &bodies {
                        let seq = queries::bump_seq(tx, org)?;
                        if seq != last + 1 {
                            return Err(StoreError::Backend(STALE.into()));
                        }
                        queries::insert_event(tx, org, seq, now, body)?;
                        audit::append(tx, &keys, org, seq, now, actor, record)?;
                        last = seq;
                    }
                    if let Some(also) = also {
                        also(tx)?;
                    }
                    if postgres {
                        queries::notify(tx, org)?;
                    }
                    Ok(last)
                })
                .await;
            match appended {
                Ok(seq) => {
                    self.catch_up(org, &cell).await?;
                    return Ok(seq);
                }
                Err(StoreError::Backend(reason)) if reason == STALE => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Makes a new organization with its first owner (whose password hash is given), in one
    /// transaction: an address already in use leaves nothing behind.
    pub async fn create_org(
        &self,
        name: &str,
        owner_name: &str,
        owner_email: &str,
        password_hash: String,
    ) -> Result<(OrgId, UserId), Failure> {
        let (name, owner_name) = (name.to_owned(), owner_name.to_owned());
        let email = owner_email.to_lowercase();
        let now = self.clock.now();
        let postgres = self.db.backend() == Backend::Postgres;
        let keys = self.keys.clone();
        let (org, owner) = self
            .db
            .run(move |tx| {
                let org = OrgId(queries::next_id(tx)?);
                let owner = UserId(queries::next_id(tx)?);
                queries::insert_org(tx, org, &name)?;
                let records = [
                    Record::OrgCreated { name },
                    Record::UserAdded {
                        user: owner,
                        name: owner_name,
                        email: email.clone(),
                        role: helpr_policy::OrgRole::Owner,
                    },
                ];
                for record in records {
                    let body = serde_json::to_string(&Stored {
                        actor: None,
                        record: record.clone(),
                    })
                    .map_err(|e| StoreError::Malformed(e.to_string()))?;
                    let seq = queries::bump_seq(tx, org)?;
                    queries::insert_event(tx, org, seq, now, &body)?;
                    audit::append(tx, &keys, org, seq, now, None, &record)?;
                }
                queries::insert_credential(tx, owner, org, &email, &password_hash)?;
                if postgres {
                    // Other replicas pick the new organization up at once, not at their poll.
                    queries::notify(tx, org)?;
                }
                Ok((org, owner))
            })
            .await?;
        self.refresh(org).await?;
        Ok((org, owner))
    }

    /// A fresh server-wide id.
    pub async fn next_id(&self) -> Result<i64, StoreError> {
        self.db.run(|tx| queries::next_id(tx)).await
    }
}
