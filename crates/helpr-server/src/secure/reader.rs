//! The recipient's endpoints, under `/api/v1/secure/{id}` (no team session). A code request is
//! answered the same whether or not the address may read; a code try is answered `wrong_code`
//! for every wrong code, used or expired code, unknown, locked or revoked address alike. A
//! right code releases the server's half of the key to this browser with a reader's token,
//! counts an open and records the read (in the audit trail too, and the agents are told the
//! conversation changed). Every later call checks again that the message lives and the
//! reader was not revoked.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use helpr_proto::error::{ApiError, ErrorCode};
use helpr_proto::secure::{
    CodeRequest, CodeSent, EntryStored, NewEntry, ReaderThread, Released, ThreadEntry, VerifyCode,
};
use secrecy::zeroize::Zeroizing;

use super::codes::{self, CODE_LIFETIME, MAX_TRIES, SESSION_LIFETIME};
use super::mail::{self, Notice};
use super::{
    address_mac, check_address, check_id, check_live, gone, message, open_address, sender, KIND,
};
use crate::api::body::Body;
use crate::api::path::Path;
use crate::app::App;
use crate::audit;
use crate::error::Failure;
use crate::store::secure::{self as rows, EntryRow, MessageRow};

fn rate_limited() -> Failure {
    Failure::rate_limited("Too many attempts. Wait a few minutes, then try again.")
}

fn wrong_code() -> Failure {
    Failure::new(
        StatusCode::FORBIDDEN,
        ErrorCode::WrongCode,
        "That code is not right, or it has expired or been used. Check the latest email, or \
         ask for a new code.",
    )
}

/// `POST /api/v1/secure/{id}/code`.
#[utoipa::path(post, path = "/api/v1/secure/{id}/code", request_body = CodeRequest,
    params(("id" = String, Path)),
    responses((status = 202, body = CodeSent), (status = 400, body = ApiError),
        (status = 404, body = ApiError), (status = 410, body = ApiError), (status = 429, body = ApiError)))]
pub async fn request_code(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Body(req): Body<CodeRequest>,
) -> Result<(StatusCode, Json<CodeSent>), Failure> {
    check_id(&id)?;
    check_address(&req.address)?;
    let mac = address_mac(&app.keys, &id, &req.address);
    if !app.secure_limits.code_request(&mac, peer.ip()) {
        return Err(rate_limited());
    }
    let m = message(&app, &id).await?;
    let now = app.hub.clock().now();
    check_live(&m, now)?;
    let code = Zeroizing::new(codes::make_code());
    let (row_id, keys, code_for) = (m.row_id, app.keys.clone(), code.clone());
    let found = app
        .hub
        .db()
        .run(move |tx| {
            let Some(r) = rows::recipient_by_mac(tx, row_id, &mac)? else {
                return Ok(None);
            };
            if r.revoked_at.is_some() {
                return Ok(None);
            }
            if r.locked_at.is_none() {
                let kept = codes::code_mac(&keys, row_id, r.n, &code_for);
                rows::set_code(tx, row_id, r.n, &kept, now + CODE_LIFETIME)?;
            }
            Ok(Some(r))
        })
        .await?;
    if let Some(r) = found {
        app.gmail.sealer.ready(m.org).await?;
        let to = open_address(&app, &m, &r)?;
        let notice = if r.locked_at.is_some() {
            Notice::LockedOut
        } else {
            Notice::Code(code)
        };
        mail::send(app.clone(), m.org, m.inbox, to, notice);
    }
    Ok((StatusCode::ACCEPTED, Json(CodeSent { sent: true })))
}

/// What a code try came to.
enum Tried {
    Wrong,
    /// The wrong try that locked the recipient out.
    LockedNow(u32),
    OpensUsedUp,
    Released {
        n: u32,
        token: String,
    },
}

/// `POST /api/v1/secure/{id}/verify`.
#[utoipa::path(post, path = "/api/v1/secure/{id}/verify", request_body = VerifyCode,
    params(("id" = String, Path)),
    responses((status = 200, body = Released), (status = 400, body = ApiError),
        (status = 403, description = "wrong_code", body = ApiError), (status = 404, body = ApiError),
        (status = 410, body = ApiError), (status = 429, body = ApiError)))]
pub async fn verify(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Body(req): Body<VerifyCode>,
) -> Result<Json<Released>, Failure> {
    check_id(&id)?;
    check_address(&req.address)?;
    let mac = address_mac(&app.keys, &id, &req.address);
    if !app.secure_limits.code_try(&mac, peer.ip()) {
        return Err(rate_limited());
    }
    let m = message(&app, &id).await?;
    let now = app.hub.clock().now();
    check_live(&m, now)?;
    app.gmail.sealer.ready(m.org).await?;
    let (keys, code) = (app.keys.clone(), Zeroizing::new(req.code));
    let (row_id, org, max_opens, public) = (m.row_id, m.org, m.max_opens, m.id.clone());
    let tried = app
        .hub
        .db()
        .run(move |tx| {
            let Some(r) = rows::recipient_by_mac(tx, row_id, &mac)? else {
                return Ok(Tried::Wrong);
            };
            if r.revoked_at.is_some() || r.locked_at.is_some() {
                return Ok(Tried::Wrong);
            }
            let Some((kept, expires_at, tries)) = rows::code(tx, row_id, r.n)? else {
                return Ok(Tried::Wrong);
            };
            if expires_at <= now {
                rows::delete_code(tx, row_id, r.n)?;
                return Ok(Tried::Wrong);
            }
            if !codes::matches(&keys, row_id, r.n, &code, &kept) {
                if tries + 1 >= MAX_TRIES {
                    rows::delete_code(tx, row_id, r.n)?;
                    rows::set_locked(tx, row_id, r.n, Some(now))?;
                    return Ok(Tried::LockedNow(r.n));
                }
                rows::count_wrong_try(tx, row_id, r.n)?;
                return Ok(Tried::Wrong);
            }
            rows::delete_code(tx, row_id, r.n)?;
            if max_opens.is_some_and(|max| r.opens >= max) {
                return Ok(Tried::OpensUsedUp);
            }
            rows::record_read(tx, row_id, r.n, now)?;
            let (token, hash) = codes::make_token();
            rows::insert_session(tx, &hash, row_id, r.n, now + SESSION_LIFETIME)?;
            let reader = format!("{public}/{}", r.n);
            audit::append_other(
                tx,
                &keys,
                org,
                now,
                audit::Other {
                    actor: ("secure_reader", &reader),
                    action: "secure.read",
                    object: ("secure_message", public.clone()),
                    detail: format!("recipient={} opens={}", r.n, r.opens + 1),
                },
            )?;
            Ok(Tried::Released { n: r.n, token })
        })
        .await?;
    match tried {
        Tried::Wrong => Err(wrong_code()),
        Tried::LockedNow(n) => {
            tracing::info!(
                message = m.row_id,
                recipient = n,
                "a secure message's reader was locked out"
            );
            sender::tell(&app, &m).await;
            Err(wrong_code())
        }
        Tried::OpensUsedUp => Err(gone(
            "You have opened this message as many times as its sender allowed.",
        )),
        Tried::Released { n, token } => {
            let sealed = m
                .key_server
                .as_deref()
                .ok_or_else(|| gone("This secure message has expired."))?;
            let key = app
                .gmail
                .sealer
                .open_record(m.org, KIND, m.row_id, "key_server", sealed)?;
            tracing::info!(
                message = m.row_id,
                recipient = n,
                "a secure message was opened"
            );
            sender::tell(&app, &m).await;
            Ok(Json(Released {
                token,
                key_server: URL_SAFE_NO_PAD.encode(&key[..]),
                expires_at: now + SESSION_LIFETIME,
            }))
        }
    }
}

/// The reader a request's bearer token names, on message `id`: the message (still live) and
/// the recipient's number.
async fn reader(app: &App, headers: &HeaderMap, id: &str) -> Result<(MessageRow, u32), Failure> {
    let signed_out = || Failure::unauthenticated("Your session ended. Ask for a new code.");
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(signed_out)?;
    let hash = codes::token_hash(token.trim());
    let m = message(app, id).await?;
    let now = app.hub.clock().now();
    let row_id = m.row_id;
    let found = app
        .hub
        .db()
        .run(move |tx| {
            let Some((message, n, expires_at)) = rows::session(tx, &hash)? else {
                return Ok(None);
            };
            if message != row_id || expires_at <= now {
                return Ok(None);
            }
            Ok(rows::recipient_at(tx, row_id, n)?.map(|r| (n, r.revoked_at)))
        })
        .await?;
    check_live(&m, now)?;
    let (n, revoked) = found.ok_or_else(signed_out)?;
    if revoked.is_some() {
        return Err(gone("The sender revoked your access to this message."));
    }
    Ok((m, n))
}

/// `GET /api/v1/secure/{id}/thread`.
#[utoipa::path(get, path = "/api/v1/secure/{id}/thread", params(("id" = String, Path)),
    security(("reader" = [])),
    responses((status = 200, body = ReaderThread), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 410, body = ApiError)))]
pub async fn thread(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ReaderThread>, Failure> {
    let (m, me) = reader(&app, &headers, &id).await?;
    let row_id = m.row_id;
    let entries = app
        .hub
        .db()
        .run(move |tx| rows::entries(tx, row_id))
        .await?;
    Ok(Json(ReaderThread {
        entries: entries
            .into_iter()
            .map(|(e, sizes)| ThreadEntry {
                n: e.n,
                from: super::author(e.recipient, Some(me)),
                at: e.at,
                manifest: STANDARD.encode(&e.manifest),
                attachments: sizes,
            })
            .collect(),
        expires_at: m.expires_at,
    }))
}

/// The sealed bytes of a part, not to be cached or sniffed.
pub fn part_response(bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /api/v1/secure/{id}/entries/{n}/attachments/{k}`.
#[utoipa::path(get, path = "/api/v1/secure/{id}/entries/{n}/attachments/{k}",
    params(("id" = String, Path), ("n" = u32, Path), ("k" = u32, Path)), security(("reader" = [])),
    responses((status = 200, description = "the sealed part", content_type = "application/octet-stream"),
        (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 410, body = ApiError)))]
pub async fn attachment(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((id, n, k)): Path<(String, u32, u32)>,
) -> Result<Response, Failure> {
    let (m, _) = reader(&app, &headers, &id).await?;
    let row_id = m.row_id;
    let part = app
        .hub
        .db()
        .run(move |tx| rows::part(tx, row_id, n, k))
        .await?
        .ok_or_else(Failure::not_found)?;
    Ok(part_response(part))
}

/// `POST /api/v1/secure/{id}/reply`.
#[utoipa::path(post, path = "/api/v1/secure/{id}/reply", request_body = NewEntry,
    params(("id" = String, Path)), security(("reader" = [])),
    responses((status = 201, body = EntryStored), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 410, body = ApiError), (status = 413, body = ApiError)))]
pub async fn reply(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(req): Body<NewEntry>,
) -> Result<(StatusCode, Json<EntryStored>), Failure> {
    let (m, me) = reader(&app, &headers, &id).await?;
    let now = app.hub.clock().now();
    let entry = sender::entry_of(
        &req.manifest,
        &req.attachments,
        EntryRow {
            n: req.n,
            recipient: Some(me),
            by_user: None,
            at: now,
            manifest: Vec::new(),
        },
    )?;
    let n = sender::store_entry(&app, &m, entry).await?;
    Ok((StatusCode::CREATED, Json(EntryStored { n })))
}
