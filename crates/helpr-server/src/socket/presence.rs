//! Who is viewing and who is writing a reply in each conversation. A change is announced on a
//! channel; each connection tells its user when they may read the conversation (collision
//! detection: the thread shows the others, and sending while someone else writes asks first).
//!
//! This replica's sessions are kept by session; with replicas (PostgreSQL), each also hears the
//! others' ([`super::relay`]): whenever a conversation's presence here changes, a [`Note`] with
//! who of this replica views and writes in it goes out, and the others keep the latest note of
//! each replica beside their own. Notes are sent again every [`super::relay::REPEAT`], and one not
//! repeated for [`super::relay::FORGET`] is dropped, so a replica that died takes its people
//! with it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use helpr_policy::{OrgId, UserId};
use helpr_proto::views::ConversationRef;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

/// Who of one replica views and writes in one conversation, as it tells the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub replica: u64,
    pub org: OrgId,
    pub conversation: ConversationRef,
    pub viewing: Vec<UserId>,
    pub composing: Vec<UserId>,
}

/// Another replica's people in one conversation, and when it last said so.
#[derive(Debug)]
struct Remote {
    viewing: Vec<UserId>,
    composing: Vec<UserId>,
    heard: Instant,
}

#[derive(Debug, Default)]
struct Entry {
    /// This replica's sessions.
    viewing: HashMap<i64, UserId>,
    composing: HashMap<i64, UserId>,
    /// The other replicas', by replica.
    remote: HashMap<u64, Remote>,
}

impl Entry {
    fn is_empty(&self) -> bool {
        self.viewing.is_empty() && self.composing.is_empty() && self.remote.is_empty()
    }

    /// Who views and who writes (users, each once, in order): this replica's, and with
    /// `remote` the other replicas' too.
    fn users(&self, remote: bool) -> (Vec<UserId>, Vec<UserId>) {
        let mut viewing: BTreeSet<UserId> = self.viewing.values().copied().collect();
        let mut composing: BTreeSet<UserId> = self.composing.values().copied().collect();
        for part in self.remote.values().filter(|_| remote) {
            viewing.extend(part.viewing.iter().copied());
            composing.extend(part.composing.iter().copied());
        }
        (
            viewing.into_iter().collect(),
            composing.into_iter().collect(),
        )
    }
}

/// The presence of every conversation someone has open.
pub struct Presence {
    /// This replica, as its notes name it.
    replica: u64,
    entries: Mutex<HashMap<(OrgId, ConversationRef), Entry>>,
    changed: broadcast::Sender<(OrgId, ConversationRef)>,
    /// Where this replica's notes go (with replicas only).
    outbox: Option<mpsc::UnboundedSender<Note>>,
}

impl Default for Presence {
    fn default() -> Self {
        Presence::new(None)
    }
}

impl Presence {
    /// Presence whose changes here are also sent to `outbox` (for the other replicas).
    pub fn new(outbox: Option<mpsc::UnboundedSender<Note>>) -> Self {
        Presence {
            replica: rand::random(),
            entries: Mutex::new(HashMap::new()),
            changed: broadcast::channel(1024).0,
            outbox,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<(OrgId, ConversationRef)> {
        self.changed.subscribe()
    }

    fn note(&self, org: OrgId, conversation: &ConversationRef, entry: &Entry) -> Note {
        let (viewing, composing) = entry.users(false);
        Note {
            replica: self.replica,
            org,
            conversation: conversation.clone(),
            viewing,
            composing,
        }
    }

    /// Changes this replica's part of one conversation's presence; `f` says whether it changed.
    fn update(
        &self,
        org: OrgId,
        conversation: &ConversationRef,
        f: impl FnOnce(&mut Entry) -> bool,
    ) {
        let note = {
            let mut entries = self.entries.lock().expect("presence lock");
            let key = (org, conversation.clone());
            let entry = entries.entry(key.clone()).or_default();
            let changed = f(entry);
            let note = changed.then(|| self.note(org, conversation, entry));
            if entry.is_empty() {
                entries.remove(&key);
            }
            note
        };
        if let Some(note) = note {
            if let Some(outbox) = &self.outbox {
                let _ = outbox.send(note);
            }
            let _ = self.changed.send((org, conversation.clone()));
        }
    }

    /// The session now views `conversation` (or nothing) instead of `before`.
    pub fn view(
        &self,
        org: OrgId,
        session: i64,
        user: UserId,
        before: Option<&ConversationRef>,
        now: Option<&ConversationRef>,
    ) {
        if before == now {
            return;
        }
        if let Some(old) = before {
            self.update(org, old, |e| {
                let a = e.viewing.remove(&session).is_some();
                let b = e.composing.remove(&session).is_some();
                a || b
            });
        }
        if let Some(new) = now {
            self.update(org, new, |e| e.viewing.insert(session, user).is_none());
        }
    }

    /// The session starts or stops writing a reply to `conversation`.
    pub fn compose(
        &self,
        org: OrgId,
        session: i64,
        user: UserId,
        conversation: &ConversationRef,
        active: bool,
    ) {
        self.update(org, conversation, |e| {
            if active {
                e.composing.insert(session, user).is_none()
            } else {
                e.composing.remove(&session).is_some()
            }
        });
    }

    /// The session is gone: it views and writes nothing.
    pub fn leave(&self, org: OrgId, session: i64) {
        let touched: Vec<ConversationRef> = {
            let entries = self.entries.lock().expect("presence lock");
            entries
                .iter()
                .filter(|((o, _), e)| {
                    *o == org
                        && (e.viewing.contains_key(&session) || e.composing.contains_key(&session))
                })
                .map(|((_, c), _)| c.clone())
                .collect()
        };
        for conversation in touched {
            self.update(org, &conversation, |e| {
                let a = e.viewing.remove(&session).is_some();
                let b = e.composing.remove(&session).is_some();
                a || b
            });
        }
    }

    /// Who views and who writes in `conversation`, on every replica (users, each once).
    pub fn of(&self, org: OrgId, conversation: &ConversationRef) -> (Vec<UserId>, Vec<UserId>) {
        let entries = self.entries.lock().expect("presence lock");
        entries
            .get(&(org, conversation.clone()))
            .map_or((Vec::new(), Vec::new()), |e| e.users(true))
    }

    /// Another replica's note: its part of the conversation is now what the note says.
    pub fn hear(&self, note: Note) {
        if note.replica == self.replica {
            return;
        }
        let changed = {
            let mut entries = self.entries.lock().expect("presence lock");
            let key = (note.org, note.conversation.clone());
            let entry = entries.entry(key.clone()).or_default();
            let gone = note.viewing.is_empty() && note.composing.is_empty();
            // A repeat of what was heard changes nothing (but keeps it from being forgotten).
            let changed = match entry.remote.get(&note.replica) {
                Some(r) => r.viewing != note.viewing || r.composing != note.composing,
                None => !gone,
            };
            if gone {
                entry.remote.remove(&note.replica);
            } else {
                entry.remote.insert(
                    note.replica,
                    Remote {
                        viewing: note.viewing,
                        composing: note.composing,
                        heard: Instant::now(),
                    },
                );
            }
            if entry.is_empty() {
                entries.remove(&key);
            }
            changed
        };
        if changed {
            let _ = self.changed.send((note.org, note.conversation));
        }
    }

    /// This replica's notes for every conversation it has people in (sent again, so a replica
    /// that missed one, or started since, knows).
    pub fn notes(&self) -> Vec<Note> {
        let entries = self.entries.lock().expect("presence lock");
        entries
            .iter()
            .filter(|(_, e)| !e.viewing.is_empty() || !e.composing.is_empty())
            .map(|((org, c), e)| self.note(*org, c, e))
            .collect()
    }

    /// Drops what other replicas have not said again for `age` (a replica that stopped).
    pub fn forget_older_than(&self, age: Duration) {
        let forgotten: Vec<(OrgId, ConversationRef)> = {
            let mut entries = self.entries.lock().expect("presence lock");
            let mut forgotten = Vec::new();
            entries.retain(|key, entry| {
                let before = entry.remote.len();
                entry.remote.retain(|_, r| r.heard.elapsed() < age);
                if entry.remote.len() != before {
                    forgotten.push(key.clone());
                }
                !entry.is_empty()
            });
            forgotten
        };
        for (org, conversation) in forgotten {
            let _ = self.changed.send((org, conversation));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation() -> ConversationRef {
        ConversationRef {
            inbox: helpr_policy::InboxId(4),
            thread: "18c2f0a1b2".into(),
        }
    }

    #[test]
    fn another_replica_s_people_join_this_one_s_until_it_says_they_left_or_goes_quiet() {
        let (outbox, mut sent) = mpsc::unbounded_channel();
        let here = Presence::new(Some(outbox));
        let there = Presence::default();
        let mut told = here.subscribe();
        let org = OrgId(1);
        let c = conversation();

        here.view(org, 10, UserId(7), None, Some(&c));
        let note = sent.try_recv().expect("a note for the others");
        assert_eq!(
            (note.viewing.clone(), note.composing.clone()),
            (vec![UserId(7)], vec![])
        );
        assert!(told.try_recv().is_ok());

        // Another replica's agent writes in it: both are named here.
        let theirs = Note {
            replica: there.replica,
            org,
            conversation: c.clone(),
            viewing: vec![UserId(8)],
            composing: vec![UserId(8)],
        };
        here.hear(theirs.clone());
        assert_eq!(told.try_recv().unwrap(), (org, c.clone()));
        assert_eq!(
            here.of(org, &c),
            (vec![UserId(7), UserId(8)], vec![UserId(8)])
        );
        // The same note again (a repeat) changes nothing and tells nobody.
        here.hear(theirs.clone());
        assert!(told.try_recv().is_err());
        // Its own notes, heard back, are ignored.
        here.hear(note);
        assert_eq!(here.of(org, &c).0, vec![UserId(7), UserId(8)]);

        // Repeated: this replica's part only.
        assert_eq!(
            here.notes()
                .into_iter()
                .map(|n| (n.viewing, n.composing))
                .collect::<Vec<_>>(),
            vec![(vec![UserId(7)], vec![])]
        );

        // They leave: only this replica's agent is left.
        here.hear(Note {
            viewing: vec![],
            composing: vec![],
            ..theirs.clone()
        });
        assert_eq!(here.of(org, &c), (vec![UserId(7)], vec![]));

        // A replica that goes quiet is forgotten.
        here.hear(theirs);
        here.forget_older_than(Duration::ZERO);
        assert_eq!(here.of(org, &c), (vec![UserId(7)], vec![]));
        here.view(org, 10, UserId(7), Some(&c), None);
        assert_eq!(here.of(org, &c), (vec![], vec![]));
        assert!(here.entries.lock().unwrap().is_empty());
    }
}
