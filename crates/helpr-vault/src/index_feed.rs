//! What the search indexer reads from the vault, and the index outbox (`index_queue`, schema v3).
//!
//! The index is derived data: helpr-core writes the vault first, then the index. Every vault
//! change that affects search queues the message id in the same write transaction
//! ([`enqueue`]: insert, delete); core removes ids with [`Vault::index_done`] after the index has
//! committed. A crash in between leaves the ids queued and the next start replays them, which is
//! idempotent (core deletes the document by id and re-adds it if the message is still live). The
//! queue has no foreign key: the id of a deleted message stays queued until its document is gone.
//!
//! The queue holds ids, not versions: an id queued again while core is indexing it is removed by
//! the `index_done` that follows. Core must therefore not change a message between reading its
//! [`IndexSource`] and calling `index_done` for it (serialize vault writes with indexing).
//!
//! These reads are internal to indexing and are **not** scoped by a [`crate::Scope`]: they cover
//! every tenant, and each [`IndexSource`] carries its tenant and inbox so the index filters by
//! them at query time. Never hand them to a front end. An `IndexSource` holds decrypted content
//! in memory only; its `Debug` prints ids, never content.

use std::collections::HashMap;
use std::fmt;

use helpr_crypto::RecordRef;
use rusqlite::{Connection, Transaction};

use crate::error::Result;
use crate::scope::id_list_sql;
use crate::Vault;

/// Ids per query: inlined `IN (…)` lists stay short, sealed rows in memory stay bounded.
const BATCH: usize = 500;

/// One live message as the indexer needs it, decrypted.
pub struct IndexSource {
    pub id: i64,
    pub tenant_id: i64,
    pub inbox_id: i64,
    pub thread_id: i64,
    pub date: i64,
    pub unread: bool,
    pub has_attachments: bool,
    /// The headers blob as stored (serialized by helpr-core), decrypted.
    pub headers: Vec<u8>,
    pub subject: String,
    pub body_text: String,
    /// In attachment order.
    pub attachment_names: Vec<String>,
    /// Sorted.
    pub labels: Vec<String>,
}

impl fmt::Debug for IndexSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexSource")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("inbox_id", &self.inbox_id)
            .field("thread_id", &self.thread_id)
            .finish_non_exhaustive()
    }
}

/// Queues `ids` for the index inside the caller's write transaction.
pub(crate) fn enqueue(tx: &Transaction<'_>, ids: &[i64]) -> Result<()> {
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO index_queue (message_id) VALUES (?1)")?;
    for id in ids {
        stmt.execute([id])?;
    }
    Ok(())
}

type MessageRow = (
    i64,
    i64,
    i64,
    i64,
    i64,
    bool,
    bool,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
);

/// `(message id, record id, sealed name)` of a label or an attachment.
type NameRow = (i64, i64, Vec<u8>);

/// The sealed rows of one batch, read in one snapshot.
struct SealedBatch {
    messages: Vec<MessageRow>,
    labels: Vec<NameRow>,
    attachments: Vec<NameRow>,
}

fn rows<T>(
    c: &Connection,
    sql: &str,
    f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = c.prepare(sql)?;
    let rows = stmt.query_map([], f)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Live messages matching `filter` (SQL over `messages` with integers inlined), ascending by id,
/// at most `limit`, with their labels and attachment names.
fn read_batch(c: &Connection, filter: &str, limit: Option<u32>) -> Result<SealedBatch> {
    // One read transaction: the three queries see the same snapshot.
    let tx = c.unchecked_transaction()?;
    let limit = limit.map(|l| format!(" LIMIT {l}")).unwrap_or_default();
    let messages = rows(
        &tx,
        &format!(
            "SELECT id, tenant_id, inbox_id, thread_id, date, unread, has_attachments,
                headers, subject, body_text
             FROM messages WHERE {filter} AND deleted_at IS NULL ORDER BY id{limit}"
        ),
        |r| MessageRow::try_from(r),
    )?;
    let ids: Vec<i64> = messages.iter().map(|m| m.0).collect();
    let (mut labels, mut attachments) = (Vec::new(), Vec::new());
    for chunk in ids.chunks(BATCH) {
        let list = id_list_sql(chunk);
        labels.extend(rows(
            &tx,
            &format!(
                "SELECT ml.message_id, l.id, l.name FROM message_labels ml
                 JOIN labels l ON l.id = ml.label_id JOIN messages m ON m.id = ml.message_id
                 WHERE ml.message_id IN {list} AND l.tenant_id = m.tenant_id"
            ),
            |r| NameRow::try_from(r),
        )?);
        attachments.extend(rows(
            &tx,
            &format!(
                "SELECT a.message_id, a.id, a.name FROM attachments a
                 JOIN messages m ON m.id = a.message_id
                 WHERE a.message_id IN {list} AND a.tenant_id = m.tenant_id AND a.original = 0
                 ORDER BY a.message_id, a.position"
            ),
            |r| NameRow::try_from(r),
        )?);
    }
    Ok(SealedBatch {
        messages,
        labels,
        attachments,
    })
}

impl Vault {
    fn open_batch(&self, batch: SealedBatch) -> Result<Vec<IndexSource>> {
        let keys = self.keys();
        let tenant_of: HashMap<i64, i64> = batch.messages.iter().map(|m| (m.0, m.1)).collect();
        // A label is shared by many messages: open each name once.
        let mut label_names: HashMap<i64, String> = HashMap::new();
        let mut labels: HashMap<i64, Vec<String>> = HashMap::new();
        for (message, label, sealed) in batch.labels {
            let name = match label_names.get(&label) {
                Some(name) => name.clone(),
                None => {
                    let rec = RecordRef::new("label", label, "name");
                    let name = keys.open_string(tenant_of[&message], rec, &sealed)?;
                    label_names.insert(label, name.clone());
                    name
                }
            };
            labels.entry(message).or_default().push(name);
        }
        let mut attachment_names: HashMap<i64, Vec<String>> = HashMap::new();
        for (message, attachment, sealed) in batch.attachments {
            let rec = RecordRef::new("attachment", attachment, "name");
            let name = keys.open_string(tenant_of[&message], rec, &sealed)?;
            attachment_names.entry(message).or_default().push(name);
        }
        batch
            .messages
            .into_iter()
            .map(|row| {
                let (id, tenant_id, inbox_id, thread_id, date, unread, has_attachments, h, s, b) =
                    row;
                let rec = |field| RecordRef::new("message", id, field);
                let mut labels = labels.remove(&id).unwrap_or_default();
                labels.sort();
                Ok(IndexSource {
                    id,
                    tenant_id,
                    inbox_id,
                    thread_id,
                    date,
                    unread,
                    has_attachments,
                    headers: keys.open(tenant_id, rec("headers"), &h)?.to_vec(),
                    subject: keys.open_string(tenant_id, rec("subject"), &s)?,
                    body_text: keys.open_string(tenant_id, rec("body_text"), &b)?,
                    attachment_names: attachment_names.remove(&id).unwrap_or_default(),
                    labels,
                })
            })
            .collect()
    }

    /// The live messages among `ids`, decrypted, ascending by id; unknown and deleted ids are
    /// absent. Not scoped (internal to indexing, see the module doc). Reads in batches of 500.
    pub fn index_sources(&self, ids: &[i64]) -> Result<Vec<IndexSource>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH) {
            let filter = format!("id IN {}", id_list_sql(chunk));
            let batch = self.read(|c| read_batch(c, &filter, None))?;
            out.extend(self.open_batch(batch)?);
        }
        Ok(out)
    }

    /// At most `limit` live messages with an id above `after_id`, ascending: a rebuild resumes
    /// from the last id it indexed. Not scoped (internal to indexing).
    pub fn index_sources_after(&self, after_id: i64, limit: u32) -> Result<Vec<IndexSource>> {
        let filter = format!("id > {after_id}");
        let batch = self.read(|c| read_batch(c, &filter, Some(limit)))?;
        self.open_batch(batch)
    }

    /// Every live message id, ascending (to reconcile the index with the vault). Not scoped.
    pub fn live_message_ids(&self) -> Result<Vec<i64>> {
        self.read(|c| {
            rows(
                c,
                "SELECT id FROM messages WHERE deleted_at IS NULL ORDER BY id",
                |r| r.get(0),
            )
        })
    }

    /// The highest message id this vault ever handed out (SQLite's AUTOINCREMENT counter; 0
    /// before the first message). Deleting never lowers it, so a search-index entry above it
    /// is a message the vault has lost (a damaged write-ahead log, a restored older vault), not
    /// one that was deleted.
    pub fn message_id_high_water(&self) -> Result<i64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'messages'",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Records `ids` as lost (see [`Vault::message_id_high_water`]) and makes new messages
    /// take ids above them, so none is given to a new message (the index keeps their entries
    /// as the evidence of the loss). Ids recorded before stay recorded.
    pub fn record_lost_messages(&self, ids: &[i64]) -> Result<()> {
        let Some(&last) = ids.iter().max() else {
            return Ok(());
        };
        let found_at = crate::now();
        self.write(|tx| {
            for id in ids {
                tx.execute(
                    "INSERT OR IGNORE INTO lost_messages (id, found_at) VALUES (?1, ?2)",
                    [*id, found_at],
                )?;
            }
            let updated = tx.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'messages'",
                [last],
            )?;
            if updated == 0 {
                tx.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ('messages', ?1)",
                    [last],
                )?;
            }
            Ok(())
        })
    }

    /// Every id ever recorded as lost, ascending.
    pub fn lost_message_ids(&self) -> Result<Vec<i64>> {
        self.read(|c| rows(c, "SELECT id FROM lost_messages ORDER BY id", |r| r.get(0)))
    }

    /// Up to `limit` queued ids, ascending.
    pub fn index_queue(&self, limit: u32) -> Result<Vec<i64>> {
        self.read(|c| {
            rows(
                c,
                &format!("SELECT message_id FROM index_queue ORDER BY message_id LIMIT {limit}"),
                |r| r.get(0),
            )
        })
    }

    /// How many ids are queued (checked on every open; the queue is normally empty).
    pub fn index_queue_len(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row("SELECT count(*) FROM index_queue", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
        })
    }

    /// Removes `ids` from the queue in one transaction, once the index has committed them.
    pub fn index_done(&self, ids: &[i64]) -> Result<()> {
        self.write(|tx| {
            for chunk in ids.chunks(BATCH) {
                crate::cached::execute(
                    tx,
                    &format!(
                        "DELETE FROM index_queue WHERE message_id IN {}",
                        id_list_sql(chunk)
                    ),
                    [],
                )?;
            }
            Ok(())
        })
    }

    /// Queues `ids` for the index (e.g. documents found missing or stale), in one transaction.
    pub fn enqueue_index(&self, ids: &[i64]) -> Result<()> {
        self.write(|tx| enqueue(tx, ids))
    }
}
