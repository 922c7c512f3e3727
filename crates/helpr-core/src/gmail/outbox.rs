//! Draining the Gmail outbox (helpr-vault `gmail_outbox`): the trash and untrash calls a
//! delete or restore in helpr owes Gmail, and the `UNREAD` changes of marking read or unread.
//!
//! Every sync run drains first, with the sync's quota limiter and backoff, so a wish queued
//! while offline, or by a process killed before it could send, goes out at the next sync (or
//! the next round of `sync --watch`). A delete or restore also tries at once, with a short
//! backoff, and leaves what did not go queued: the delete itself never waits on Gmail.
//!
//! Up to [`IN_FLIGHT`] calls run at once; the limiter sets the pace. A row leaves the outbox
//! when Gmail did what it asks, or answered 404 (the message is gone at Gmail: nothing to
//! trash). A refusal of one message (another 4xx) is counted on its row and the drain goes
//! on; a failure of the account (offline after the retries, quota, token) stops the drain and
//! leaves everything queued for the next one.

use std::time::Duration;

use helpr_gmail::limiter::Backoff;
use helpr_gmail::{ApiError, GmailApi};
use helpr_vault::{AccountState, GmailAccount, OutboxAction, OutboxEntry};
use serde::Serialize;
use tokio::task::JoinSet;

use super::SyncOptions;
use crate::{CoreError, Helpr};

/// Gmail's unread marker.
const UNREAD: &str = "UNREAD";

/// Trash calls in flight at once.
const IN_FLIGHT: usize = 8;
/// Wishes read from the vault at a time.
const PAGE: usize = 256;

/// What a drain left, for one account.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct OutboxReport {
    /// Calls Gmail carried out (or had nothing to do for: the message was gone).
    pub sent: u64,
    /// Wishes still queued.
    pub pending: u64,
    /// Why the drain stopped or a call failed (an error code), if it did.
    pub error: Option<String>,
}

/// The backoff of the attempt a delete or restore makes at once: one retry, then leave it
/// queued for the next sync.
pub(crate) fn prompt_backoff() -> Backoff {
    Backoff {
        initial: Duration::from_millis(200),
        max: Duration::from_millis(400),
        attempts: 2,
    }
}

/// Whether `e` is about the account (stop) rather than one message (go on).
fn stops_the_drain(e: &ApiError) -> bool {
    !matches!(e, ApiError::Refused { .. } | ApiError::BadResponse { .. })
}

impl Helpr {
    /// Sends what `inbox` owes Gmail through `api`; returns what it did and what is left.
    pub(crate) async fn drain_outbox(
        &self,
        api: &GmailApi,
        inbox: i64,
    ) -> Result<OutboxReport, CoreError> {
        let mut report = OutboxReport::default();
        let mut after = 0i64;
        'pages: loop {
            let page = self
                .with_vault(move |h| Ok(h.vault.gmail_outbox(inbox, after, PAGE)?))
                .await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let mut calls = JoinSet::new();
            let mut queue = page.into_iter();
            loop {
                while calls.len() < IN_FLIGHT {
                    let Some(entry) = queue.next() else { break };
                    let api = api.clone();
                    calls.spawn(async move {
                        let done = match entry.action {
                            OutboxAction::Trash => api.trash(&entry.gmail_id).await,
                            OutboxAction::Untrash => api.untrash(&entry.gmail_id).await,
                            OutboxAction::Read => api.modify(&entry.gmail_id, &[], &[UNREAD]).await,
                            OutboxAction::Unread => {
                                api.modify(&entry.gmail_id, &[UNREAD], &[]).await
                            }
                        };
                        (entry, done.map(|_| ()))
                    });
                }
                let Some(joined) = calls.join_next().await else {
                    break;
                };
                let (entry, done) =
                    joined.map_err(|e| CoreError::Internal(format!("outbox call: {e}")))?;
                let stop = self.settle(inbox, entry, done, &mut report).await?;
                if stop {
                    // Let the calls already sent finish and settle; send nothing more.
                    while let Some(joined) = calls.join_next().await {
                        if let Ok((entry, done)) = joined {
                            self.settle(inbox, entry, done, &mut report).await?;
                        }
                    }
                    break 'pages;
                }
            }
        }
        report.pending = self
            .with_vault(move |h| Ok(h.vault.gmail_outbox_state(inbox)?.pending))
            .await?;
        Ok(report)
    }

    /// Records one call's outcome; returns whether the drain must stop.
    async fn settle(
        &self,
        inbox: i64,
        entry: OutboxEntry,
        done: Result<(), ApiError>,
        report: &mut OutboxReport,
    ) -> Result<bool, CoreError> {
        match done {
            Ok(()) | Err(ApiError::NotFound { .. }) => {
                self.with_vault(move |h| Ok(h.vault.gmail_outbox_done(inbox, &entry)?))
                    .await?;
                report.sent += 1;
                Ok(false)
            }
            Err(e) => {
                let code = e.code();
                tracing::warn!(code, "a trash or untrash at Gmail failed; it stays queued");
                self.with_vault(move |h| Ok(h.vault.gmail_outbox_failed(inbox, &entry, code)?))
                    .await?;
                report.error = Some(code.to_owned());
                Ok(stops_the_drain(&e))
            }
        }
    }

    /// The attempt a delete or restore makes at once: each connected account that owes Gmail
    /// something drains with a short backoff. Returns how many wishes are still queued; a
    /// failure only leaves them queued for the next sync.
    pub(crate) async fn drain_outbox_now(&self) -> u64 {
        let accounts = match self.accounts().await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(code = e.code(), "the Gmail outbox waits: {e}");
                return 0;
            }
        };
        let mut pending = 0;
        for account in accounts {
            pending += self.drain_account_now(&account).await;
        }
        pending
    }

    async fn drain_account_now(&self, account: &GmailAccount) -> u64 {
        let inbox = account.inbox_id;
        let owed = self
            .with_vault(move |h| Ok(h.vault.gmail_outbox_state(inbox)?.pending))
            .await
            .unwrap_or(0);
        if owed == 0 || account.state != AccountState::Connected {
            return owed;
        }
        let options = SyncOptions {
            backoff: prompt_backoff(),
            ..SyncOptions::default()
        };
        let drained = match self.gmail_api(account, &options).await {
            Ok(api) => self.drain_outbox(&api, inbox).await,
            Err(e) => Err(e),
        };
        match drained {
            Ok(report) => report.pending,
            Err(e) => {
                tracing::warn!(code = e.code(), "the Gmail outbox waits: {e}");
                owed
            }
        }
    }
}
