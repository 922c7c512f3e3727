//! The import pipeline: sources (.eml, Maildir, mbox) → parse + sanitize on every core →
//! seal + store in batches (one transaction each). Idempotent: a message already in the inbox
//! (same Message-ID, or same bytes when it has none) is counted as a duplicate and not stored
//! again. A message that cannot be read or parsed is rejected with its reason; the batch goes on.

use std::path::PathBuf;

use helpr_mail::{parse, plan, ParsedMail, RawMessage, Rejection};
use helpr_vault::{InsertOutcome, NewAttachment, NewMessage};
use rayon::prelude::*;
use serde::Serialize;

use crate::{blocking, CoreError, Helpr};

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

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: u64,
    pub duplicate: u64,
    pub rejected: u64,
    pub rejections: Vec<RejectedItem>,
}

fn to_new_message(
    inbox_id: i64,
    raw: &RawMessage,
    mail: ParsedMail,
) -> Result<NewMessage, Rejection> {
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
    Ok(NewMessage {
        inbox_id,
        dedupe_key,
        references: mail.thread_refs(),
        message_id: mail.headers.message_id.clone(),
        gmail_id: None,
        gmail_thread_id: None,
        date: mail.date.or(raw.internal_date).unwrap_or(now),
        sender: mail.sender(),
        subject: mail.subject,
        snippet: mail.snippet,
        headers,
        text: mail.text,
        html: mail.html,
        remote_images: mail.remote_images,
        unread: raw.seen.map(|s| !s).unwrap_or(true),
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
    })
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
        let (units, bytes_total) =
            plan(paths).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let inbox = self.vault.local_inbox(self.tenant)?.id;
        let mut report = ImportReport::default();
        let mut state = ImportProgress {
            bytes_total,
            ..Default::default()
        };
        progress(state);

        let mut batch: Vec<RawMessage> = Vec::new();
        let mut batch_bytes = 0u64;
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
                    self.import_batch(inbox, std::mem::take(&mut batch), &mut report, &mut state)?;
                    batch_bytes = 0;
                    progress(state);
                }
            }
        }
        self.import_batch(inbox, batch, &mut report, &mut state)?;
        report.rejected = report.rejections.len() as u64;
        state.rejected = report.rejected;
        state.bytes_done = bytes_total;
        progress(state);
        Ok(report)
    }

    fn import_batch(
        &self,
        inbox: i64,
        batch: Vec<RawMessage>,
        report: &mut ImportReport,
        state: &mut ImportProgress,
    ) -> Result<(), CoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let parsed: Vec<(String, Result<NewMessage, Rejection>)> = batch
            .par_iter()
            .map(|raw| {
                let msg = parse(&raw.bytes).and_then(|m| to_new_message(inbox, raw, m));
                (raw.origin.clone(), msg)
            })
            .collect();
        state.bytes_done += batch.iter().map(|r| r.source_bytes).sum::<u64>();
        let mut good = Vec::with_capacity(parsed.len());
        for (origin, msg) in parsed {
            match msg {
                Ok(m) => good.push(m),
                Err(reason) => report.rejections.push(RejectedItem {
                    source: origin,
                    reason: reason.0,
                }),
            }
        }
        for outcome in self.vault.insert_messages(self.tenant, &good)? {
            match outcome {
                InsertOutcome::Inserted { .. } => report.imported += 1,
                InsertOutcome::Duplicate { .. } => report.duplicate += 1,
            }
        }
        state.imported = report.imported;
        state.duplicate = report.duplicate;
        state.rejected = report.rejections.len() as u64;
        Ok(())
    }
}
