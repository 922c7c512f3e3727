//! The conversation list's order, kept between pages. Grouping every live message into threads
//! and sorting them is what a conversation page costs (65 ms at 100,000 messages, measured
//! through the desktop), and a list that pages through the vault 100 rows at a time asked for
//! that same grouping again for every page. The grouped order is kept for the last few filters,
//! tagged with the database's [`Stamp`]; a page is then a slice of it, and any write, here or
//! by another process, makes the next page group afresh. It holds no content: thread ids,
//! dates, counts and flags (32 bytes a thread).

use std::sync::{Arc, Mutex};

use crate::conversations::ConversationFilter;

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
/// filter, as of a stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderKey {
    pub(crate) tenant: i64,
    pub(crate) inboxes: String,
    pub(crate) filter: ConversationFilter,
    pub(crate) stamp: Stamp,
}

/// Orders kept at once: the whole list, an inbox and a label view switch back and forth.
const KEPT: usize = 3;

/// The last [`KEPT`] orders, most recently used first.
#[derive(Debug, Default)]
pub(crate) struct ThreadOrders {
    kept: Mutex<Vec<(OrderKey, Arc<Vec<GroupRow>>)>>,
}

impl ThreadOrders {
    /// The order kept for `key`, if its stamp is still current.
    pub(crate) fn get(&self, key: &OrderKey) -> Option<Arc<Vec<GroupRow>>> {
        let mut kept = self.kept.lock().ok()?;
        let at = kept.iter().position(|(k, _)| k == key)?;
        let entry = kept.remove(at);
        let rows = Arc::clone(&entry.1);
        kept.insert(0, entry);
        Some(rows)
    }

    /// Keeps `rows` as the order for `key`, dropping orders of older stamps and the least
    /// recently used beyond [`KEPT`].
    pub(crate) fn put(&self, key: OrderKey, rows: Arc<Vec<GroupRow>>) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        kept.retain(|(k, _)| k.stamp == key.stamp && k != &key);
        kept.insert(0, (key, rows));
        kept.truncate(KEPT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(inbox: i64, writes: u64) -> OrderKey {
        OrderKey {
            tenant: 1,
            inboxes: "(1,2)".into(),
            filter: ConversationFilter {
                inbox: Some(inbox),
                label: None,
            },
            stamp: Stamp {
                writes,
                data_version: 1,
            },
        }
    }

    fn rows(n: i64) -> Arc<Vec<GroupRow>> {
        Arc::new((0..n).map(|i| (i, i, 1, 0, false)).collect())
    }

    #[test]
    fn keeps_orders_until_the_stamp_moves_and_the_most_recently_used_few() {
        let orders = ThreadOrders::default();
        assert!(orders.get(&key(1, 0)).is_none());
        orders.put(key(1, 0), rows(1));
        assert_eq!(orders.get(&key(1, 0)).unwrap().len(), 1);
        // Another stamp is another database: nothing kept answers it.
        assert!(orders.get(&key(1, 1)).is_none());

        for inbox in 2..=KEPT as i64 {
            orders.put(key(inbox, 0), rows(inbox));
        }
        assert!(orders.get(&key(1, 0)).is_some()); // used: now the most recent
        orders.put(key(9, 0), rows(9)); // one too many: the least recently used goes
        assert!(orders.get(&key(1, 0)).is_some());
        assert!(orders.get(&key(9, 0)).is_some());
        assert!(orders.get(&key(2, 0)).is_none());

        // An order of a newer stamp drops every older one.
        orders.put(key(1, 1), rows(3));
        assert!(orders.get(&key(9, 0)).is_none());
        assert_eq!(orders.get(&key(1, 1)).unwrap().len(), 3);
    }
}
