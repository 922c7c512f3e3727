//! Sessions and their sockets. Each session is a real sign-in through the server's page (the
//! page-filling browser the server's tests use), so each socket holds a session of its own, as
//! a desktop would. The page allows 5 attempts per address signed in to and 20 per client
//! address a minute, so the browser's requests leave from a different loopback address
//! (`127.1.x.y`, all of 127/8 is this machine) every 16 sign-ins, as desktops on many machines
//! would. Each socket is then read on a task of its own, which reports every snapshot it
//! receives, with the instant it was decoded, on one channel.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use helpr_policy::InboxId;
use helpr_proto::socket::ServerMessage;
use helpr_team::socket::Socket;
use helpr_team::testing::Browser;
use helpr_team::TeamClient;
use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::org::PASSWORD;

/// Sign-ins from one client address (the page allows a burst of 20).
const PER_ADDRESS: usize = 16;
/// Sign-ins at once (each verifies a password on the server).
const SIGN_INS_IN_FLIGHT: usize = 8;
/// Sockets opened at once.
const OPENS_IN_FLIGHT: usize = 32;
/// How long the welcome and the first snapshot may take.
const WELCOME_PATIENCE: Duration = Duration::from_secs(30);

/// What went wrong with a session or its socket.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("signing in as {email}: {source}")]
    SignIn {
        email: String,
        source: helpr_team::TeamError,
    },
    #[error("session {0}: {1}")]
    Socket(usize, helpr_team::TeamError),
    #[error("session {0}: expected {1}, got {2}")]
    Unexpected(usize, &'static str, String),
    #[error("session {0}: no {1} within {WELCOME_PATIENCE:?}")]
    Silent(usize, &'static str),
    #[error("session {0}: the socket closed before its welcome")]
    Closed(usize),
}

/// A signed-in session: its user's index and its token.
pub struct Session {
    pub user: usize,
    pub token: String,
}

/// The loopback address the `n`th sign-in leaves from.
fn client_address(n: usize) -> IpAddr {
    let k = n / PER_ADDRESS;
    IpAddr::V4(Ipv4Addr::new(127, 1, (k / 250) as u8, (k % 250 + 1) as u8))
}

/// Signs in `sessions` times, session `s` as user `s % emails.len()`, through `server`.
pub async fn sign_in_all(
    server: &TeamClient,
    fingerprint: &str,
    emails: &[String],
    sessions: usize,
) -> Result<Vec<Session>, SessionError> {
    futures_util::stream::iter(0..sessions)
        .map(|s| async move {
            let user = s % emails.len();
            let email = emails[user].clone();
            let http = reqwest::Client::builder()
                .use_preconfigured_tls(helpr_team::pin::tls_config(fingerprint))
                .redirect(reqwest::redirect::Policy::none())
                .local_address(client_address(s))
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a rustls client builds");
            let browser = Browser {
                http,
                email: email.clone(),
                password: PASSWORD.into(),
            };
            let token = helpr_team::sign_in::sign_in(
                server,
                "bench desktop",
                Duration::from_secs(60),
                browser.opener(),
            )
            .await
            .map_err(|source| SessionError::SignIn { email, source })?;
            Ok(Session {
                user,
                token: token.session_token,
            })
        })
        .buffered(SIGN_INS_IN_FLIGHT)
        .try_collect()
        .await
}

/// What a socket's reader reports.
#[derive(Debug)]
pub enum Note {
    /// A snapshot (numbered `seq`) decoded at `at` on session `session`'s socket, with its
    /// inboxes and how many members each lists.
    Snapshot {
        session: usize,
        seq: u64,
        at: Instant,
        inboxes: Vec<(InboxId, usize)>,
    },
    /// The socket closed or failed.
    Closed { session: usize, why: String },
}

/// An open socket's reader task.
pub struct Reader {
    task: JoinHandle<()>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn next(
    socket: &mut Socket,
    s: usize,
    what: &'static str,
) -> Result<ServerMessage, SessionError> {
    match tokio::time::timeout(WELCOME_PATIENCE, socket.next()).await {
        Err(_) => Err(SessionError::Silent(s, what)),
        Ok(None) => Err(SessionError::Closed(s)),
        Ok(Some(Err(e))) => Err(SessionError::Socket(s, e)),
        Ok(Some(Ok(message))) => Ok(message),
    }
}

/// Opens session `s`'s socket on `server`, waits for its welcome and first snapshot (returning
/// the snapshot's number), then reads it on a task that sends a [`Note`] per snapshot.
async fn open(
    server: &TeamClient,
    s: usize,
    token: &str,
    notes: UnboundedSender<Note>,
) -> Result<(u64, Reader), SessionError> {
    let client = server.with_token(SecretString::from(token.to_owned()));
    let mut socket = helpr_team::socket::connect(&client, None)
        .await
        .map_err(|e| SessionError::Socket(s, e))?;
    match next(&mut socket, s, "welcome").await? {
        ServerMessage::Welcome { .. } => {}
        other => return Err(SessionError::Unexpected(s, "welcome", format!("{other:?}"))),
    }
    let seq = match next(&mut socket, s, "snapshot").await? {
        ServerMessage::Snapshot { snapshot } => snapshot.seq,
        other => {
            return Err(SessionError::Unexpected(
                s,
                "snapshot",
                format!("{other:?}"),
            ))
        }
    };
    let task = tokio::spawn(async move {
        loop {
            let note = match socket.next().await {
                Some(Ok(ServerMessage::Snapshot { snapshot })) => Note::Snapshot {
                    session: s,
                    seq: snapshot.seq,
                    at: Instant::now(),
                    inboxes: snapshot
                        .inboxes
                        .iter()
                        .map(|e| (e.inbox.id, e.inbox.members.len()))
                        .collect(),
                },
                Some(Ok(ServerMessage::Closing { error })) => Note::Closed {
                    session: s,
                    why: error.message,
                },
                Some(Ok(_)) => continue,
                Some(Err(e)) => Note::Closed {
                    session: s,
                    why: e.to_string(),
                },
                None => Note::Closed {
                    session: s,
                    why: "closed".into(),
                },
            };
            let closed = matches!(note, Note::Closed { .. });
            if notes.send(note).is_err() || closed {
                return;
            }
        }
    });
    Ok((seq, Reader { task }))
}

/// Opens every session's socket, session `s` on `servers[s % servers.len()]`; returns the
/// highest snapshot number seen and the readers (dropping one closes its socket).
pub async fn open_all(
    servers: &[TeamClient],
    sessions: &[Session],
    notes: UnboundedSender<Note>,
) -> Result<(u64, Vec<Reader>), SessionError> {
    let opened: Vec<(u64, Reader)> = futures_util::stream::iter(sessions.iter().enumerate())
        .map(|(s, session)| {
            let notes = notes.clone();
            let server = &servers[s % servers.len()];
            async move { open(server, s, &session.token, notes).await }
        })
        .buffered(OPENS_IN_FLIGHT)
        .try_collect()
        .await?;
    let seq = opened.iter().map(|(seq, _)| *seq).max().unwrap_or(0);
    Ok((seq, opened.into_iter().map(|(_, r)| r).collect()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn sixteen_sign_ins_per_client_address_then_the_next() {
        let a = super::client_address(0);
        assert_eq!(a, super::client_address(15));
        assert_ne!(a, super::client_address(16));
        assert!(super::client_address(10_000).is_loopback());
    }
}
