//! The import pipeline: sources (.eml, Maildir, mbox) → parse + sanitize on every core →
//! seal + store in batches (one transaction each) → the search index. Idempotent: a message
//! already in the inbox (same Message-ID, or same bytes when it has none) is counted as a
//! duplicate and not stored again. A message that parses nowhere far enough to be displayed is
//! kept (see [`crate::kept`]) and listed in the report with its id; a file that is not a message
//! at all, or cannot be read, is rejected with its reason. The batch goes on either way.
//!
//! Parsing batch k + 1 overlaps storing batch k (`rayon::join`), so the single vault writer
//! never leaves a core idle. Each batch is indexed after its vault commit, from the same parsed fields (no decryption);
//! the index commits every [`INDEX_COMMIT_EVERY`] messages and at the end, and only then are the
//! ids taken off the vault's index queue. If the index fails, the import still completes in the
//! vault, the report says why search lags, and the queue keeps the ids for the next start.

use std::path::PathBuf;
use std::sync::Arc;

use helpr_index::{MailDoc, MailIndex, MailWriter};
use helpr_mail::{looks_like_mail, parse, plan, ParsedMail, Plan, RawMessage, Rejection, Skipped};
use helpr_vault::{InsertOutcome, NewAttachment, NewMessage};
use rayon::prelude::*;
use serde::Serialize;

use crate::indexing::{mail_doc, DocFields, DocIds};
use crate::{blocking, CoreError, Helpr};

/// Imported messages between index commits.
pub const INDEX_COMMIT_EVERY: usize = 32768;

/// Messages parsed in parallel, then stored in one transaction.
const BATCH_MESSAGES: usize = 256;
const BATCH_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct ImportProgress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub imported: u64,
    pub duplicate: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RejectedItem {
    /// The file (or `mbox#n`) the message came from.
    pub source: String,
    pub reason: String,
}

/// A message stored although it could not be displayed (see [`crate::kept`]).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeptItem {
    /// The file (or `mbox#n`) the message came from.
    pub source: String,
    /// Why it could not be displayed.
    pub reason: String,
    /// The message id it was stored under (`helpr show ID --raw` prints its source).
    pub id: i64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    /// New messages stored, the kept ones included.
    pub imported: u64,
    pub duplicate: u64,
    /// Entries not stored (not a message, or unreadable).
    pub rejected: u64,
    pub rejections: Vec<RejectedItem>,
    /// Messages stored although they could not be displayed, a subset of `imported`.
    pub kept: Vec<KeptItem>,
    /// Entries of the folders given that were not read, each with its reason (links leaving
    /// the folder or looping back, dangling links, pipes, sockets, devices).
    pub skipped: Vec<Skipped>,
    /// Set when the search index could not take the new messages (they are stored, and are
    /// indexed at the next start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_error: Option<String>,
}

/// The import's side of the index: the writer, and ids indexed but not yet committed.
struct IndexFeed<'a> {
    helpr: &'a Helpr,
    writer: Option<MailWriter<'a>>,
    uncommitted: Vec<i64>,
    error: Option<String>,
}

impl<'a> IndexFeed<'a> {
    fn start(helpr: &'a Helpr, index: &'a Result<Arc<MailIndex>, CoreError>) -> Self {
        let mut feed = IndexFeed {
            helpr,
            writer: None,
            uncommitted: Vec::new(),
            error: None,
        };
        match index.as_ref().map(|i| i.writer()) {
            Ok(Ok(w)) => feed.writer = Some(w),
            Ok(Err(e)) => feed.fail(&e.into()),
            Err(e) => feed.fail(e),
        }
        feed
    }

    fn fail(&mut self, e: &CoreError) {
        tracing::warn!(code = e.code(), "import: search index not updated: {e}");
        self.writer = None;
        self.error.get_or_insert(e.to_string());
    }

    fn add(&mut self, id: i64, doc: &MailDoc) {
        let Some(w) = self.writer.as_mut() else {
            return;
        };
        match w.add(doc) {
            Ok(()) => self.uncommitted.push(id),
            Err(e) => self.fail(&e.into()),
        }
    }

    fn commit_if(&mut self, due: bool) {
        if !due || self.uncommitted.is_empty() {
            return;
        }
        let Some(w) = self.writer.as_mut() else {
            return;
        };
        let done = w.commit().map_err(CoreError::from).and_then(|()| {
            self.helpr
                .vault
                .index_done(&self.uncommitted)
                .map_err(CoreError::from)
        });
        match done {
            Ok(()) => self.uncommitted.clear(),
            Err(e) => self.fail(&e),
        }
    }

    fn finish(mut self) -> Option<String> {
        self.commit_if(true);
        if let Some(w) = self.writer.take() {
            if let Err(e) = w.finish() {
                self.fail(&e.into());
            }
        }
        self.error
    }
}

/// A message ready to store and index, or why it was rejected.
type Parsed = Result<(NewMessage, MailDoc), Rejection>;

/// The index document of a freshly parsed message (ids filled in once stored).
fn to_doc(tenant: i64, inbox: i64, date: i64, unread: bool, mail: &ParsedMail) -> MailDoc {
    mail_doc(
        DocIds {
            message: 0,
            tenant,
            inbox,
            thread: 0,
        },
        DocFields {
            headers: &mail.headers,
            subject: &mail.subject,
            body: &mail.text,
            attachment_names: mail.attachments.iter().map(|a| a.name.clone()).collect(),
            labels: &mail.labels,
            date,
            unread,
            has_attachments: !mail.attachments.is_empty(),
        },
    )
}

pub(crate) fn to_new_message(
    tenant: i64,
    inbox_id: i64,
    raw: &RawMessage,
    mail: ParsedMail,
) -> Result<(NewMessage, MailDoc), Rejection> {
    let headers = serde_json::to_vec(&mail.headers)
        .map_err(|e| Rejection(format!("headers could not be encoded: {e}")))?;
    let dedupe_key = match &mail.headers.message_id {
        Some(mid) => [b"mid:".as_slice(), mid.as_bytes()].concat(),
        None => [b"raw:".as_slice(), &raw.bytes].concat(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let date = mail.date.or(raw.internal_date).unwrap_or(now);
    let unread = raw.seen.map(|s| !s).unwrap_or(true);
    let doc = to_doc(tenant, inbox_id, date, unread, &mail);
    let msg = NewMessage {
        inbox_id,
        dedupe_key,
        references: mail.thread_refs(),
        message_id: mail.headers.message_id.clone(),
        gmail_id: None,
        gmail_thread_id: None,
        date,
        sender: mail.sender(),
        subject: mail.subject,
        snippet: mail.snippet,
        headers,
        text: mail.text,
        html: mail.html,
        remote_images: mail.remote_images,
        unread,
        labels: mail.labels,
        attachments: mail
            .attachments
            .into_iter()
            .map(|a| NewAttachment {
                name: a.name,
                content_type: a.content_type,
                content_id: a.content_id,
                inline: a.inline,
                data: a.data,
            })
            .collect(),
        size: mail.size as u64,
        kept: None,
    };
    Ok((msg, doc))
}

impl Helpr {
    /// Imports every message under `paths` into the tenant's local inbox.
    pub async fn import(
        &self,
        paths: Vec<PathBuf>,
        progress: impl Fn(ImportProgress) + Send + Sync + 'static,
    ) -> Result<ImportReport, CoreError> {
        let this = self.clone();
        blocking(move || this.import_blocking(&paths, &progress)).await
    }

    fn import_blocking(
        &self,
        paths: &[PathBuf],
        progress: &(dyn Fn(ImportProgress) + Send + Sync),
    ) -> Result<ImportReport, CoreError> {
        if paths.is_empty() {
            return Err(CoreError::InvalidInput(
                "nothing to import: give a file or folder".into(),
            ));
        }
        let Plan {
            units,
            bytes: bytes_total,
            skipped,
        } = plan(paths).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        self.guard_lost_ids()?;
        let inbox = self.vault.local_inbox(self.tenant)?.id;
        let mut report = ImportReport {
            skipped,
            ..Default::default()
        };
        let mut state = ImportProgress {
            bytes_total,
            ..Default::default()
        };
        progress(state);

        let index = self.index.get();
        let mut feed = IndexFeed::start(self, &index);
        let mut batch: Vec<RawMessage> = Vec::new();
        let mut batch_bytes = 0u64;
        // Batch k is stored while batch k + 1 is parsed (see `step`).
        let mut parsed: Option<ParsedBatch> = None;
        for unit in &units {
            for item in unit.messages() {
                match item {
                    Ok(raw) => {
                        batch_bytes += raw.source_bytes;
                        batch.push(raw);
                    }
                    Err(e) => report.rejections.push(RejectedItem {
                        source: unit.path().display().to_string(),
                        reason: e.to_string(),
                    }),
                }
                if batch.len() >= BATCH_MESSAGES || batch_bytes >= BATCH_BYTES {
                    let raw = std::mem::take(&mut batch);
                    parsed =
                        Some(self.step(inbox, raw, parsed, &mut feed, &mut report, &mut state)?);
                    batch_bytes = 0;
                    progress(state);
                }
            }
        }
        let last = self.step(inbox, batch, parsed, &mut feed, &mut report, &mut state)?;
        self.store_batch(last, &mut feed, &mut report, &mut state)?;
        report.index_error = feed.finish();
        report.rejected = report.rejections.len() as u64;
        state.rejected = report.rejected;
        state.bytes_done = bytes_total;
        progress(state);
        Ok(report)
    }

    /// One pipeline step: parses `raw` on the rayon pool while the previous batch is sealed,
    /// stored and indexed, so neither core waits for the single vault writer.
    fn step(
        &self,
        inbox: i64,
        raw: Vec<RawMessage>,
        previous: Option<ParsedBatch>,
        feed: &mut IndexFeed<'_>,
        report: &mut ImportReport,
        state: &mut ImportProgress,
    ) -> Result<ParsedBatch, CoreError> {
        let tenant = self.tenant;
        let (next, stored) = rayon::join(
            || parse_batch(tenant, inbox, &raw),
            || match previous {
                Some(p) => self.store_batch(p, feed, report, state),
                None => Ok(()),
            },
        );
        stored?;
        state.bytes_done += raw.iter().map(|r| r.source_bytes).sum::<u64>();
        Ok(next)
    }

    /// Stores one parsed batch in one vault transaction, then hands it to the index.
    fn store_batch(
        &self,
        parsed: ParsedBatch,
        feed: &mut IndexFeed<'_>,
        report: &mut ImportReport,
        state: &mut ImportProgress,
    ) -> Result<(), CoreError> {
        if parsed.is_empty() {
            return Ok(());
        }
        let mut good = Vec::with_capacity(parsed.len());
        let mut docs = Vec::with_capacity(parsed.len());
        for (origin, msg) in parsed {
            match msg {
                Ok((m, d)) => {
                    good.push(m);
                    docs.push((origin, d));
                }
                Err(reason) => report.rejections.push(RejectedItem {
                    source: origin,
                    reason: reason.0,
                }),
            }
        }
        let outcomes = self.vault.insert_messages(self.tenant, &good)?;
        for ((outcome, (origin, mut doc)), msg) in outcomes.into_iter().zip(docs).zip(&good) {
            match outcome {
                InsertOutcome::Inserted { id, thread_id } => {
                    report.imported += 1;
                    if let Some(kept) = &msg.kept {
                        report.kept.push(KeptItem {
                            source: origin,
                            reason: kept.reason.clone(),
                            id,
                        });
                    }
                    doc.message_id = id as u64;
                    doc.thread = thread_id as u64;
                    feed.add(id, &doc);
                }
                InsertOutcome::Duplicate { .. } => report.duplicate += 1,
            }
        }
        feed.commit_if(feed.uncommitted.len() >= INDEX_COMMIT_EVERY);
        state.imported = report.imported;
        state.duplicate = report.duplicate;
        state.rejected = report.rejections.len() as u64;
        Ok(())
    }
}

/// A batch after parsing: each message's source, and its record + document or rejection.
type ParsedBatch = Vec<(String, Parsed)>;

/// Parses and sanitizes a batch on every core. A message the pipeline cannot display is kept;
/// input that is not shaped like a message is rejected.
fn parse_batch(tenant: i64, inbox: i64, raw: &[RawMessage]) -> ParsedBatch {
    raw.par_iter()
        .map(|r| {
            let msg = match parse(&r.bytes).and_then(|m| to_new_message(tenant, inbox, r, m)) {
                Err(reason) if looks_like_mail(&r.bytes) => {
                    crate::kept::keep(tenant, inbox, r, &reason)
                }
                other => other,
            };
            (r.origin.clone(), msg)
        })
        .collect()
}
