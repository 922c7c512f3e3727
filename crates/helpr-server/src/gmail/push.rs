//! Gmail's Pub/Sub push (`POST /api/v1/gmail/push`): every delivery is verified with
//! helpr-gmail's [`helpr_gmail::PushVerifier`] (RS256 by `kid` from Google's JWKS, `iss`,
//! `aud`, `exp`, `email`, `email_verified`), then, for each inbox connected to the
//! notification's account, history.list runs from the stored history id, the new history id
//! is stored, and `ConversationsChanged {inbox, threads}` (thread ids only) is appended in the
//! same transaction, for the socket fan-out to tell exactly the entitled sessions.
//!
//! Answers, as Pub/Sub reads them (2xx acknowledges; anything else is redelivered):
//!
//! - a token that does not verify (forged, expired, another audience or service account):
//!   401, nothing done (a genuine delivery's retry carries a fresh token);
//! - Google's keys could not be fetched: 503, to be redelivered;
//! - a verified delivery whose body is not a Gmail notification: 204 (redelivering it would
//!   not help), nothing done;
//! - a replay (history id not past the stored one), an address no inbox is connected to, an
//!   inbox whose grant Google refused: 204, nothing done;
//! - processed: 204. Gmail unreachable while processing: 503, redelivered (the stored history
//!   id did not move, so the redelivery is not a replay).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use helpr_gmail::{ApiError, Outcome, PushError};
use helpr_policy::{InboxId, OrgId};
use helpr_proto::error::ApiError as WireError;

use super::broker::upstream;
use crate::api::check;
use crate::app::App;
use crate::error::Failure;
use crate::org::hub::Prepared;
use crate::org::record::Record;
use crate::store::gmail as rows;

/// Thread ids per `ConversationsChanged` record.
const THREADS_PER_RECORD: usize = 500;

fn redeliver(message: &str) -> Failure {
    upstream(StatusCode::SERVICE_UNAVAILABLE, message)
}

/// `POST /api/v1/gmail/push`: a Pub/Sub push delivery (no session: Google's OIDC token).
#[utoipa::path(post, path = "/api/v1/gmail/push",
    request_body(content = Object, description = "Pub/Sub's push envelope; `message.data` is base64 of Gmail's {emailAddress, historyId}"),
    responses((status = 204, description = "acknowledged (processed, replayed or ignored)"),
        (status = 401, description = "the token does not verify", body = WireError),
        (status = 503, description = "try again (keys or Gmail unavailable; push not configured)", body = WireError)))]
pub async fn receive(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, Failure> {
    let side = app.gmail.upstream()?;
    let verifier = side.verifier.as_ref().ok_or_else(|| {
        redeliver("this server takes no Gmail push (start it with --gmail-push-audience and --gmail-push-service-account)")
    })?;
    let body = body.map_err(|e| Failure::invalid(e.body_text()))?;
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let (email, history_id) = match verifier.verify(authorization, &body, None).await {
        Ok(Outcome::New { email, history_id }) => (email, history_id),
        Ok(Outcome::Replay) => return Ok(StatusCode::NO_CONTENT),
        Err(PushError::Jwks(e)) => {
            tracing::warn!(error = %e, "push: Google's keys");
            return Err(redeliver("Google's signing keys could not be fetched"));
        }
        Err(PushError::Body(e)) => {
            tracing::warn!(error = %e, "push: a verified delivery that is not a Gmail notification");
            return Ok(StatusCode::NO_CONTENT);
        }
        Err(e) => {
            tracing::warn!(error = %e, "push refused");
            return Err(Failure::unauthenticated("push refused"));
        }
    };
    let mac = app.gmail.sealer.address_mac(&email);
    let accounts = app
        .hub
        .db()
        .run(move |tx| rows::accounts_by_address(tx, &mac))
        .await?;
    for account in accounts {
        process(&app, account.org, account.inbox, history_id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Catches one inbox up to `history_id` and tells the fan-out which conversations changed.
async fn process(app: &App, org: OrgId, inbox: InboxId, history_id: u64) -> Result<(), Failure> {
    let lock = app.gmail.push_lock(inbox);
    let _one = lock.lock().await;
    let Some(stored) = app
        .hub
        .db()
        .run(move |tx| rows::account_of(tx, inbox))
        .await?
    else {
        return Ok(());
    };
    if history_id <= stored.history_id || stored.reconnect_needed {
        return Ok(());
    }
    let connection = match app.gmail.connection(org, inbox).await {
        Ok(c) => c,
        Err(f) if f.status == StatusCode::CONFLICT => return Ok(()),
        Err(f) => return Err(f),
    };
    let mut threads: BTreeSet<String> = BTreeSet::new();
    let mut newest = history_id;
    let mut page_token: Option<String> = None;
    loop {
        let page = match connection
            .api
            .history(stored.history_id, page_token.as_deref())
            .await
        {
            Ok(page) => page,
            Err(ApiError::NotFound { .. }) => {
                // The stored id is too old for Gmail: which conversations changed is lost
                // (desktops resync in full on their own 404); start again from here.
                tracing::info!(inbox = inbox.0, "push: history too old, moving on");
                break;
            }
            Err(ApiError::ReconnectNeeded) => return Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, inbox = inbox.0, "push: history.list");
                return Err(redeliver("Gmail could not be read; deliver again"));
            }
        };
        for h in &page.history {
            let changed = h
                .messages_added
                .iter()
                .chain(&h.messages_deleted)
                .map(|a| &a.message)
                .chain(h.labels_added.iter().map(|c| &c.message))
                .chain(h.labels_removed.iter().map(|c| &c.message));
            threads.extend(
                changed
                    .filter(|m| check::thread(&m.thread_id).is_ok())
                    .map(|m| m.thread_id.clone()),
            );
        }
        match page.next_page_token {
            Some(t) => page_token = Some(t),
            None => {
                newest = newest.max(page.history_id.0);
                break;
            }
        }
    }
    let threads: Vec<String> = threads.into_iter().collect();
    let changed = app
        .hub
        .change(org, None, |s, _| {
            if !s.inboxes.contains_key(&inbox) {
                return Err(Failure::not_found());
            }
            Ok(Prepared {
                records: threads
                    .chunks(THREADS_PER_RECORD)
                    .map(|chunk| Record::ConversationsChanged {
                        inbox,
                        threads: chunk.to_vec(),
                    })
                    .collect(),
                also: Some(Box::new(move |tx| rows::advance_history(tx, inbox, newest))),
            })
        })
        .await;
    match changed {
        Ok(_) => Ok(()),
        // Deleted meanwhile: nothing to tell.
        Err(f) if f.status == StatusCode::NOT_FOUND => Ok(()),
        Err(f) => Err(f),
    }
}
