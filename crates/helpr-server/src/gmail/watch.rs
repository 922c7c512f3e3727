//! Gmail push registration (`users.watch`, google-protocols.md §2.8), when the server has a
//! push topic (`--gmail-push-topic`, beside the push audience and service account): without
//! a watch Gmail never publishes, and [`super::push`] never hears of a change.
//!
//! - An inbox is watched when its account is connected ([`super::connect::finish`]), and
//!   again for every connected inbox when the server starts (the topic may have changed, or
//!   the watch lapsed while no server ran).
//! - A watch lasts seven days; Google asks for a renewal at least that often and advises
//!   daily. Each account's next renewal (`watch_renew_at`) is a day after its last watch (an
//!   hour before Google's expiration at the latest). The renewal task looks every
//!   [`CHECK_EVERY`] (and whenever the test clock moves) for renewals due, and claims each in
//!   the database before calling Gmail, so that PostgreSQL replicas do not all renew the same
//!   account: the claim moves `watch_renew_at` [`CLAIM`] ahead, and a renewal that failed is
//!   tried again when that runs out.
//! - Disconnecting or deleting an inbox stops its watch (`users.stop`) before the grant is
//!   revoked, best effort: a watch left behind lapses within seven days, and its pushes name
//!   an address no inbox has, which push acknowledges and ignores.
//!
//! History ids: a watch's answer carries the mailbox's current history id, and Gmail
//! publishes it at once. The stored history id (the last one push processed) is left as it
//! is: push reads history from it, so what changed between the last processing (or the
//! connection's profile) and the watch is told too, and a notification at the stored id is a
//! replay. Nothing here logs an address or a token.

use std::sync::Arc;
use std::time::Duration;

use helpr_gmail::ApiError;
use helpr_policy::{InboxId, OrgId};
use tokio::task::JoinHandle;

use super::broker::Connection;
use crate::app::App;
use crate::store::gmail as rows;
use crate::store::StoreError;

/// A watch is renewed this long after it was made (Google advises daily).
pub const RENEW_AFTER: i64 = 24 * 3600;
/// At the latest this long before Google's expiration.
const RENEW_BEFORE_EXPIRY: i64 = 3600;
/// A claimed renewal that did not complete is tried again after this long.
pub const CLAIM: i64 = 10 * 60;
/// How often the renewal task looks for renewals due.
pub const CHECK_EVERY: Duration = Duration::from_secs(5 * 60);

/// Why an inbox could not be watched. Log-safe: no address, no token.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The server has no push topic (or no Gmail configuration).
    #[error("no Gmail push topic is configured")]
    Unconfigured,
    /// The inbox's grant could not be used (not connected, refused, no token).
    #[error("the inbox's Gmail connection: {0}")]
    Connection(String),
    #[error("{0}")]
    Gmail(#[from] ApiError),
    #[error("the database: {0}")]
    Store(#[from] StoreError),
}

/// The configured topic.
fn topic(app: &App) -> Option<&str> {
    app.gmail.upstream().ok()?.topic.as_deref()
}

/// Whether the server watches connected inboxes.
pub fn enabled(app: &App) -> bool {
    topic(app).is_some()
}

/// Watches one inbox now and records Google's answer: its expiration and the next renewal.
pub async fn watch(app: &App, org: OrgId, inbox: InboxId) -> Result<(), WatchError> {
    let topic = topic(app).ok_or(WatchError::Unconfigured)?;
    let connection = app
        .gmail
        .connection(org, inbox)
        .await
        .map_err(|f| WatchError::Connection(f.body.message))?;
    let answer = connection.api.watch(topic, &[]).await?;
    let expiration = i64::try_from(answer.expiration.0).unwrap_or(i64::MAX);
    let now = app.hub.clock().now();
    let renew_at = (now + RENEW_AFTER).min(expiration / 1000 - RENEW_BEFORE_EXPIRY);
    app.hub
        .db()
        .run(move |tx| rows::set_watch(tx, inbox, expiration, renew_at))
        .await?;
    tracing::info!(inbox = inbox.0, "Gmail push: inbox watched");
    Ok(())
}

/// [`watch`], a failure logged (connecting must not fail for it; the renewal task tries
/// again once its claim runs out).
pub async fn watch_logged(app: &App, org: OrgId, inbox: InboxId) {
    if let Err(e) = watch(app, org, inbox).await {
        tracing::warn!(error = %e, inbox = inbox.0, "Gmail push: watch failed");
    }
}

/// Renews every watch due by `due_by` that this replica claims first; the number renewed.
pub async fn renew(app: &App, due_by: i64) -> Result<usize, WatchError> {
    let due = app
        .hub
        .db()
        .run(move |tx| rows::watches_due(tx, due_by))
        .await?;
    let mut renewed = 0;
    for row in due {
        let until = app.hub.clock().now() + CLAIM;
        let inbox = row.inbox;
        let claimed = app
            .hub
            .db()
            .run(move |tx| rows::claim_watch(tx, inbox, due_by, until))
            .await?;
        if !claimed {
            continue;
        }
        match watch(app, row.org, inbox).await {
            Ok(()) => renewed += 1,
            Err(e) => tracing::warn!(error = %e, inbox = inbox.0, "Gmail push: renewal failed"),
        }
    }
    Ok(renewed)
}

/// The renewal task, when the server has a push topic: every connected inbox watched at
/// once, then the renewals due, every [`CHECK_EVERY`] and whenever the clock is moved.
pub fn spawn(app: Arc<App>) -> Option<JoinHandle<()>> {
    if !enabled(&app) {
        return None;
    }
    Some(tokio::spawn(async move {
        let clock = app.hub.clock().clone();
        let mut due_by = i64::MAX;
        loop {
            let advanced = clock.advanced();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            if let Err(e) = renew(&app, due_by).await {
                tracing::warn!(error = %e, "Gmail push: renewing watches");
            }
            tokio::select! {
                _ = tokio::time::sleep(CHECK_EVERY) => {}
                _ = advanced => {}
            }
            due_by = clock.now();
        }
    }))
}

/// Stops an inbox's watch before its grant goes, best effort (logged when it fails).
pub async fn stop(app: &App, connection: &Connection) {
    if !enabled(app) {
        return;
    }
    match connection.api.stop().await {
        Ok(()) => tracing::info!(inbox = connection.inbox.0, "Gmail push: watch stopped"),
        Err(e) => tracing::warn!(
            error = %e,
            inbox = connection.inbox.0,
            "Gmail push: the watch could not be stopped"
        ),
    }
}
