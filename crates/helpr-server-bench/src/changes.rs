//! Access changes and how long until the last affected session holds its new snapshot. Two
//! kinds, alternating, each made through the owner's API on the first server:
//!
//! - **member**: a desk's member removed, then added back. Affected: the desk's listed members
//!   (the removed one loses the inbox; the others' snapshots list its members).
//! - **visibility**: the "Flip" inbox opened to the whole organization, then restricted again.
//!   Affected: every session.
//!
//! The clock starts before the API request is sent and stops at the latest instant a reader
//! decoded, on an affected session's socket, a snapshot that shows the change (the desk's
//! member count, or Flip listed or not): a late duplicate of an earlier snapshot cannot count.
//! A snapshot that shows the change but is numbered before it is counted as `stale`: a
//! connection that reads the state when handling an earlier change (or at its 20 s tick) may
//! find this change applied already, and its own turn then has nothing new to send.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use helpr_policy::{InboxId, MemberRole, Visibility};
use helpr_proto::requests::{ChangeInbox, SetMember};
use helpr_team::TeamClient;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::org::Org;
use crate::sessions::{Note, Session};

/// How long the bench waits for a change's last snapshot before calling it lost.
const PATIENCE: Duration = Duration::from_secs(30);

/// What a change was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Member,
    Visibility,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Member => "member",
            Kind::Visibility => "visibility",
        }
    }
}

/// One change's figures.
#[derive(Debug, Clone)]
pub struct Sample {
    pub kind: Kind,
    /// Sessions whose snapshot changes.
    pub affected: usize,
    /// Request sent → response read.
    pub api_ms: f64,
    /// Request sent → the last affected session decoded its new snapshot.
    pub last_ms: f64,
    /// Request sent → the first affected session did.
    pub first_ms: f64,
    /// Sessions that got a snapshot they were not expected to.
    pub unexpected: usize,
    /// Snapshots showing the change but numbered before it (read from the state while the
    /// connection handled an earlier change, or at its tick).
    pub stale: usize,
}

/// Why the changes could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("the {kind} change failed: {source}")]
    Api {
        kind: &'static str,
        source: helpr_team::TeamError,
    },
    #[error("{kind} change: {missing} of {affected} affected sessions had no new snapshot after {PATIENCE:?}")]
    Lost {
        kind: &'static str,
        missing: usize,
        affected: usize,
    },
    #[error("session {session}'s socket closed during the changes: {why}")]
    Closed { session: usize, why: String },
    #[error("every socket reader is gone")]
    NoReaders,
}

/// What an affected session's snapshot shows once it holds the change.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The desk is listed with this many members (or, for the removed user, not at all).
    Desk {
        desk: InboxId,
        members: usize,
        removed: Option<usize>,
    },
    /// The Flip inbox is listed, or not.
    Flip { inbox: InboxId, open: bool },
}

impl Expect {
    fn holds(self, user: usize, inboxes: &[(InboxId, usize)]) -> bool {
        let find = |id: InboxId| inboxes.iter().find(|(i, _)| *i == id).map(|(_, m)| *m);
        match self {
            Expect::Desk { desk, removed, .. } if removed == Some(user) => find(desk).is_none(),
            Expect::Desk { desk, members, .. } => find(desk) == Some(members),
            Expect::Flip { inbox, open } => find(inbox).is_some() == open,
        }
    }
}

/// Makes `per_kind` changes of each kind through `owner` and times each.
pub async fn measure(
    owner: &TeamClient,
    org: &Org,
    sessions: &[Session],
    notes: &mut UnboundedReceiver<Note>,
    mut seq: u64,
    per_kind: usize,
) -> Result<Vec<Sample>, ChangeError> {
    let mut samples = Vec::with_capacity(2 * per_kind);
    let mut removed: Option<(usize, usize)> = None; // (desk, member index in org.users)
    let mut member_changes = 0;
    let mut flip_open = false;
    for round in 0..2 * per_kind {
        let kind = if round % 2 == 0 {
            Kind::Member
        } else {
            Kind::Visibility
        };
        // Whatever came before this change (a late duplicate) is not its snapshot.
        while let Ok(note) = notes.try_recv() {
            if let Note::Closed { session, why } = note {
                return Err(ChangeError::Closed { session, why });
            }
        }
        let started = Instant::now();
        let (affected, expect, result): (Vec<bool>, Expect, Result<(), helpr_team::TeamError>) =
            match kind {
                Kind::Member => {
                    let (desk, user) = removed.unwrap_or_else(|| {
                        let desk = (member_changes / 2) % org.desks.len();
                        let members = &org.desks[desk].1;
                        let which = (member_changes / 2 / org.desks.len()) % members.len();
                        (desk, members[which])
                    });
                    let (inbox, members) = &org.desks[desk];
                    let affected = sessions.iter().map(|s| members.contains(&s.user)).collect();
                    let id = org.users[user].0;
                    let (expect, result) = if removed.take().is_some() {
                        let role = SetMember {
                            role: MemberRole::Agent,
                            assigned_only: false,
                        };
                        let expect = Expect::Desk {
                            desk: *inbox,
                            members: members.len(),
                            removed: None,
                        };
                        (expect, owner.set_member(*inbox, id, &role).await.map(drop))
                    } else {
                        removed = Some((desk, user));
                        let expect = Expect::Desk {
                            desk: *inbox,
                            members: members.len() - 1,
                            removed: Some(user),
                        };
                        (expect, owner.remove_member(*inbox, id).await.map(drop))
                    };
                    member_changes += 1;
                    (affected, expect, result)
                }
                Kind::Visibility => {
                    flip_open = !flip_open;
                    let visibility = if flip_open {
                        Visibility::Organization
                    } else {
                        Visibility::Restricted
                    };
                    let change = ChangeInbox {
                        name: None,
                        visibility: Some(visibility),
                        teams: None,
                        assigned_only: None,
                    };
                    let result = owner.change_inbox(org.flip, &change).await.map(drop);
                    let expect = Expect::Flip {
                        inbox: org.flip,
                        open: flip_open,
                    };
                    (vec![true; sessions.len()], expect, result)
                }
            };
        let api_ms = started.elapsed().as_secs_f64() * 1e3;
        result.map_err(|source| ChangeError::Api {
            kind: kind.name(),
            source,
        })?;
        let waited = wait(kind, &affected, expect, sessions, notes, seq, started).await?;
        seq = waited.newest;
        samples.push(Sample {
            api_ms,
            ..waited.sample
        });
    }
    Ok(samples)
}

struct Waited {
    sample: Sample,
    newest: u64,
}

/// Reads notes until every affected session holds a snapshot showing the change (`expect`),
/// decoded after `started`.
async fn wait(
    kind: Kind,
    affected: &[bool],
    expect: Expect,
    sessions: &[Session],
    notes: &mut UnboundedReceiver<Note>,
    seq: u64,
    started: Instant,
) -> Result<Waited, ChangeError> {
    let expected = affected.iter().filter(|a| **a).count();
    let mut arrived: HashMap<usize, Instant> = HashMap::with_capacity(expected);
    let (mut unexpected, mut stale) = (0, 0);
    let mut newest = seq;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while arrived.len() < expected {
        let note = match tokio::time::timeout_at(deadline, notes.recv()).await {
            Err(_) => {
                return Err(ChangeError::Lost {
                    kind: kind.name(),
                    missing: expected - arrived.len(),
                    affected: expected,
                })
            }
            Ok(None) => return Err(ChangeError::NoReaders),
            Ok(Some(note)) => note,
        };
        match note {
            Note::Closed { session, why } => return Err(ChangeError::Closed { session, why }),
            Note::Snapshot { at, .. } if at < started => {}
            Note::Snapshot {
                session,
                seq: s,
                at,
                inboxes,
            } => {
                newest = newest.max(s);
                if !affected[session] {
                    unexpected += 1;
                } else if expect.holds(sessions[session].user, &inboxes)
                    && !arrived.contains_key(&session)
                {
                    arrived.insert(session, at);
                    if s <= seq {
                        stale += 1;
                    }
                }
            }
        }
    }
    let ms = |at: &Instant| at.duration_since(started).as_secs_f64() * 1e3;
    let last_ms = arrived.values().map(ms).fold(0.0, f64::max);
    let first_ms = arrived.values().map(ms).fold(f64::INFINITY, f64::min);
    Ok(Waited {
        sample: Sample {
            kind,
            affected: expected,
            api_ms: 0.0,
            last_ms,
            first_ms,
            unexpected,
            stale,
        },
        newest,
    })
}
