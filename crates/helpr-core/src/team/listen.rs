//! The socket loop. It connects with the last sequence number applied; each snapshot is
//! applied before anything else is shown (so entitlements are re-checked on every reconnect),
//! each event's number is recorded, and what the desktop should act on is reported. A dropped
//! connection is retried with a growing pause; a session the server ended stops the loop.
//! An assignment is recorded in the kept snapshot before it is reported. What the user is
//! viewing and writing is remembered and told again after a reconnection (the server's
//! presence is per connection).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use helpr_policy::{InboxId, UserId};
use helpr_proto::error::ErrorCode;
use helpr_proto::socket::{Change, ClientMessage, ServerMessage};
use helpr_proto::views::ConversationRef;
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use super::apply::ApplyReport;
use crate::{CoreError, Helpr};

/// Longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the loop reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TeamUpdate {
    /// Connected; `replayed` is false when the missed changes could not be replayed.
    Connected { seq: u64, replayed: bool },
    /// A snapshot was applied (what it removed).
    Applied { seq: u64, report: ApplyReport },
    /// Conversations of a shared inbox changed at Gmail: fetch them.
    Conversations {
        inbox: InboxId,
        threads: Vec<String>,
    },
    /// A conversation's assignees changed.
    Assignment {
        conversation: ConversationRef,
        assignees: Vec<UserId>,
    },
    /// The organization changed (refresh admin views).
    Organization { seq: u64 },
    /// Who views and writes in a conversation.
    Presence {
        conversation: ConversationRef,
        viewing: Vec<UserId>,
        composing: Vec<UserId>,
    },
    /// The connection dropped; retrying after `retry_in_ms`.
    Disconnected { reason: String, retry_in_ms: u64 },
    /// The server ended this session (revoked, expired, user removed): sign in again.
    SignedOut { reason: String },
}

/// Tells the loop what the user is doing (for presence).
#[derive(Debug, Clone)]
pub enum TeamActivity {
    Viewing(Option<ConversationRef>),
    Composing(ConversationRef, bool),
}

/// What the user is doing now, told again on each connection.
#[derive(Debug, Default)]
struct Doing {
    viewing: Option<ConversationRef>,
    composing: BTreeSet<ConversationRef>,
}

impl Doing {
    /// Records `activity`; returns the message that tells the server.
    fn record(&mut self, activity: TeamActivity) -> ClientMessage {
        match activity {
            TeamActivity::Viewing(conversation) => {
                self.viewing.clone_from(&conversation);
                ClientMessage::Viewing { conversation }
            }
            TeamActivity::Composing(conversation, active) => {
                if active {
                    self.composing.insert(conversation.clone());
                } else {
                    self.composing.remove(&conversation);
                }
                ClientMessage::Composing {
                    conversation,
                    active,
                }
            }
        }
    }

    /// The messages that tell a new connection.
    fn replay(&self) -> Vec<ClientMessage> {
        let viewing = self
            .viewing
            .clone()
            .map(|conversation| ClientMessage::Viewing {
                conversation: Some(conversation),
            });
        viewing
            .into_iter()
            .chain(
                self.composing
                    .iter()
                    .map(|conversation| ClientMessage::Composing {
                        conversation: conversation.clone(),
                        active: true,
                    }),
            )
            .collect()
    }
}

impl Helpr {
    /// Runs the socket until `stop` turns true or the server ends the session. `report` gets
    /// every update; `activity` sends the user's presence.
    pub async fn team_listen(
        &self,
        report: Arc<dyn Fn(TeamUpdate) + Send + Sync>,
        mut activity: mpsc::Receiver<TeamActivity>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<(), CoreError> {
        let mut backoff = Duration::from_millis(500);
        let mut doing = Doing::default();
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let client = self.team_client().await?;
            let (_, last_seq) = self.team_snapshot().await?;
            let outcome = tokio::select! {
                outcome = self.listen_once(&client, last_seq, &report, &mut activity, &mut doing) => outcome,
                _ = stop.changed() => return Ok(()),
            };
            match outcome {
                Ok(Ended::SignedOut(reason)) => {
                    report(TeamUpdate::SignedOut { reason });
                    return Ok(());
                }
                Ok(Ended::Dropped(reason)) | Err(Dropped(reason)) => {
                    report(TeamUpdate::Disconnected {
                        reason,
                        retry_in_ms: backoff.as_millis() as u64,
                    });
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => return Ok(()),
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    async fn listen_once(
        &self,
        client: &helpr_team::TeamClient,
        last_seq: Option<u64>,
        report: &Arc<dyn Fn(TeamUpdate) + Send + Sync>,
        activity: &mut mpsc::Receiver<TeamActivity>,
        doing: &mut Doing,
    ) -> Result<Ended, Dropped> {
        let mut socket = match helpr_team::socket::connect(client, last_seq).await {
            Ok(socket) => socket,
            Err(e) if e.code() == Some(ErrorCode::Unauthenticated) => {
                return Ok(Ended::SignedOut(e.to_string()))
            }
            Err(e) => return Err(Dropped(e.to_string())),
        };
        loop {
            let message = tokio::select! {
                message = socket.next() => message,
                Some(now) = activity.recv() => {
                    let message = doing.record(now);
                    socket.send(&message).await.map_err(|e| Dropped(e.to_string()))?;
                    continue;
                }
            };
            let message = match message {
                None => return Ok(Ended::Dropped("the server closed the connection".into())),
                Some(Err(e)) => return Err(Dropped(e.to_string())),
                Some(Ok(message)) => message,
            };
            match message {
                ServerMessage::Welcome { seq, replayed } => {
                    report(TeamUpdate::Connected { seq, replayed });
                    for message in doing.replay() {
                        socket
                            .send(&message)
                            .await
                            .map_err(|e| Dropped(e.to_string()))?;
                    }
                }
                ServerMessage::Snapshot { snapshot } => {
                    let seq = snapshot.seq;
                    let applied = self
                        .team_apply(snapshot)
                        .await
                        .map_err(|e| Dropped(e.to_string()))?;
                    report(TeamUpdate::Applied {
                        seq,
                        report: applied,
                    });
                }
                ServerMessage::Event { event } => {
                    let seq = event.seq;
                    match event.change {
                        Change::Conversations {
                            inbox,
                            conversations,
                        } => {
                            report(TeamUpdate::Conversations {
                                inbox,
                                threads: conversations.into_iter().map(|c| c.thread).collect(),
                            });
                        }
                        Change::Assignment {
                            conversation,
                            assignees,
                        } => {
                            self.team_record_assignment(seq, &conversation, &assignees)
                                .await
                                .map_err(|e| Dropped(e.to_string()))?;
                            report(TeamUpdate::Assignment {
                                conversation,
                                assignees,
                            });
                        }
                        Change::Organization => report(TeamUpdate::Organization { seq }),
                        // The snapshot that follows is what changes the vault.
                        Change::Access => {}
                    }
                    self.with_vault(move |h| Ok(h.vault.set_team_state(h.tenant, None, seq)?))
                        .await
                        .map_err(|e| Dropped(e.to_string()))?;
                }
                ServerMessage::Presence {
                    conversation,
                    viewing,
                    composing,
                } => {
                    report(TeamUpdate::Presence {
                        conversation,
                        viewing,
                        composing,
                    });
                }
                ServerMessage::Closing { error } => {
                    return Ok(match error.code {
                        ErrorCode::Unauthenticated => Ended::SignedOut(error.message),
                        _ => Ended::Dropped(error.message),
                    });
                }
            }
        }
    }
}

/// Why one connection ended.
enum Ended {
    SignedOut(String),
    Dropped(String),
}

/// A connection that failed (retried).
struct Dropped(String);

#[cfg(test)]
mod tests {

    use super::*;

    fn conversation(thread: &str) -> ConversationRef {
        ConversationRef {
            inbox: InboxId(4),
            thread: thread.into(),
        }
    }

    #[test]
    fn a_new_connection_is_told_what_the_user_views_and_writes_now() {
        let mut doing = Doing::default();
        assert!(doing.replay().is_empty());
        doing.record(TeamActivity::Viewing(Some(conversation("a"))));
        doing.record(TeamActivity::Composing(conversation("a"), true));
        doing.record(TeamActivity::Composing(conversation("b"), true));
        doing.record(TeamActivity::Composing(conversation("b"), false));
        assert_eq!(
            doing.replay(),
            vec![
                ClientMessage::Viewing {
                    conversation: Some(conversation("a"))
                },
                ClientMessage::Composing {
                    conversation: conversation("a"),
                    active: true
                },
            ]
        );
        doing.record(TeamActivity::Viewing(None));
        doing.record(TeamActivity::Composing(conversation("a"), false));
        assert!(doing.replay().is_empty());
    }
}
