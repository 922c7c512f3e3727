//! The agents' endpoints for secure messages, under `/api/v1/inboxes/{inbox}/secure`. Each is
//! decided by the policy on the message's conversation, like mail: making one or answering
//! in one is `Reply`, seeing its status and entries is `ReadConversation`. A message not yet
//! bound to a conversation (its notification not sent yet) is its creator's alone. Revoking
//! and unlocking are the sender's side's, so they are `Reply` too; revoking all deletes the
//! server's half of the key and every part. Each is in the organization's audit trail.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use helpr_policy::{Action, InboxId};
use helpr_proto::error::ApiError;
use helpr_proto::secure::{
    BindThread, EntryStored, EntryView, NewEntry, NewSecure, RecipientState, RecipientView, Revoke,
    SealedEntry, SecureList, SecureView, Unlock,
};
use serde::Deserialize;

use super::{
    address_mac, bytes_of, check_address, check_id, check_live, key_of, normalize,
    DEFAULT_LIFETIME, KIND, MAX_ATTACHMENTS, MAX_LIFETIME, MAX_RECIPIENTS,
};
use crate::api::body::Body;
use crate::api::check;
use crate::api::path::Path;
use crate::app::App;
use crate::audit;
use crate::auth::session::Caller;
use crate::error::Failure;
use crate::gmail::{decide_new_conversation, decide_thread};
use crate::org::record::Record;
use crate::store::queries;
use crate::store::secure::{self as rows, EntryRow, MessageRow};
use crate::store::StoreError;

/// The smallest sealed part: a nonce and a tag around nothing.
const MIN_PART: usize = 12 + 16;

/// Tells the desktops that may read the message's conversation that it changed (a read, a
/// reply, a lockout), as Gmail's push does: they fetch its status again.
pub async fn tell(app: &App, m: &MessageRow) {
    let Some(thread) = m.thread.clone() else {
        return;
    };
    let inbox = m.inbox;
    let told = app
        .hub
        .change(m.org, None, move |s, _| {
            check::inbox(s, inbox)?;
            Ok(Record::ConversationsChanged {
                inbox,
                threads: vec![thread.clone()],
            }
            .into())
        })
        .await;
    if let Err(f) = told {
        tracing::warn!(code = ?f.body.code, "telling desktops of a secure message's change");
    }
}

/// An entry's row and parts from its body, checked: every part at least a nonce and a tag.
pub fn entry_of(
    manifest: &str,
    attachments: &[String],
    mut row: EntryRow,
) -> Result<(EntryRow, Vec<Vec<u8>>), Failure> {
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(Failure::invalid(format!(
            "an entry holds at most {MAX_ATTACHMENTS} attachments"
        )));
    }
    row.manifest = bytes_of("manifest", manifest)?;
    let parts = attachments
        .iter()
        .map(|a| bytes_of("attachments", a))
        .collect::<Result<Vec<_>, _>>()?;
    if row.manifest.len() < MIN_PART || parts.iter().any(|p| p.len() < MIN_PART) {
        return Err(Failure::invalid("a sealed part is too short to be one"));
    }
    Ok((row, parts))
}

/// Stores an entry as the next one: `conflict` when its number is not the next (it was sealed
/// for a place another entry took).
pub async fn store_entry(
    app: &App,
    m: &MessageRow,
    (entry, parts): (EntryRow, Vec<Vec<u8>>),
) -> Result<u32, Failure> {
    let row_id = m.row_id;
    let n = entry.n;
    let stored = app
        .hub
        .db()
        .run(move |tx| {
            if rows::next_entry(tx, row_id)? != n {
                return Err(StoreError::Duplicate);
            }
            rows::insert_entry(tx, row_id, &entry, &parts)
        })
        .await;
    match stored {
        Ok(()) => {}
        Err(StoreError::Duplicate) => {
            return Err(Failure::conflict(
                "another entry took this place in the thread; read it again and seal again",
            ))
        }
        Err(e) => return Err(e.into()),
    }
    tell(app, m).await;
    Ok(n)
}

/// Decides `action` on message `m` of `inbox` for the caller (a message of another inbox or
/// organization is not found).
fn decide(
    app: &App,
    caller: &Caller,
    inbox: InboxId,
    m: &MessageRow,
    action: Action,
) -> Result<(), Failure> {
    if m.org != caller.org || m.inbox != inbox {
        return Err(Failure::not_found());
    }
    match &m.thread {
        Some(thread) => decide_thread(app, caller, inbox, thread, action),
        None if m.created_by == caller.user => decide_new_conversation(app, caller, inbox),
        None => Err(Failure::not_found()),
    }
}

async fn load(
    app: &App,
    caller: &Caller,
    inbox: InboxId,
    id: &str,
    action: Action,
) -> Result<MessageRow, Failure> {
    let m = super::message(app, id).await?;
    decide(app, caller, inbox, &m, action)?;
    Ok(m)
}

/// A message's status, its addresses opened.
async fn view(app: &App, m: &MessageRow) -> Result<SecureView, Failure> {
    let row_id = m.row_id;
    let (recipients, reads, entries) = app
        .hub
        .db()
        .run(move |tx| {
            Ok((
                rows::recipients(tx, row_id)?,
                rows::reads(tx, row_id)?,
                rows::entries(tx, row_id)?,
            ))
        })
        .await?;
    app.gmail.sealer.ready(m.org).await?;
    let mut out = Vec::with_capacity(recipients.len());
    for r in recipients {
        let address = super::open_address(app, m, &r)?;
        let reads: Vec<i64> = reads
            .iter()
            .filter(|(n, _)| *n == r.n)
            .map(|(_, at)| *at)
            .collect();
        let state = if r.revoked_at.is_some() {
            RecipientState::Revoked
        } else if r.locked_at.is_some() {
            RecipientState::Locked
        } else if reads.is_empty() {
            RecipientState::Waiting
        } else {
            RecipientState::Read
        };
        out.push(RecipientView {
            n: r.n,
            address: address.to_string(),
            state,
            reads,
            locked_at: r.locked_at,
        });
    }
    let now = app.hub.clock().now();
    Ok(SecureView {
        id: m.id.clone(),
        thread_id: m.thread.clone(),
        created_at: m.created_at,
        expires_at: m.expires_at,
        max_opens: m.max_opens,
        revoked: m.revoked_at.is_some(),
        expired: m.revoked_at.is_none() && (m.expires_at <= now || m.key_server.is_none()),
        recipients: out,
        entries: entries
            .into_iter()
            .map(|(e, _)| EntryView {
                n: e.n,
                from: super::author(e.recipient, None),
                recipient: e.recipient,
                at: e.at,
            })
            .collect(),
    })
}

/// The message again, as stored now, and its view.
async fn fresh_view(app: &App, id: &str) -> Result<Json<SecureView>, Failure> {
    let m = super::message(app, id).await?;
    view(app, &m).await.map(Json)
}

fn audit_change(
    app: &App,
    caller: &Caller,
    action: &'static str,
    m: &MessageRow,
    detail: String,
) -> impl FnOnce(&mut dyn crate::store::Tx) -> Result<(), StoreError> + Send + 'static {
    let (keys, org, now) = (app.keys.clone(), m.org, app.hub.clock().now());
    let (user, id) = (caller.user.0.to_string(), m.id.clone());
    move |tx| {
        audit::append_other(
            tx,
            &keys,
            org,
            now,
            audit::Other {
                actor: ("user", &user),
                action,
                object: ("secure_message", id),
                detail,
            },
        )
    }
}

/// `POST /api/v1/inboxes/{inbox}/secure`.
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/secure", security(("session" = [])),
    request_body = NewSecure, params(("inbox" = i64, Path)),
    responses((status = 201, body = SecureView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 413, body = ApiError)))]
pub async fn create(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    Body(req): Body<NewSecure>,
) -> Result<(StatusCode, Json<SecureView>), Failure> {
    let inbox = InboxId(inbox);
    check_id(&req.id).map_err(|_| {
        Failure::invalid("`id` must be 16 random bytes as base64url without padding")
    })?;
    match &req.thread_id {
        Some(thread) => {
            check::thread(thread)?;
            decide_thread(&app, &caller, inbox, thread, Action::Reply)?;
        }
        None => decide_new_conversation(&app, &caller, inbox)?,
    }
    if req.recipients.is_empty() || req.recipients.len() > MAX_RECIPIENTS {
        return Err(Failure::invalid(format!(
            "a secure message has 1 to {MAX_RECIPIENTS} recipients"
        )));
    }
    let mut recipients: Vec<String> = Vec::new();
    for address in &req.recipients {
        check_address(address)?;
        if !recipients
            .iter()
            .any(|a| normalize(a) == normalize(address))
        {
            recipients.push(address.trim().to_owned());
        }
    }
    let key = key_of(&req.key_server)?;
    let now = app.hub.clock().now();
    let expires_at = req.expires_at.unwrap_or(now + DEFAULT_LIFETIME);
    if expires_at <= now || expires_at > now + MAX_LIFETIME {
        return Err(Failure::invalid(
            "`expires_at` must be in the future and within a year",
        ));
    }
    if req.max_opens == Some(0) {
        return Err(Failure::invalid("`max_opens` must be at least 1"));
    }
    // Decoded straight from the body's strings, which go at once: a large message is held
    // once as text and once as bytes, never copied besides.
    let entry = entry_of(
        &req.manifest,
        &req.attachments,
        EntryRow {
            n: 0,
            recipient: None,
            by_user: Some(caller.user),
            at: now,
            manifest: Vec::new(),
        },
    )?;
    drop(req.attachments);
    drop(req.manifest);
    app.gmail.sealer.ready(caller.org).await?;
    let row_id = app.hub.db().run(queries::next_id).await?;
    let sealer = &app.gmail.sealer;
    let key_server = sealer.seal_record(caller.org, KIND, row_id, "key_server", &key)?;
    let sealed: Vec<(Vec<u8>, Vec<u8>)> = recipients
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let field = format!("address/{n}");
            Ok((
                address_mac(&app.keys, &req.id, a),
                sealer.seal_record(caller.org, KIND, row_id, &field, a.as_bytes())?,
            ))
        })
        .collect::<Result<_, Failure>>()?;
    let m = MessageRow {
        row_id,
        id: req.id.clone(),
        org: caller.org,
        inbox,
        thread: req.thread_id.clone(),
        created_by: caller.user,
        created_at: now,
        expires_at,
        max_opens: req.max_opens,
        key_server: Some(key_server),
        revoked_at: None,
    };
    let detail = format!(
        "recipients={} attachments={} expires_at={expires_at}",
        recipients.len(),
        entry.1.len()
    );
    let audited = audit_change(&app, &caller, "secure.create", &m, detail);
    let row = m.clone();
    let (entry_row, parts) = entry;
    let stored = app
        .hub
        .db()
        .run(move |tx| {
            rows::insert_message(tx, &row)?;
            for (n, (mac, address)) in sealed.iter().enumerate() {
                rows::insert_recipient(tx, row_id, n as u32, mac, address)?;
            }
            rows::insert_entry(tx, row_id, &entry_row, &parts)?;
            audited(tx)
        })
        .await;
    match stored {
        Ok(()) => {}
        Err(StoreError::Duplicate) => {
            return Err(Failure::conflict("a secure message with this id exists"))
        }
        Err(e) => return Err(e.into()),
    }
    Ok((StatusCode::CREATED, Json(view(&app, &m).await?)))
}

/// `PUT /api/v1/inboxes/{inbox}/secure/{id}/thread`.
#[utoipa::path(put, path = "/api/v1/inboxes/{inbox}/secure/{id}/thread", security(("session" = [])),
    request_body = BindThread, params(("inbox" = i64, Path), ("id" = String, Path)),
    responses((status = 200, body = SecureView), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn bind_thread(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, id)): Path<(i64, String)>,
    Body(req): Body<BindThread>,
) -> Result<Json<SecureView>, Failure> {
    let inbox = InboxId(inbox);
    let m = load(&app, &caller, inbox, &id, Action::Reply).await?;
    check::thread(&req.thread_id)?;
    match &m.thread {
        Some(t) if *t == req.thread_id => return view(&app, &m).await.map(Json),
        Some(_) => {
            return Err(Failure::conflict(
                "this secure message belongs to another conversation",
            ))
        }
        None => {}
    }
    decide_thread(&app, &caller, inbox, &req.thread_id, Action::Reply)?;
    let (row_id, thread) = (m.row_id, req.thread_id.clone());
    app.hub
        .db()
        .run(move |tx| rows::set_thread(tx, row_id, &thread))
        .await?;
    fresh_view(&app, &id).await
}

/// `?thread=`: one conversation's messages.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub thread: Option<String>,
}

/// `GET /api/v1/inboxes/{inbox}/secure`.
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/secure", security(("session" = [])),
    params(("inbox" = i64, Path), ListQuery),
    responses((status = 200, body = SecureList), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn list(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Json<SecureList>, Failure> {
    let inbox = InboxId(inbox);
    if let Some(thread) = &q.thread {
        check::thread(thread)?;
        decide_thread(&app, &caller, inbox, thread, Action::ReadConversation)?;
    } else {
        crate::gmail::decide_inbox(&app, &caller, inbox, Action::SeeInbox)?;
    }
    let org = caller.org;
    let all = app
        .hub
        .db()
        .run(move |tx| rows::messages_of(tx, org, inbox, q.thread.as_deref()))
        .await?;
    let mut messages = Vec::new();
    for m in all {
        if decide(&app, &caller, inbox, &m, Action::ReadConversation).is_ok() {
            messages.push(view(&app, &m).await?);
        }
    }
    Ok(Json(SecureList { messages }))
}

/// `GET /api/v1/inboxes/{inbox}/secure/{id}/entries/{n}`.
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/secure/{id}/entries/{n}", security(("session" = [])),
    params(("inbox" = i64, Path), ("id" = String, Path), ("n" = u32, Path)),
    responses((status = 200, body = SealedEntry), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 410, body = ApiError)))]
pub async fn entry(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, id, n)): Path<(i64, String, u32)>,
) -> Result<Json<SealedEntry>, Failure> {
    let m = load(&app, &caller, InboxId(inbox), &id, Action::ReadConversation).await?;
    check_live(&m, app.hub.clock().now())?;
    let row_id = m.row_id;
    let (entries, parts) = app
        .hub
        .db()
        .run(move |tx| Ok((rows::entries(tx, row_id)?, rows::parts(tx, row_id, n)?)))
        .await?;
    let (e, _) = entries
        .into_iter()
        .find(|(e, _)| e.n == n)
        .ok_or_else(Failure::not_found)?;
    Ok(Json(SealedEntry {
        n,
        from: super::author(e.recipient, None),
        at: e.at,
        manifest: STANDARD.encode(&e.manifest),
        attachments: parts.iter().map(|p| STANDARD.encode(p)).collect(),
    }))
}

/// `POST /api/v1/inboxes/{inbox}/secure/{id}/entries`: an agent's answer.
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/secure/{id}/entries", security(("session" = [])),
    request_body = NewEntry, params(("inbox" = i64, Path), ("id" = String, Path)),
    responses((status = 201, body = EntryStored), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 410, body = ApiError),
        (status = 413, body = ApiError)))]
pub async fn answer(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, id)): Path<(i64, String)>,
    Body(req): Body<NewEntry>,
) -> Result<(StatusCode, Json<EntryStored>), Failure> {
    let m = load(&app, &caller, InboxId(inbox), &id, Action::Reply).await?;
    let now = app.hub.clock().now();
    check_live(&m, now)?;
    let entry = entry_of(
        &req.manifest,
        &req.attachments,
        EntryRow {
            n: req.n,
            recipient: None,
            by_user: Some(caller.user),
            at: now,
            manifest: Vec::new(),
        },
    )?;
    let n = store_entry(&app, &m, entry).await?;
    Ok((StatusCode::CREATED, Json(EntryStored { n })))
}

/// `POST /api/v1/inboxes/{inbox}/secure/{id}/revoke`.
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/secure/{id}/revoke", security(("session" = [])),
    request_body = Revoke, params(("inbox" = i64, Path), ("id" = String, Path)),
    responses((status = 200, body = SecureView), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn revoke(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, id)): Path<(i64, String)>,
    Body(req): Body<Revoke>,
) -> Result<Json<SecureView>, Failure> {
    let m = load(&app, &caller, InboxId(inbox), &id, Action::Reply).await?;
    let now = app.hub.clock().now();
    let row_id = m.row_id;
    match req.recipient {
        Some(n) => {
            let audited =
                audit_change(&app, &caller, "secure.revoke", &m, format!("recipient={n}"));
            to_recipient(&app, row_id, n, audited, move |tx| {
                rows::revoke_recipient(tx, row_id, n, now)
            })
            .await?;
        }
        None => {
            let audited = audit_change(&app, &caller, "secure.revoke", &m, "all".to_owned());
            app.hub
                .db()
                .run(move |tx| {
                    rows::destroy(tx, row_id, Some(now))?;
                    audited(tx)
                })
                .await?;
        }
    }
    tell(&app, &m).await;
    fresh_view(&app, &id).await
}

/// `POST /api/v1/inboxes/{inbox}/secure/{id}/unlock`.
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/secure/{id}/unlock", security(("session" = [])),
    request_body = Unlock, params(("inbox" = i64, Path), ("id" = String, Path)),
    responses((status = 200, body = SecureView), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn unlock(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, id)): Path<(i64, String)>,
    Body(req): Body<Unlock>,
) -> Result<Json<SecureView>, Failure> {
    let m = load(&app, &caller, InboxId(inbox), &id, Action::Reply).await?;
    let (row_id, n) = (m.row_id, req.recipient);
    let audited = audit_change(&app, &caller, "secure.unlock", &m, format!("recipient={n}"));
    to_recipient(&app, row_id, n, audited, move |tx| {
        rows::set_locked(tx, row_id, n, None)
    })
    .await?;
    fresh_view(&app, &id).await
}

/// Does `change` to recipient `n` of message `row_id` with its audit entry, in one
/// transaction; not found when the message has no such recipient.
async fn to_recipient(
    app: &App,
    row_id: i64,
    n: u32,
    audited: impl FnOnce(&mut dyn crate::store::Tx) -> Result<(), StoreError> + Send + 'static,
    change: impl FnOnce(&mut dyn crate::store::Tx) -> Result<(), StoreError> + Send + 'static,
) -> Result<(), Failure> {
    let found = app
        .hub
        .db()
        .run(move |tx| {
            if rows::recipient_at(tx, row_id, n)?.is_none() {
                return Ok(false);
            }
            change(tx)?;
            audited(tx)?;
            Ok(true)
        })
        .await?;
    if found {
        Ok(())
    } else {
        Err(Failure::not_found())
    }
}
