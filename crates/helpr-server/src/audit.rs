//! The server's audit trail: membership, role, visibility, assignment, override and session
//! changes, each appended in the same transaction as the change itself, hash-chained per
//! organization. Like the desktop's trail it names no one in the clear: the actor and the
//! objects are keyed hashes (HMAC-SHA256 under the server's audit key, per organization), which
//! the server resolves for an admin while the object exists; details hold roles, visibilities
//! and counts, never names, addresses or content.
//!
//! Each entry's `mac` covers its fields and the previous entry's `mac`; `audit_heads` holds the
//! last entry's number and `mac` under a MAC of its own, so editing, removing, inserting,
//! reordering or cutting off the tail is found by [`verify`]. Without the server's key no entry
//! can be forged.

use std::collections::HashMap;

use helpr_crypto::KeyStore;
use helpr_policy::{OrgId, UserId};
use serde::Serialize;

use crate::org::record::Record;
use crate::org::state::OrgState;
use crate::store::{StoreError, Tx, Value};

/// The chain's start: the `prev` of the first entry.
const GENESIS: [u8; 32] = [0; 32];
/// At most this many problems are listed by [`verify`].
const MAX_PROBLEMS: usize = 100;

/// The keyed hash naming `kind` `id` in `org`'s trail, hex.
pub fn object_ref(keys: &KeyStore, org: OrgId, kind: &str, id: &str) -> String {
    hex::encode(keys.audit_mac(
        org.0,
        "helpr-server/audit-ref",
        format!("{kind}:{id}").as_bytes(),
    ))
}

/// What an entry says, before it is chained.
struct Draft {
    action: &'static str,
    object: Option<(&'static str, String)>,
    detail: String,
}

fn draft(keys: &KeyStore, org: OrgId, record: &Record) -> Option<Draft> {
    let user_ref = |u: &UserId| object_ref(keys, org, "user", &u.0.to_string());
    let (object, detail) = match record {
        Record::OrgCreated { .. } => (None, String::new()),
        Record::UserAdded { user, role, .. } => (
            Some(("user", user.0.to_string())),
            format!("role={}", snake(role)),
        ),
        Record::UserChanged { user, name, role } => (
            Some(("user", user.0.to_string())),
            [
                role.map(|r| format!("role={}", snake(&r))),
                name.as_ref().map(|_| "name changed".to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        ),
        Record::UserRemoved { user } => (Some(("user", user.0.to_string())), String::new()),
        Record::TeamCreated { team, members, .. } => (
            Some(("team", team.0.to_string())),
            format!("members={}", members.len()),
        ),
        Record::TeamChanged {
            team,
            name,
            members,
        } => (
            Some(("team", team.0.to_string())),
            [
                members.as_ref().map(|m| format!("members={}", m.len())),
                name.as_ref().map(|_| "name changed".to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        ),
        Record::TeamDeleted { team } => (Some(("team", team.0.to_string())), String::new()),
        Record::InboxCreated {
            inbox,
            visibility,
            teams,
            assigned_only,
            ..
        } => (
            Some(("inbox", inbox.0.to_string())),
            format!(
                "visibility={} teams={} assigned_only={assigned_only}",
                snake(visibility),
                teams.len()
            ),
        ),
        Record::InboxChanged {
            inbox,
            name,
            visibility,
            teams,
            assigned_only,
        } => (
            Some(("inbox", inbox.0.to_string())),
            [
                visibility.map(|v| format!("visibility={}", snake(&v))),
                teams.as_ref().map(|t| format!("teams={}", t.len())),
                assigned_only.map(|a| format!("assigned_only={a}")),
                name.as_ref().map(|_| "name changed".to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        ),
        Record::InboxDeleted { inbox } => (Some(("inbox", inbox.0.to_string())), String::new()),
        Record::MemberSet {
            inbox,
            user,
            role,
            assigned_only,
        } => (
            Some(("inbox", inbox.0.to_string())),
            format!(
                "member={} role={} assigned_only={assigned_only}",
                user_ref(user),
                snake(role)
            ),
        ),
        Record::MemberRemoved { inbox, user } => (
            Some(("inbox", inbox.0.to_string())),
            format!("member={}", user_ref(user)),
        ),
        Record::Assigned {
            inbox,
            thread,
            assignees,
        } => (
            Some(("conversation", format!("{}:{thread}", inbox.0))),
            format!(
                "assignees={}",
                assignees.iter().map(user_ref).collect::<Vec<_>>().join(",")
            ),
        ),
        Record::ConversationStarted { inbox, thread, by } => (
            Some(("conversation", format!("{}:{thread}", inbox.0))),
            format!("by={}", user_ref(by)),
        ),
        Record::OverrideStarted { inbox, until, .. } => (
            Some(("inbox", inbox.0.to_string())),
            format!("until={until}"),
        ),
        Record::SessionStarted { session, user, .. } => (
            Some(("session", session.to_string())),
            format!("user={}", user_ref(user)),
        ),
        Record::SessionRevoked { session } => {
            (Some(("session", session.to_string())), String::new())
        }
        // Gmail's own changes are not actions of anyone's.
        Record::ConversationsChanged { .. } => return None,
        // Which account is not said: the address stays sealed in the broker's row.
        Record::GmailConnected { inbox } | Record::GmailDisconnected { inbox } => {
            (Some(("inbox", inbox.0.to_string())), String::new())
        }
    };
    Some(Draft {
        action: record.action(),
        object,
        detail,
    })
}

fn snake<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub n: i64,
    pub seq: i64,
    pub at: i64,
    pub actor_ref: Option<String>,
    pub action: String,
    pub object_kind: Option<String>,
    pub object_ref: Option<String>,
    pub detail: String,
    pub prev: Vec<u8>,
    pub mac: Vec<u8>,
}

fn entry_mac(keys: &KeyStore, org: OrgId, e: &Entry) -> Vec<u8> {
    let fields = serde_json::json!([
        e.n,
        e.seq,
        e.at,
        e.actor_ref,
        e.action,
        e.object_kind,
        e.object_ref,
        e.detail,
        hex::encode(&e.prev),
    ]);
    keys.audit_mac(
        org.0,
        "helpr-server/audit-entry",
        fields.to_string().as_bytes(),
    )
    .to_vec()
}

fn head_mac(keys: &KeyStore, org: OrgId, n: i64, mac: &[u8]) -> Vec<u8> {
    let fields = serde_json::json!([n, hex::encode(mac)]);
    keys.audit_mac(
        org.0,
        "helpr-server/audit-head",
        fields.to_string().as_bytes(),
    )
    .to_vec()
}

/// Appends the entry for `record` (numbered `seq` in the log) to `org`'s chain, in the
/// caller's transaction. Records that are no one's action are skipped.
pub fn append(
    tx: &mut dyn Tx,
    keys: &KeyStore,
    org: OrgId,
    seq: u64,
    at: i64,
    actor: Option<UserId>,
    record: &Record,
) -> Result<(), StoreError> {
    let Some(draft) = draft(keys, org, record) else {
        return Ok(());
    };
    let actor_ref = actor.map(|u| object_ref(keys, org, "user", &u.0.to_string()));
    chain(tx, keys, org, seq as i64, at, actor_ref, draft)
}

/// An entry that is not a change of the organization's log: a secure message's key released
/// to a reader, say. `actor` and `object` are `(kind, id)`, named in the trail by their keyed
/// hashes.
#[derive(Debug)]
pub struct Other<'a> {
    pub actor: (&'a str, &'a str),
    pub action: &'static str,
    pub object: (&'static str, String),
    pub detail: String,
}

/// Appends an [`Other`] entry (its `seq` is 0) to `org`'s chain, in the caller's transaction.
pub fn append_other(
    tx: &mut dyn Tx,
    keys: &KeyStore,
    org: OrgId,
    at: i64,
    other: Other<'_>,
) -> Result<(), StoreError> {
    let actor_ref = Some(object_ref(keys, org, other.actor.0, other.actor.1));
    let draft = Draft {
        action: other.action,
        object: Some(other.object),
        detail: other.detail,
    };
    chain(tx, keys, org, 0, at, actor_ref, draft)
}

fn chain(
    tx: &mut dyn Tx,
    keys: &KeyStore,
    org: OrgId,
    seq: i64,
    at: i64,
    actor_ref: Option<String>,
    draft: Draft,
) -> Result<(), StoreError> {
    // Held to the end of the transaction on PostgreSQL: entries appended at once by changes
    // and by readers of secure mail chain one after the other.
    tx.execute(
        "UPDATE audit_heads SET n = n WHERE org = $1",
        &[org.0.into()],
    )?;
    let head = tx.query_opt(
        "SELECT n, mac FROM audit_heads WHERE org = $1",
        &[org.0.into()],
    )?;
    let (n, prev) = match head {
        Some(row) => (row.int(0)? + 1, row.bytes(1)?),
        None => (1, GENESIS.to_vec()),
    };
    let mut entry = Entry {
        n,
        seq,
        at,
        actor_ref,
        action: draft.action.to_owned(),
        object_kind: draft.object.as_ref().map(|(k, _)| (*k).to_owned()),
        object_ref: draft
            .object
            .as_ref()
            .map(|(kind, id)| object_ref(keys, org, kind, id)),
        detail: draft.detail,
        prev,
        mac: Vec::new(),
    };
    entry.mac = entry_mac(keys, org, &entry);
    tx.execute(
        "INSERT INTO audit (org, n, seq, at, actor_ref, action, object_kind, object_ref, detail,
            prev, mac)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            org.0.into(),
            entry.n.into(),
            entry.seq.into(),
            entry.at.into(),
            entry.actor_ref.clone().into(),
            entry.action.clone().into(),
            entry.object_kind.clone().into(),
            entry.object_ref.clone().into(),
            entry.detail.clone().into(),
            Value::Bytes(entry.prev.clone()),
            Value::Bytes(entry.mac.clone()),
        ],
    )?;
    let head = head_mac(keys, org, n, &entry.mac);
    if n == 1 {
        tx.execute(
            "INSERT INTO audit_heads (org, n, mac, head_mac) VALUES ($1, $2, $3, $4)",
            &[
                org.0.into(),
                n.into(),
                Value::Bytes(entry.mac),
                Value::Bytes(head),
            ],
        )?;
    } else {
        tx.execute(
            "UPDATE audit_heads SET n = $2, mac = $3, head_mac = $4 WHERE org = $1",
            &[
                org.0.into(),
                n.into(),
                Value::Bytes(entry.mac),
                Value::Bytes(head),
            ],
        )?;
    }
    Ok(())
}

/// `org`'s entries, in order, from `after` (exclusive), at most `limit`.
pub fn entries(
    tx: &mut dyn Tx,
    org: OrgId,
    after: i64,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    tx.query(
        "SELECT n, seq, at, actor_ref, action, object_kind, object_ref, detail, prev, mac
         FROM audit WHERE org = $1 AND n > $2 ORDER BY n LIMIT $3",
        &[org.0.into(), after.into(), limit.into()],
    )?
    .iter()
    .map(|r| {
        let opt_text = |i| match r.0.get(i) {
            Some(Value::Null) => Ok(None),
            _ => r.text(i).map(Some),
        };
        Ok(Entry {
            n: r.int(0)?,
            seq: r.int(1)?,
            at: r.int(2)?,
            actor_ref: opt_text(3)?,
            action: r.text(4)?,
            object_kind: opt_text(5)?,
            object_ref: opt_text(6)?,
            detail: r.text(7)?,
            prev: r.bytes(8)?,
            mac: r.bytes(9)?,
        })
    })
    .collect()
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub entries: u64,
    pub intact: bool,
    pub problems: Vec<String>,
}

/// Recomputes `org`'s chain and names the first entries that were edited, removed,
/// inserted or reordered, and a cut-off tail.
pub fn verify(tx: &mut dyn Tx, keys: &KeyStore, org: OrgId) -> Result<Verdict, StoreError> {
    let all = entries(tx, org, 0, i64::MAX)?;
    let mut problems = Vec::new();
    let mut note = |p: String| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(p);
        }
    };
    let mut prev = GENESIS.to_vec();
    let mut expected_n = 1;
    for e in &all {
        if e.n != expected_n {
            note(format!(
                "entry {expected_n} is missing (the next is {})",
                e.n
            ));
        }
        if e.prev != prev {
            note(format!("entry {} does not follow the one before it", e.n));
        }
        if entry_mac(keys, org, e) != e.mac {
            note(format!("entry {} was changed", e.n));
        }
        prev = e.mac.clone();
        expected_n = e.n + 1;
    }
    let head = tx.query_opt(
        "SELECT n, mac, head_mac FROM audit_heads WHERE org = $1",
        &[org.0.into()],
    )?;
    match (head, all.last()) {
        (None, None) => {}
        (None, Some(_)) => note("the trail's head is missing".into()),
        (Some(row), last) => {
            let (n, mac, hmac) = (row.int(0)?, row.bytes(1)?, row.bytes(2)?);
            if head_mac(keys, org, n, &mac) != hmac {
                note("the trail's head was changed".into());
            }
            match last {
                Some(last) if last.n == n && last.mac == mac => {}
                Some(last) if last.n < n => note(format!(
                    "entries {} to {n} were cut off the end",
                    last.n + 1
                )),
                _ => note("the last entry is not the one the head names".into()),
            }
        }
    }
    Ok(Verdict {
        entries: all.len() as u64,
        intact: problems.is_empty(),
        problems,
    })
}

/// Keyed hashes of the objects the organization still has, to resolve entries for an admin.
pub fn resolver(keys: &KeyStore, state: &OrgState) -> HashMap<String, i64> {
    let org = state.id;
    let mut map = HashMap::new();
    let mut add = |kind: &str, id: i64| {
        map.insert(object_ref(keys, org, kind, &id.to_string()), id);
    };
    for id in state.users.keys() {
        add("user", id.0);
    }
    for id in state.teams.keys() {
        add("team", id.0);
    }
    for id in state.inboxes.keys() {
        add("inbox", id.0);
    }
    for id in state.sessions.keys() {
        add("session", *id);
    }
    map
}
