//! Draining the Gmail outbox (helpr-vault `gmail_outbox`): the trash and untrash calls a
//! delete or restore in helpr owes Gmail, the `UNREAD` changes of marking read or unread, and
//! the labels applied or removed.
//!
//! The vault knows labels by name; Gmail by id. A drain with label wishes reads Gmail's label
//! list once (system labels are known by their id, user labels by their name), creates a user
//! label Gmail does not have yet before applying it, and counts removing one Gmail does not
//! have as done.
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

use std::collections::HashMap;
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

/// Calls in flight at once.
const IN_FLIGHT: usize = 8;
/// Wishes read from the vault at a time.
const PAGE: usize = 256;

/// One Gmail call that carries out a wish.
enum Call {
    Trash,
    Untrash,
    Modify {
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// Gmail already is as the wish asks.
    Nothing,
}

impl Call {
    fn modify(add: Option<&str>, remove: Option<&str>) -> Self {
        Call::Modify {
            add: add.into_iter().map(str::to_owned).collect(),
            remove: remove.into_iter().map(str::to_owned).collect(),
        }
    }
}

/// Gmail's label ids by the name the vault stores them by.
async fn label_ids(api: &GmailApi) -> Result<HashMap<String, String>, ApiError> {
    Ok(api
        .labels()
        .await?
        .labels
        .into_iter()
        .map(|l| (l.stored_name().to_owned(), l.id))
        .collect())
}

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
        let mut gmail_labels = None;
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
                    let call = match self.call_for(api, &entry, &mut gmail_labels).await {
                        Ok(call) => call,
                        Err(e) => {
                            if self.settle(inbox, entry, Err(e), &mut report).await? {
                                break 'pages;
                            }
                            continue;
                        }
                    };
                    let api = api.clone();
                    calls.spawn(async move {
                        let gmail_id = &entry.gmail_id;
                        let done = match call {
                            Call::Trash => api.trash(gmail_id).await.map(drop),
                            Call::Untrash => api.untrash(gmail_id).await.map(drop),
                            Call::Modify { add, remove } => {
                                let add: Vec<&str> = add.iter().map(String::as_str).collect();
                                let remove: Vec<&str> = remove.iter().map(String::as_str).collect();
                                api.modify(gmail_id, &add, &remove).await.map(drop)
                            }
                            Call::Nothing => Ok(()),
                        };
                        (entry, done)
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

    /// The call that carries out `entry`; for a label, its Gmail id is looked up (the label list
    /// is read once per drain, into `gmail_labels`) and a missing user label created.
    async fn call_for(
        &self,
        api: &GmailApi,
        entry: &OutboxEntry,
        gmail_labels: &mut Option<HashMap<String, String>>,
    ) -> Result<Call, ApiError> {
        let (label, add) = match entry.action {
            OutboxAction::Trash => return Ok(Call::Trash),
            OutboxAction::Untrash => return Ok(Call::Untrash),
            OutboxAction::Read => return Ok(Call::modify(None, Some(UNREAD))),
            OutboxAction::Unread => return Ok(Call::modify(Some(UNREAD), None)),
            OutboxAction::Label { .. } => (entry.label_name.as_deref(), true),
            OutboxAction::Unlabel { .. } => (entry.label_name.as_deref(), false),
        };
        // The label row is gone (its inbox purged): nothing is owed any more.
        let Some(name) = label else {
            return Ok(Call::Nothing);
        };
        let known = match gmail_labels {
            Some(known) => known,
            None => gmail_labels.insert(label_ids(api).await?),
        };
        let id = match known.get(name) {
            Some(id) => id.clone(),
            None if !add => return Ok(Call::Nothing),
            None => {
                let created = match api.create_label(name).await {
                    Ok(label) => label.id,
                    // Made meanwhile by another client: read the list again.
                    Err(ApiError::Refused { status: 409, .. }) => {
                        *known = label_ids(api).await?;
                        known.get(name).cloned().ok_or(ApiError::Refused {
                            op: "labels.create",
                            status: 409,
                            reason: "conflicting name".into(),
                        })?
                    }
                    Err(e) => return Err(e),
                };
                known.insert(name.to_owned(), created.clone());
                created
            }
        };
        Ok(if add {
            Call::modify(Some(&id), None)
        } else {
            Call::modify(None, Some(&id))
        })
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
                tracing::warn!(code, "a change owed to Gmail failed; it stays queued");
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
