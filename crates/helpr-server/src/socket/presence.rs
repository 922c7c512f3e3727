//! Who is viewing and who is writing a reply in each conversation, by session, on this
//! replica. A change is announced on a channel; each connection tells its user when they may
//! read the conversation (collision detection: the thread shows the others, and sending while
//! someone else writes asks first).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use helpr_policy::{OrgId, UserId};
use helpr_proto::views::ConversationRef;
use tokio::sync::broadcast;

#[derive(Debug, Default)]
struct Entry {
    viewing: HashMap<i64, UserId>,
    composing: HashMap<i64, UserId>,
}

/// The presence of every conversation someone has open.
pub struct Presence {
    entries: Mutex<HashMap<(OrgId, ConversationRef), Entry>>,
    changed: broadcast::Sender<(OrgId, ConversationRef)>,
}

impl Default for Presence {
    fn default() -> Self {
        Presence {
            entries: Mutex::new(HashMap::new()),
            changed: broadcast::channel(1024).0,
        }
    }
}

impl Presence {
    pub fn subscribe(&self) -> broadcast::Receiver<(OrgId, ConversationRef)> {
        self.changed.subscribe()
    }

    fn update(
        &self,
        org: OrgId,
        conversation: &ConversationRef,
        f: impl FnOnce(&mut Entry) -> bool,
    ) {
        let changed = {
            let mut entries = self.entries.lock().expect("presence lock");
            let key = (org, conversation.clone());
            let entry = entries.entry(key.clone()).or_default();
            let changed = f(entry);
            if entry.viewing.is_empty() && entry.composing.is_empty() {
                entries.remove(&key);
            }
            changed
        };
        if changed {
            let _ = self.changed.send((org, conversation.clone()));
        }
    }

    /// The session now views `conversation` (or nothing); returns what it viewed before.
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

    /// Who views and who writes in `conversation` (users, each once).
    pub fn of(&self, org: OrgId, conversation: &ConversationRef) -> (Vec<UserId>, Vec<UserId>) {
        let entries = self.entries.lock().expect("presence lock");
        match entries.get(&(org, conversation.clone())) {
            Some(e) => (
                e.viewing
                    .values()
                    .copied()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                e.composing
                    .values()
                    .copied()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        }
    }
}
