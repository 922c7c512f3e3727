//! Answers kept while the database has not changed: the conversation list's order between
//! pages, and the sidebar's counts between its refreshes.
//!
//! Grouping every live message into threads and sorting them is what a conversation page costs
//! (65 ms at 100,000 messages, measured through the desktop), and a list that pages through the
//! vault 100 rows at a time asked for that same grouping again for every page; the sidebar,
//! refreshed every two seconds, counted every thread of every inbox and label each time (50 to
//! 110 ms at 100,000 messages, competing with the search being typed). Each answer is kept
//! under the database's [`Stamp`]; any write, here or by another process, makes the next ask
//! compute afresh. The orders hold no content: thread ids, dates, counts and flags (32 bytes a
//! thread). The counts hold the label names, decrypted, as the sidebar shows them.

use std::sync::{Arc, Mutex};

use crate::conversations::ConversationFilter;
use crate::error::Result;

/// What changes whenever the database may have changed: this vault's own commits (counted) and
/// every commit of another connection, another process's included (SQLite's `data_version`
/// as the writer connection sees it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) writes: u64,
    pub(crate) data_version: i64,
}

/// (thread, last date, messages, unread, has attachments), one per listed thread.
pub(crate) type GroupRow = (i64, i64, u32, u32, bool);

/// Which list an order is of: the tenant, the inboxes in scope (as their SQL list) and the
/// filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderKey {
    pub(crate) tenant: i64,
    pub(crate) inboxes: String,
    pub(crate) filter: ConversationFilter,
}

/// Orders kept at once: the whole list, an inbox and a label view switch back and forth.
pub(crate) const ORDERS_KEPT: usize = 3;

/// The last few answers of one kind, each under its key and the stamp it was computed at, most
/// recently used first.
#[derive(Debug)]
pub(crate) struct Kept<K, V> {
    capacity: usize,
    kept: Mutex<Vec<(K, Stamp, Arc<V>)>>,
    /// Held while an answer is computed, so that a second ask meanwhile (the window's first
    /// page while start-up prepares it) waits for that answer instead of computing it again.
    computing: Mutex<()>,
}

impl<K: PartialEq, V> Kept<K, V> {
    /// Keeps up to `capacity` answers.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            kept: Mutex::new(Vec::new()),
            computing: Mutex::new(()),
        }
    }

    /// The answer kept for `key` at `stamp`, if any.
    pub(crate) fn get(&self, key: &K, stamp: Stamp) -> Option<Arc<V>> {
        let mut kept = self.kept.lock().ok()?;
        let at = kept.iter().position(|(k, s, _)| k == key && *s == stamp)?;
        let entry = kept.remove(at);
        let value = Arc::clone(&entry.2);
        kept.insert(0, entry);
        Some(value)
    }

    /// Keeps `value` as the answer for `key` at `stamp`, dropping answers of other stamps and
    /// the least recently used beyond the capacity.
    pub(crate) fn put(&self, key: K, stamp: Stamp, value: Arc<V>) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        kept.retain(|(k, s, _)| *s == stamp && k != &key);
        kept.insert(0, (key, stamp, value));
        kept.truncate(self.capacity);
    }

    /// The answer for `key` as of the database's stamp now (`stamp()`, `None` while a write is
    /// under way): the kept one, else `compute`'s, kept for next time. Computations take turns,
    /// and one that waited looks again first. With no stamp it computes and keeps nothing.
    pub(crate) fn get_or_compute(
        &self,
        key: K,
        stamp: impl Fn() -> Result<Option<Stamp>>,
        compute: impl FnOnce() -> Result<V>,
    ) -> Result<Arc<V>> {
        if let Some(value) = stamp()?.and_then(|s| self.get(&key, s)) {
            return Ok(value);
        }
        let _turn = self.computing.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = stamp()?;
        if let Some(value) = stamp.and_then(|s| self.get(&key, s)) {
            return Ok(value);
        }
        let value = Arc::new(compute()?);
        if let Some(stamp) = stamp {
            self.put(key, stamp, Arc::clone(&value));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(writes: u64) -> Stamp {
        Stamp {
            writes,
            data_version: 1,
        }
    }

    fn rows(n: i64) -> Arc<Vec<GroupRow>> {
        Arc::new((0..n).map(|i| (i, i, 1, 0, false)).collect())
    }

    #[test]
    fn keeps_answers_until_the_stamp_moves_and_the_most_recently_used_few() {
        let kept: Kept<i64, Vec<GroupRow>> = Kept::new(ORDERS_KEPT);
        assert!(kept.get(&1, stamp(0)).is_none());
        kept.put(1, stamp(0), rows(1));
        assert_eq!(kept.get(&1, stamp(0)).unwrap().len(), 1);
        // Another stamp is another database: nothing kept answers it.
        assert!(kept.get(&1, stamp(1)).is_none());

        for key in 2..=ORDERS_KEPT as i64 {
            kept.put(key, stamp(0), rows(key));
        }
        assert!(kept.get(&1, stamp(0)).is_some()); // used: now the most recent
        kept.put(9, stamp(0), rows(9)); // one too many: the least recently used goes
        assert!(kept.get(&1, stamp(0)).is_some());
        assert!(kept.get(&9, stamp(0)).is_some());
        assert!(kept.get(&2, stamp(0)).is_none());

        // An answer at a newer stamp drops every older one.
        kept.put(1, stamp(1), rows(3));
        assert!(kept.get(&9, stamp(0)).is_none());
        assert_eq!(kept.get(&1, stamp(1)).unwrap().len(), 3);
    }

    #[test]
    fn computes_once_per_stamp_and_keeps_nothing_without_one() {
        let kept: Kept<(), u32> = Kept::new(1);
        let mut calls = 0;
        let mut ask = |s: Option<Stamp>| {
            *kept
                .get_or_compute(
                    (),
                    || Ok(s),
                    || {
                        calls += 1;
                        Ok(calls)
                    },
                )
                .unwrap()
        };
        assert_eq!(ask(Some(stamp(0))), 1);
        assert_eq!(ask(Some(stamp(0))), 1); // kept
        assert_eq!(ask(None), 2); // a write under way: computed, not kept
        assert_eq!(ask(Some(stamp(0))), 1); // still the stamp-0 answer
        assert_eq!(ask(Some(stamp(1))), 3);
    }

    #[test]
    fn an_ask_while_the_answer_is_computed_gets_that_answer() {
        let kept: Arc<Kept<(), u32>> = Arc::new(Kept::new(1));
        let (started, on_start) = std::sync::mpsc::channel();
        let (finish, on_finish) = std::sync::mpsc::channel::<()>();
        let first = {
            let kept = Arc::clone(&kept);
            std::thread::spawn(move || {
                kept.get_or_compute(
                    (),
                    || Ok(Some(stamp(0))),
                    || {
                        started.send(()).unwrap();
                        on_finish.recv().unwrap();
                        Ok(1)
                    },
                )
                .map(|v| *v)
            })
        };
        on_start.recv().unwrap();
        // The second ask looks (and finds nothing kept) before the first answer is done.
        let (looked, on_look) = std::sync::mpsc::channel();
        let second = {
            let kept = Arc::clone(&kept);
            std::thread::spawn(move || {
                let stamp = || {
                    let _ = looked.send(());
                    Ok(Some(stamp(0)))
                };
                kept.get_or_compute((), stamp, || Ok(2)).map(|v| *v)
            })
        };
        on_look.recv().unwrap();
        finish.send(()).unwrap();
        assert_eq!(first.join().unwrap().unwrap(), 1);
        assert_eq!(second.join().unwrap().unwrap(), 1);
    }
}
