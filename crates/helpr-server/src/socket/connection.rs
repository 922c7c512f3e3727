//! One desktop's socket. The upgrade is authenticated like any request (the session token in
//! `Authorization`, never in the URL). Then:
//!
//! 1. The client's hello names its wire version and the last sequence number it applied.
//! 2. The server subscribes to applied changes first, then reads the organization's number `S`
//!    and answers `Welcome`, the user's snapshot as of `S`, and, when the client's number is
//!    recent enough, every change since it up to `S` that the user may see, read back from the
//!    log (so a restart or another replica loses nothing).
//! 3. Live changes after `S`, each through [`fanout`]; after any change that may touch access,
//!    the user's snapshot is recomputed and sent when it differs, preceded by an `Access` event
//!    when what they may see changed (not only an inbox's name or members). When later changes
//!    are applied already, the last of them recomputes it: a snapshot is numbered as the
//!    newest change it shows.
//! 4. The socket closes, saying why, when its session is revoked, its user removed, its
//!    session expires, or it falls behind the broadcast (it then reconnects and replays).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use helpr_policy::{can, Action, Object};
use helpr_policy::{InboxAccess, InboxId};
use helpr_proto::error::{ApiError, ErrorCode};
use helpr_proto::snapshot::{ConversationScope, Snapshot};
use helpr_proto::socket::{Change, ClientMessage, Event, ServerMessage};
use helpr_proto::views::ConversationRef;
use helpr_proto::PROTO_VERSION;
use tokio::sync::broadcast::error::RecvError;

use super::fanout;
use crate::app::App;
use crate::auth::session::{Caller, LIFETIME};
use crate::org::record::Stored;
use crate::store::queries;

/// The client has this long to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Missed changes further back than this are not replayed: the client gets a snapshot only.
pub const REPLAY_LIMIT: u64 = 10_000;
/// How often the server pings, and re-checks expiry and time-bound access (overrides).
const TICK: Duration = Duration::from_secs(20);
/// The largest message a client may send.
const MAX_MESSAGE: usize = 16 * 1024;
/// What one read from a client takes at most. tungstenite zeroes the whole buffer before every
/// read (128 KiB by default: most of a connection's memory, and of the CPU a fan-out to 1,000
/// sockets took); a client's messages are a few hundred bytes, and a larger frame reserves its
/// own length anyway.
const READ_BUFFER: usize = 4 * 1024;

/// `GET /api/v1/socket`.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| async move {
            let org = caller.org;
            let session = caller.session;
            run(app.clone(), caller, socket).await;
            app.presence.leave(org, session);
        })
}

fn closing(code: ErrorCode, message: &str) -> ServerMessage {
    ServerMessage::Closing {
        error: ApiError::new(code, message),
    }
}

/// The socket's sending half, with the user's last snapshot.
struct Out {
    sink: futures_util::stream::SplitSink<WebSocket, Message>,
}

impl Out {
    async fn send(&mut self, message: &ServerMessage) -> bool {
        self.feed(message).await && self.flush().await
    }

    /// Queues a message; [`Out::flush`] writes what is queued, in one write (a change's event,
    /// `Access` and snapshot go out together, not as a system call and a wake-up each).
    async fn feed(&mut self, message: &ServerMessage) -> bool {
        let Ok(text) = serde_json::to_string(message) else {
            return false;
        };
        self.sink.feed(Message::Text(text.into())).await.is_ok()
    }

    async fn flush(&mut self) -> bool {
        self.sink.flush().await.is_ok()
    }

    async fn close(&mut self, message: ServerMessage) {
        let _ = self.send(&message).await;
        let _ = self.sink.close().await;
    }
}

/// What the user may see, without the inboxes' names and member lists: when this changes, the
/// desktop is told `Access` (and drops what it lost); when only the rest changes, it gets the
/// new snapshot alone.
fn access(snapshot: &Snapshot) -> Vec<(InboxId, InboxAccess, &ConversationScope, Option<i64>)> {
    snapshot
        .inboxes
        .iter()
        .map(|e| (e.inbox.id, e.access, &e.conversations, e.override_until))
        .collect()
}

/// Whether `fresh` says anything `sent` did not, so that it is worth sending: the inboxes (with
/// their access, members and assignments) or the people's names.
fn shows_more(fresh: &Snapshot, sent: &Snapshot) -> bool {
    fresh.inboxes != sent.inboxes || fresh.people != sent.people
}

async fn run(app: Arc<App>, caller: Caller, socket: WebSocket) {
    let (sink, mut stream) = socket.split();
    let mut out = Out { sink };

    // 1. Hello.
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<ClientMessage>(&text).ok(),
        _ => None,
    };
    let last_seq = match hello {
        Some(ClientMessage::Hello { proto, last_seq }) if proto == PROTO_VERSION => last_seq,
        Some(ClientMessage::Hello { .. }) => {
            let message = format!("this server speaks wire version {PROTO_VERSION}; update helpr");
            return out
                .close(closing(ErrorCode::UnsupportedVersion, &message))
                .await;
        }
        _ => {
            return out
                .close(closing(
                    ErrorCode::InvalidInput,
                    "say hello first: {\"type\":\"hello\",…}",
                ))
                .await
        }
    };

    // 2. Subscribe, then read where the organization is.
    let mut applied = app.hub.subscribe();
    let mut presence = app.presence.subscribe();
    let now = app.hub.clock().now();
    let Some(Some(mut snapshot)) = app.hub.read(caller.org, |s| s.snapshot(caller.user, now))
    else {
        return out
            .close(closing(
                ErrorCode::Unauthenticated,
                "this session's user no longer exists",
            ))
            .await;
    };
    let current = snapshot.seq;
    let replay_from = last_seq.filter(|&last| last <= current && current - last <= REPLAY_LIMIT);
    if !out
        .send(&ServerMessage::Welcome {
            seq: current,
            replayed: replay_from.is_some(),
        })
        .await
        || !out
            .send(&ServerMessage::Snapshot {
                snapshot: snapshot.clone(),
            })
            .await
    {
        return;
    }
    if let Some(from) = replay_from {
        let org = caller.org;
        let rows = match app
            .hub
            .db()
            .run(move |tx| queries::events_since(tx, org, from))
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "reading the log for a replay");
                return out
                    .close(closing(ErrorCode::Internal, "the server failed; reconnect"))
                    .await;
            }
        };
        for row in rows.into_iter().filter(|r| r.seq <= current) {
            let Ok(stored) = serde_json::from_str::<Stored>(&row.body) else {
                continue;
            };
            let change = app
                .hub
                .read(org, |s| {
                    let me = s.policy_user(caller.user)?;
                    fanout::change_for(s, &me, &stored.record, now)
                })
                .flatten();
            if let Some(change) = change {
                let event = Event {
                    seq: row.seq,
                    change,
                };
                if !out.send(&ServerMessage::Event { event }).await {
                    return;
                }
            }
        }
    }

    // 3. Live.
    // The last change handled (the state read below may already be ahead of it: the changes
    // after it are still on their way through the broadcast, and each is handled in turn).
    let mut cursor = current;
    // A change that may touch access was handled without recomputing the snapshot yet.
    let mut access_pending = false;
    let mut viewing: Option<ConversationRef> = None;
    let mut tick = tokio::time::interval(TICK);
    tick.tick().await;
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => {
                        return out.close(closing(ErrorCode::InvalidInput, "messages are JSON text")).await;
                    }
                    _ => return,
                };
                let Ok(message) = serde_json::from_str::<ClientMessage>(&text) else {
                    return out.close(closing(ErrorCode::InvalidInput, "a message the server does not understand")).await;
                };
                match message {
                    ClientMessage::Hello { .. } => {}
                    ClientMessage::Viewing { conversation } => {
                        let conversation = conversation.filter(|c| may_read(&app, &caller, c));
                        app.presence.view(caller.org, caller.session, caller.user, viewing.as_ref(), conversation.as_ref());
                        viewing = conversation;
                    }
                    ClientMessage::Composing { conversation, active } => {
                        if may_read(&app, &caller, &conversation) {
                            app.presence.compose(caller.org, caller.session, caller.user, &conversation, active);
                        }
                    }
                }
            }
            change = applied.recv() => {
                let change = match change {
                    Ok(change) => change,
                    Err(RecvError::Lagged(_)) => {
                        return out.close(closing(ErrorCode::Internal, "this connection fell behind; reconnect with your last sequence number")).await;
                    }
                    Err(RecvError::Closed) => return,
                };
                // The broadcast may still carry changes the welcome's snapshot included.
                if change.org != caller.org || change.seq <= cursor {
                    continue;
                }
                cursor = change.seq;
                let record = &change.stored.record;
                if fanout::ends_session(record, caller.session, caller.user) {
                    return out.close(closing(ErrorCode::Unauthenticated, "this session was ended; sign in again")).await;
                }
                let now = app.hub.clock().now();
                access_pending |= fanout::may_change_access(record);
                let (told, fresh) = app
                    .hub
                    .read(caller.org, |s| {
                        let me = s.policy_user(caller.user);
                        let told = me.as_ref().and_then(|me| fanout::change_for(s, me, record, now));
                        // When a later change is applied already, the snapshot waits for that
                        // change's turn (on its way through the broadcast): numbered as this
                        // one, it would show what came after it, and a burst costs one
                        // snapshot, not one per change.
                        let fresh = (access_pending && s.seq == change.seq)
                            .then(|| s.snapshot(caller.user, now))
                            .flatten();
                        (told, fresh)
                    })
                    .unwrap_or((None, None));
                if let Some(change_for_me) = told {
                    let event = Event { seq: change.seq, change: change_for_me };
                    if !out.feed(&ServerMessage::Event { event }).await {
                        return;
                    }
                }
                if let Some(fresh) = fresh {
                    if access(&fresh) != access(&snapshot) {
                        let event = Event { seq: change.seq, change: Change::Access };
                        if !out.feed(&ServerMessage::Event { event }).await {
                            return;
                        }
                    }
                    if shows_more(&fresh, &snapshot) {
                        // Numbered as of the change that led to it.
                        let labelled = Snapshot { seq: change.seq, ..fresh.clone() };
                        if !out.feed(&ServerMessage::Snapshot { snapshot: labelled }).await {
                            return;
                        }
                    }
                    snapshot = fresh;
                    access_pending = false;
                }
                if !out.flush().await {
                    return;
                }
            }
            changed = presence.recv() => {
                let Ok((org, conversation)) = changed else { continue };
                if org != caller.org || !may_read(&app, &caller, &conversation) {
                    continue;
                }
                let (viewing, composing) = app.presence.of(org, &conversation);
                if !out.send(&ServerMessage::Presence { conversation, viewing, composing }).await {
                    return;
                }
            }
            _ = tick.tick() => {
                let now = app.hub.clock().now();
                let alive = app
                    .hub
                    .read(caller.org, |s| s.sessions.get(&caller.session).map(|rec| now < rec.created_at + LIFETIME))
                    .flatten()
                    .unwrap_or(false);
                if !alive {
                    return out.close(closing(ErrorCode::Unauthenticated, "this session ended; sign in again")).await;
                }
                // An override may have ended. Not while a change this connection has not been
                // told of is applied: its own turn sends the snapshot, numbered as that change,
                // with its `Access` event (sent from here, it went out under an older number
                // and the change's turn then found nothing new to say).
                let fresh = app.hub.read(caller.org, |s| s.snapshot(caller.user, now)).flatten();
                if let Some(fresh) = fresh.filter(|f| f.seq <= cursor) {
                    if shows_more(&fresh, &snapshot) {
                        if !out.send(&ServerMessage::Snapshot { snapshot: Snapshot { seq: cursor, ..fresh.clone() } }).await {
                            return;
                        }
                        snapshot = fresh;
                    }
                }
                if out.sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Whether the caller may read `conversation` now.
fn may_read(app: &App, caller: &Caller, conversation: &ConversationRef) -> bool {
    let now = app.hub.clock().now();
    app.hub
        .read(caller.org, |s| {
            let me = s.policy_user(caller.user)?;
            let inbox = s.inboxes.get(&conversation.inbox)?;
            let facts = s.conversation(conversation.inbox, &conversation.thread);
            Some(can(
                &me,
                Action::ReadConversation,
                Object::Conversation(&inbox.policy, &facts),
                now,
            ))
        })
        .flatten()
        .unwrap_or(false)
}
