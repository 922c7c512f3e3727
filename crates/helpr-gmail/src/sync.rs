//! The sync engine (DESIGN §6): full sync (messages.list + messages.get `format=raw`), then
//! incremental sync (history.list from the stored historyId; 404 → full resync).
//!
//! The engine fetches; the [`SyncStore`] (helpr-core: pipeline, vault, index) stores. Each
//! [`Batch`] is applied by the store in one vault transaction together with its checkpoint, so
//! a crash at any point loses nothing (what was not applied is fetched again) and duplicates
//! nothing (the store keys messages by Gmail id).
//!
//! - **Full sync** records the mailbox's historyId *before* listing (persisted, so a resumed
//!   full sync keeps it), lists every id, fetches the ones the store lacks with bounded
//!   concurrency through the quota limiter, and applies them in batches without a checkpoint.
//!   Only when every message is in does the last batch carry the historyId. A message that
//!   could not be fetched leaves the full sync unfinished (it resumes next run) and is counted,
//!   never skipped silently. A resync after a 404 also refreshes the labels of messages the
//!   store already has and removes those Gmail no longer lists.
//! - **Incremental sync** walks history pages. Per page: messages added (fetched unless
//!   known), deleted, and label changes in order; a page's batch checkpoints at its last record
//!   (the last page at the response's historyId).

use crate::api::types::{History, Message};
use crate::api::{ApiError, GmailApi};
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

/// Messages fetched at once (the quota, not this, sets the pace).
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Messages per store transaction during a full sync: about half a second of fetching at
/// Gmail's quota, so a stopped sync keeps nearly all it fetched.
const FULL_BATCH: usize = 25;

/// A message as fetched: ids, labels (Gmail ids mapped to names; `UNREAD` kept) and bytes.
#[derive(Clone)]
pub struct FetchedMessage {
    pub gmail_id: String,
    pub thread_id: String,
    pub labels: Vec<String>,
    /// When Gmail accepted it (epoch ms).
    pub internal_date_ms: Option<u64>,
    pub raw: Vec<u8>,
}

impl std::fmt::Debug for FetchedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchedMessage")
            .field("gmail_id", &self.gmail_id)
            .field("bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

/// Labels to add to and remove from a stored message, in history order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelDelta {
    pub gmail_id: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    /// The whole label set instead of a delta (a resync's `format=minimal`).
    pub replace: bool,
}

/// What one store transaction applies.
#[derive(Debug, Default)]
pub struct Batch {
    pub added: Vec<FetchedMessage>,
    pub labels: Vec<LabelDelta>,
    pub deleted: Vec<String>,
    /// The historyId to store with this batch (`None` mid-way through a full sync).
    pub checkpoint: Option<u64>,
}

/// Where the store says sync stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The last historyId applied; `None` before the first full sync completes.
    pub history_id: Option<u64>,
    /// The historyId a started, unfinished full sync is working from.
    pub full_sync_from: Option<u64>,
}

/// What the store did with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub added: u64,
    pub updated: u64,
    pub deleted: u64,
    /// Messages the pipeline could not parse (kept out, counted, reported).
    pub rejected: u64,
}

/// Progress of the phase under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Listing,
    FullSync,
    Incremental,
}

/// A store failure, log-safe.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

/// The store's side of sync (helpr-core implements it over the vault and index).
pub trait SyncStore: Send + Sync + 'static {
    fn cursor(&self) -> Result<Cursor, StoreError>;
    /// Persist the historyId a full sync starts from (and drop the stored cursor).
    fn begin_full_sync(&self, from: u64) -> Result<(), StoreError>;
    /// Every Gmail id stored.
    fn known_ids(&self) -> Result<HashSet<String>, StoreError>;
    /// Applies `batch` and its checkpoint in one transaction.
    fn apply(&self, batch: Batch) -> Result<Applied, StoreError>;
    fn progress(&self, progress: Progress);
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("storing synced mail failed: {0}")]
    Store(#[from] StoreError),
    #[error("{failed} message(s) could not be fetched ({last}); the sync resumes on the next run")]
    Incomplete { failed: u64, last: String },
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Api(e) => e.code(),
            SyncError::Store(_) => "storage",
            SyncError::Incomplete { .. } => "sync_incomplete",
        }
    }
}

/// Which sync ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Full,
    Resync,
    Incremental,
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub mode: Mode,
    pub added: u64,
    pub updated: u64,
    pub deleted: u64,
    pub rejected: u64,
    pub history_id: u64,
}

impl Summary {
    fn new(mode: Mode) -> Self {
        Self {
            mode,
            added: 0,
            updated: 0,
            deleted: 0,
            rejected: 0,
            history_id: 0,
        }
    }

    fn count(&mut self, a: Applied) {
        self.added += a.added;
        self.updated += a.updated;
        self.deleted += a.deleted;
        self.rejected += a.rejected;
    }
}

/// One account's sync.
pub struct SyncEngine {
    api: GmailApi,
    store: Arc<dyn SyncStore>,
    concurrency: usize,
    /// Gmail label id → name (system ids are their own names).
    label_names: HashMap<String, String>,
}

impl SyncEngine {
    pub fn new(api: GmailApi, store: Arc<dyn SyncStore>) -> Self {
        Self {
            api,
            store,
            concurrency: DEFAULT_CONCURRENCY,
            label_names: HashMap::new(),
        }
    }

    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    pub fn api(&self) -> &GmailApi {
        &self.api
    }

    /// One sync: full if none has completed, else incremental (a 404 turns it into a resync).
    pub async fn run(&mut self) -> Result<Summary, SyncError> {
        self.load_labels().await?;
        let cursor = self.store.cursor()?;
        match cursor.history_id {
            None => {
                let full = self.full(Mode::Full, cursor.full_sync_from).await?;
                let inc = self.incremental(full.history_id).await?;
                Ok(merge(full, inc))
            }
            Some(h) => match self.incremental(h).await {
                Err(SyncError::Api(ApiError::NotFound { op: "history.list" })) => {
                    tracing::info!("history too old: full resync");
                    let full = self.full(Mode::Resync, None).await?;
                    let inc = self.incremental(full.history_id).await?;
                    Ok(merge(full, inc))
                }
                other => other,
            },
        }
    }

    async fn load_labels(&mut self) -> Result<(), SyncError> {
        let list = self.api.labels().await?;
        self.label_names = list
            .labels
            .into_iter()
            .map(|l| (l.id.clone(), l.stored_name().to_owned()))
            .collect();
        Ok(())
    }

    fn names(&self, ids: &[String]) -> Vec<String> {
        ids.iter()
            .map(|id| {
                self.label_names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| id.clone())
            })
            .collect()
    }

    async fn full(&self, mode: Mode, resume_from: Option<u64>) -> Result<Summary, SyncError> {
        let from = match resume_from {
            Some(h) if mode == Mode::Full => h,
            _ => {
                let h = self.api.profile().await?.history_id.0;
                let store = self.store.clone();
                blocking(move || store.begin_full_sync(h)).await?;
                h
            }
        };
        let mut listed: Vec<String> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self.api.list_messages(token.as_deref()).await?;
            listed.extend(page.messages.into_iter().map(|m| m.id));
            self.store.progress(Progress {
                phase: Phase::Listing,
                done: listed.len() as u64,
                total: page.result_size_estimate.max(listed.len() as u64),
            });
            match page.next_page_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let store = self.store.clone();
        let known = blocking(move || store.known_ids()).await?;
        let mut summary = Summary::new(mode);
        let listed_set: HashSet<&String> = listed.iter().collect();
        let mut first = Batch::default();
        if mode == Mode::Resync {
            // Gone from Gmail while the history was lost.
            first.deleted = known
                .iter()
                .filter(|id| !listed_set.contains(id))
                .cloned()
                .collect();
        }
        // Oldest first, so a partial sync holds the older mail and the list grows forward.
        let fetch: Vec<String> = listed
            .iter()
            .rev()
            .filter(|id| !known.contains(*id))
            .cloned()
            .collect();
        let refresh: Vec<String> = if mode == Mode::Resync {
            listed
                .iter()
                .filter(|id| known.contains(*id))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let total = (fetch.len() + refresh.len()) as u64;
        let mut done = 0u64;
        self.store.progress(Progress {
            phase: Phase::FullSync,
            done,
            total,
        });
        if !first.deleted.is_empty() {
            summary.count(self.apply(first).await?);
        }
        let mut failed = 0u64;
        let mut last_failure = String::new();
        for (ids, raw) in [(refresh, false), (fetch, true)] {
            let mut rx = self.fetch_all(ids, raw);
            let mut batch = Batch::default();
            while let Some((id, result)) = rx.recv().await {
                match result {
                    Ok(m) if raw => batch.added.push(self.fetched(m)?),
                    Ok(m) => batch.labels.push(LabelDelta {
                        gmail_id: m.id,
                        add: self.names(&m.label_ids),
                        remove: Vec::new(),
                        replace: true,
                    }),
                    Err(ApiError::NotFound { .. }) => batch.deleted.push(id),
                    Err(e) if is_fatal(&e) => return Err(e.into()),
                    Err(e) => {
                        failed += 1;
                        last_failure = e.to_string();
                        tracing::warn!(code = e.code(), "message not fetched: {e}");
                    }
                }
                done += 1;
                if batch.added.len() + batch.labels.len() + batch.deleted.len() >= FULL_BATCH {
                    summary.count(self.apply(std::mem::take(&mut batch)).await?);
                    self.store.progress(Progress {
                        phase: Phase::FullSync,
                        done,
                        total,
                    });
                }
            }
            summary.count(self.apply(batch).await?);
        }
        self.store.progress(Progress {
            phase: Phase::FullSync,
            done,
            total,
        });
        if failed > 0 {
            return Err(SyncError::Incomplete {
                failed,
                last: last_failure,
            });
        }
        summary.count(
            self.apply(Batch {
                checkpoint: Some(from),
                ..Batch::default()
            })
            .await?,
        );
        summary.history_id = from;
        Ok(summary)
    }

    async fn incremental(&self, start: u64) -> Result<Summary, SyncError> {
        let mut summary = Summary::new(Mode::Incremental);
        summary.history_id = start;
        let mut token: Option<String> = None;
        let mut done = 0u64;
        loop {
            let page = self.api.history(start, token.as_deref()).await?;
            let last_page = page.next_page_token.is_none();
            let checkpoint = if last_page {
                page.history_id.0.max(start)
            } else {
                page.history.iter().map(|h| h.id.0).max().unwrap_or(start)
            };
            let mut batch = self.page_batch(&page.history).await?;
            done += page.history.len() as u64;
            batch.checkpoint = Some(checkpoint);
            summary.count(self.apply(batch).await?);
            summary.history_id = checkpoint;
            if done > 0 {
                self.store.progress(Progress {
                    phase: Phase::Incremental,
                    done,
                    total: done,
                });
            }
            match page.next_page_token {
                Some(t) => token = Some(t),
                None => return Ok(summary),
            }
        }
    }

    /// One history page as a batch: adds fetched (unless known), deletes, label deltas in
    /// order (except for messages fetched now, whose labels are already current).
    async fn page_batch(&self, records: &[History]) -> Result<Batch, SyncError> {
        let mut added: Vec<String> = Vec::new();
        let mut deleted: HashSet<String> = HashSet::new();
        let mut deltas: Vec<LabelDelta> = Vec::new();
        for h in records {
            for a in &h.messages_added {
                added.push(a.message.id.clone());
            }
            for d in &h.messages_deleted {
                deleted.insert(d.message.id.clone());
            }
            for c in &h.labels_added {
                deltas.push(LabelDelta {
                    gmail_id: c.message.id.clone(),
                    add: self.names(&c.label_ids),
                    remove: Vec::new(),
                    replace: false,
                });
            }
            for c in &h.labels_removed {
                deltas.push(LabelDelta {
                    gmail_id: c.message.id.clone(),
                    add: Vec::new(),
                    remove: self.names(&c.label_ids),
                    replace: false,
                });
            }
        }
        let store = self.store.clone();
        let known = if added.is_empty() {
            HashSet::new()
        } else {
            blocking(move || store.known_ids()).await?
        };
        let mut seen = HashSet::new();
        let fetch: Vec<String> = added
            .into_iter()
            .filter(|id| !deleted.contains(id) && !known.contains(id) && seen.insert(id.clone()))
            .collect();
        let mut batch = Batch::default();
        let mut fetched: HashSet<String> = HashSet::new();
        let mut rx = self.fetch_all(fetch, true);
        let mut failed = 0u64;
        let mut last = String::new();
        while let Some((id, result)) = rx.recv().await {
            match result {
                Ok(m) => {
                    fetched.insert(m.id.clone());
                    batch.added.push(self.fetched(m)?);
                }
                Err(ApiError::NotFound { .. }) => {
                    deleted.insert(id);
                }
                Err(e) if is_fatal(&e) => return Err(e.into()),
                Err(e) => {
                    failed += 1;
                    last = e.to_string();
                }
            }
        }
        if failed > 0 {
            // Nothing of this page is applied: the checkpoint must not pass a message we lack.
            return Err(SyncError::Incomplete { failed, last });
        }
        batch.labels = deltas
            .into_iter()
            .filter(|d| !fetched.contains(&d.gmail_id) && !deleted.contains(&d.gmail_id))
            .collect();
        batch.deleted = deleted.into_iter().collect();
        batch.deleted.sort();
        Ok(batch)
    }

    fn fetched(&self, m: Message) -> Result<FetchedMessage, SyncError> {
        let raw = m.raw.as_deref().unwrap_or_default();
        let bytes = URL_SAFE_NO_PAD
            .decode(raw.trim_end_matches('='))
            .or_else(|_| URL_SAFE.decode(raw))
            .map_err(|_| ApiError::BadResponse { op: "messages.get" })?;
        Ok(FetchedMessage {
            labels: self.names(&m.label_ids),
            gmail_id: m.id,
            thread_id: m.thread_id,
            internal_date_ms: m.internal_date.map(|d| d.0),
            raw: bytes,
        })
    }

    /// Fetches `ids` (raw or minimal) with bounded concurrency; results arrive as they
    /// complete, so the store works while requests are in flight.
    fn fetch_all(
        &self,
        ids: Vec<String>,
        raw: bool,
    ) -> mpsc::Receiver<(String, Result<Message, ApiError>)> {
        let (tx, rx) = mpsc::channel(self.concurrency * 4);
        let api = self.api.clone();
        let limit = Arc::new(Semaphore::new(self.concurrency));
        tokio::spawn(async move {
            for id in ids {
                let Ok(permit) = limit.clone().acquire_owned().await else {
                    return;
                };
                let (api, tx) = (api.clone(), tx.clone());
                tokio::spawn(async move {
                    let result = if raw {
                        api.get_raw(&id).await
                    } else {
                        api.get_minimal(&id).await
                    };
                    drop(permit);
                    let _ = tx.send((id, result)).await;
                });
            }
        });
        rx
    }

    async fn apply(&self, batch: Batch) -> Result<Applied, SyncError> {
        if batch.added.is_empty()
            && batch.labels.is_empty()
            && batch.deleted.is_empty()
            && batch.checkpoint.is_none()
        {
            return Ok(Applied::default());
        }
        let store = self.store.clone();
        Ok(blocking(move || store.apply(batch)).await?)
    }
}

/// Errors that end the whole run (no other message would fare better).
fn is_fatal(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Unauthorized { .. } | ApiError::ReconnectNeeded | ApiError::Token(_)
    )
}

fn merge(full: Summary, inc: Summary) -> Summary {
    Summary {
        mode: full.mode,
        added: full.added + inc.added,
        updated: full.updated + inc.updated,
        deleted: full.deleted + inc.deleted,
        rejected: full.rejected + inc.rejected,
        history_id: inc.history_id.max(full.history_id),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError(format!("store task failed: {e}")))?
}

/// Groups deltas per message, keeping their order (for stores that apply them per message).
pub fn deltas_by_message(deltas: &[LabelDelta]) -> BTreeMap<&str, Vec<&LabelDelta>> {
    let mut map: BTreeMap<&str, Vec<&LabelDelta>> = BTreeMap::new();
    for d in deltas {
        map.entry(d.gmail_id.as_str()).or_default().push(d);
    }
    map
}
