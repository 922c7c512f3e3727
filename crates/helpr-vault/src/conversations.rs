//! Conversations: what the desktop's list pages through (threads newest first, one row each,
//! with counts), the messages of one thread in order, and the per-inbox and per-label counts the
//! sidebar shows. Only live messages count; a thread whose messages are all deleted is not listed.
//!
//! Grouping reads the narrow covering index `messages_threads` (schema v11), never the sealed
//! columns, and is kept between pages until the database changes (`stamped`); only the
//! newest message of each listed thread is decrypted, and only for the page.

use std::collections::HashMap;
use std::sync::Arc;

use helpr_crypto::RecordRef;
use rusqlite::params;

use crate::error::Result;
use crate::messages::StoredSummary;
use crate::scope::id_list_sql;
use crate::stamped::{GroupRow, OrderKey};
use crate::{Scope, Vault};

/// Which conversations a page lists: all in scope, or one inbox's, or those with a message
/// carrying one label. An inbox or label outside the scope lists nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    pub inbox: Option<i64>,
    pub label: Option<i64>,
}

/// One row of the conversation list, decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConversation {
    pub thread_id: i64,
    /// Seconds since the Unix epoch: the newest live message's date.
    pub last_date: i64,
    pub message_count: u32,
    pub unread_count: u32,
    pub has_attachments: bool,
    /// The newest live message (sender, subject and snippet of the row).
    pub latest: StoredSummary,
    /// The labels on any of the thread's live messages, sorted.
    pub labels: Vec<String>,
}

/// One page of conversations and how many the filter matches in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationPage {
    pub total: u64,
    pub conversations: Vec<StoredConversation>,
}

/// An inbox's counts: conversations and unread conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InboxCounts {
    pub inbox_id: i64,
    pub conversations: u64,
    pub unread: u64,
}

/// A label of an inbox, decrypted, with its conversation counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelCounts {
    pub label_id: i64,
    pub inbox_id: i64,
    pub name: String,
    pub conversations: u64,
    pub unread: u64,
}

/// The `WHERE` of every conversation query: live messages in scope, narrowed by `filter`.
/// Ids are integers, inlined; `?1` is the tenant.
fn filter_sql(scope: &Scope, filter: ConversationFilter) -> String {
    let mut sql = format!(
        "tenant_id = ?1 AND inbox_id IN {} AND deleted_at IS NULL",
        scope.inbox_sql()
    );
    if let Some(inbox) = filter.inbox {
        sql.push_str(&format!(" AND inbox_id = {inbox}"));
    }
    if let Some(label) = filter.label {
        sql.push_str(&format!(
            " AND thread_id IN (SELECT m.thread_id FROM message_labels ml
               JOIN messages m ON m.id = ml.message_id
               WHERE ml.label_id = {label} AND m.deleted_at IS NULL)"
        ));
    }
    sql
}

impl Vault {
    /// One page of conversations, newest first (ties by thread id, newest first), with the
    /// total the filter matches.
    pub fn conversations(
        &self,
        scope: &Scope,
        filter: ConversationFilter,
        limit: u32,
        offset: u32,
    ) -> Result<ConversationPage> {
        let order = self.thread_order(scope, filter)?;
        let groups: Vec<GroupRow> = order
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .copied()
            .collect();
        let threads: Vec<i64> = groups.iter().map(|g| g.0).collect();
        let newest = self.read(|c| {
            // The newest live message of each thread on the page (ties: the higher id).
            let mut stmt = c.prepare(&format!(
                "SELECT thread_id, id FROM messages INDEXED BY messages_threads
                 WHERE thread_id IN {} AND tenant_id = ?1 AND inbox_id IN {}
                   AND deleted_at IS NULL
                 ORDER BY thread_id, date, id",
                id_list_sql(&threads),
                scope.inbox_sql()
            ))?;
            let mut newest: HashMap<i64, i64> = HashMap::new();
            for row in stmt.query_map([scope.tenant], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (thread, id): (i64, i64) = row?;
                newest.insert(thread, id);
            }
            Ok(newest)
        })?;
        let ids: Vec<i64> = groups
            .iter()
            .filter_map(|g| newest.get(&g.0))
            .copied()
            .collect();
        let mut latest: HashMap<i64, StoredSummary> = self
            .summaries(scope, &ids)?
            .into_iter()
            .map(|s| (s.thread_id, s))
            .collect();
        let mut labels = self.thread_labels(scope, &threads)?;
        let conversations = groups
            .into_iter()
            .filter_map(|(thread_id, last_date, count, unread, attachments)| {
                Some(StoredConversation {
                    thread_id,
                    last_date,
                    message_count: count,
                    unread_count: unread,
                    has_attachments: attachments,
                    latest: latest.remove(&thread_id)?,
                    labels: labels.remove(&thread_id).unwrap_or_default(),
                })
            })
            .collect();
        Ok(ConversationPage {
            total: order.len() as u64,
            conversations,
        })
    }

    /// Every thread `filter` lists, newest first (ties by thread id, newest first): kept from
    /// an earlier page while the database has not changed ([`crate::stamped`]), else grouped
    /// from the index.
    fn thread_order(
        &self,
        scope: &Scope,
        filter: ConversationFilter,
    ) -> Result<Arc<Vec<GroupRow>>> {
        let key = OrderKey {
            tenant: scope.tenant,
            inboxes: scope.inbox_sql(),
            filter,
        };
        self.thread_orders.get_or_compute(
            key,
            || self.change_stamp(),
            || {
                let filter_sql = filter_sql(scope, filter);
                self.read(|c| {
                    let mut stmt = c.prepare(&format!(
                        "SELECT thread_id, MAX(date) AS last, count(*), SUM(unread),
                                MAX(has_attachments)
                         FROM messages INDEXED BY messages_threads WHERE {filter_sql}
                         GROUP BY thread_id ORDER BY last DESC, thread_id DESC"
                    ))?;
                    let rows = stmt.query_map([scope.tenant], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })?;
                    Ok(rows.collect::<rusqlite::Result<_>>()?)
                })
            },
        )
    }

    /// Groups the list of `filter` now, so that its first page is a slice: what an app calls
    /// while its window starts, for the list it opens on.
    pub fn prepare_conversations(&self, scope: &Scope, filter: ConversationFilter) -> Result<()> {
        self.thread_order(scope, filter).map(drop)
    }

    /// The ids of thread `thread_id`'s live messages in scope, oldest first. Empty when the
    /// thread is unknown, out of scope or wholly deleted.
    pub fn thread_message_ids(&self, scope: &Scope, thread_id: i64) -> Result<Vec<i64>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT id FROM messages INDEXED BY messages_threads
                 WHERE thread_id = ?2 AND tenant_id = ?1 AND inbox_id IN {}
                   AND deleted_at IS NULL
                 ORDER BY date, id",
                scope.inbox_sql()
            ))?;
            let ids = stmt.query_map(params![scope.tenant, thread_id], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Conversation and unread-conversation counts of every inbox in scope (zeros included);
    /// kept until the database changes ([`crate::stamped`]).
    pub fn inbox_counts(&self, scope: &Scope) -> Result<Vec<InboxCounts>> {
        let key = (scope.tenant, scope.inbox_sql());
        let counts = self.inbox_counts.get_or_compute(
            key,
            || self.change_stamp(),
            || self.count_inboxes(scope),
        )?;
        Ok(counts.as_ref().clone())
    }

    fn count_inboxes(&self, scope: &Scope) -> Result<Vec<InboxCounts>> {
        let found: HashMap<i64, InboxCounts> = self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT inbox_id, count(DISTINCT thread_id),
                        count(DISTINCT thread_id) FILTER (WHERE unread = 1)
                 FROM messages INDEXED BY messages_threads
                 WHERE tenant_id = ?1 AND inbox_id IN {} AND deleted_at IS NULL
                 GROUP BY inbox_id",
                scope.inbox_sql()
            ))?;
            let rows = stmt.query_map([scope.tenant], |r| {
                Ok(InboxCounts {
                    inbox_id: r.get(0)?,
                    conversations: r.get::<_, i64>(1)? as u64,
                    unread: r.get::<_, i64>(2)? as u64,
                })
            })?;
            rows.map(|r| r.map(|c| (c.inbox_id, c)))
                .collect::<rusqlite::Result<_>>()
                .map_err(Into::into)
        })?;
        Ok(scope
            .inboxes
            .iter()
            .map(|&inbox_id| {
                found.get(&inbox_id).copied().unwrap_or(InboxCounts {
                    inbox_id,
                    ..Default::default()
                })
            })
            .collect())
    }

    /// Every label of the inboxes in scope, decrypted, with conversation counts; sorted by
    /// inbox, then name. Kept until the database changes ([`crate::stamped`]).
    pub fn label_counts(&self, scope: &Scope) -> Result<Vec<LabelCounts>> {
        let key = (scope.tenant, scope.inbox_sql());
        let counts = self.label_counts.get_or_compute(
            key,
            || self.change_stamp(),
            || self.count_labels(scope),
        )?;
        Ok(counts.as_ref().clone())
    }

    fn count_labels(&self, scope: &Scope) -> Result<Vec<LabelCounts>> {
        type Row = (i64, i64, Vec<u8>, i64, i64);
        let rows: Vec<Row> = self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT l.id, l.inbox_id, l.name, count(DISTINCT m.thread_id),
                        count(DISTINCT m.thread_id) FILTER (WHERE m.unread = 1)
                 FROM labels l
                 LEFT JOIN message_labels ml ON ml.label_id = l.id
                 LEFT JOIN messages m ON m.id = ml.message_id AND m.deleted_at IS NULL
                 WHERE l.tenant_id = ?1 AND l.inbox_id IN {}
                 GROUP BY l.id",
                scope.inbox_sql()
            ))?;
            let rows = stmt.query_map([scope.tenant], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        let mut labels = rows
            .into_iter()
            .map(|(label_id, inbox_id, name, conversations, unread)| {
                Ok(LabelCounts {
                    label_id,
                    inbox_id,
                    name: self.keys().open_string(
                        scope.tenant,
                        RecordRef::new("label", label_id, "name"),
                        &name,
                    )?,
                    conversations: conversations as u64,
                    unread: unread as u64,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        labels.sort_by(|a, b| (a.inbox_id, &a.name).cmp(&(b.inbox_id, &b.name)));
        Ok(labels)
    }

    /// The sorted label names on the live messages of each of `threads`.
    fn thread_labels(&self, scope: &Scope, threads: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
        if threads.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, i64, Vec<u8>)> = self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT DISTINCT m.thread_id, l.id, l.name FROM messages m
                 JOIN message_labels ml ON ml.message_id = m.id
                 JOIN labels l ON l.id = ml.label_id
                 WHERE m.thread_id IN {} AND m.tenant_id = ?1 AND m.inbox_id IN {}
                   AND m.deleted_at IS NULL",
                id_list_sql(threads),
                scope.inbox_sql()
            ))?;
            let rows = stmt.query_map([scope.tenant], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        for (thread, label, sealed) in rows {
            let name = match names.get(&label) {
                Some(name) => name.clone(),
                None => {
                    let name = self.keys().open_string(
                        scope.tenant,
                        RecordRef::new("label", label, "name"),
                        &sealed,
                    )?;
                    names.insert(label, name.clone());
                    name
                }
            };
            out.entry(thread).or_default().push(name);
        }
        for names in out.values_mut() {
            names.sort();
        }
        Ok(out)
    }
}
