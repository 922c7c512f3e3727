//! SMTP submission as smtp.gmail.com serves it (google-protocols.md §4, §7 item 7): two
//! listeners on `127.0.0.1`, implicit TLS (465-style) and plain text until STARTTLS
//! (587-style; AUTH and mail only after it), both with the test CA's leaf. The session
//! itself is in `session`; what it accepts lands in the mailbox as `SENT`
//! ([`crate::gmail::mailbox::Mailbox::add_sent`]). Counters and the fault knob for tests live
//! here.

mod session;

use crate::server::{Emulator, State};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// Gmail's advertised `SIZE` (35 MB less framing).
pub const DEFAULT_MAX_SIZE: usize = 35_882_577;

/// How a listener starts its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// TLS from the first byte (Google: port 465).
    ImplicitTls,
    /// Plain text; AUTH only after STARTTLS (Google: port 587).
    StartTls,
}

/// A message accepted over SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The Gmail message id it was stored under.
    pub id: String,
    pub thread_id: String,
    /// The envelope: `MAIL FROM` and each `RCPT TO`, without angle brackets.
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
}

/// Counters and knobs of the SMTP side.
#[derive(Debug)]
pub(crate) struct Smtp {
    auth_failures: AtomicUsize,
    fail_next: AtomicUsize,
    pub(crate) max_size: AtomicUsize,
    sent: Mutex<Vec<SentMessage>>,
}

impl Default for Smtp {
    fn default() -> Self {
        Self {
            auth_failures: AtomicUsize::new(0),
            fail_next: AtomicUsize::new(0),
            max_size: AtomicUsize::new(DEFAULT_MAX_SIZE),
            sent: Mutex::new(Vec::new()),
        }
    }
}

impl Smtp {
    /// Whether this attempt is one the knob makes fail (and spends it).
    pub(crate) fn take_forced_failure(&self) -> bool {
        self.fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    pub(crate) fn count_auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn record_sent(&self, sent: SentMessage) {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(sent);
    }
}

/// Serves `listener` until the task is aborted, one task per connection.
pub(crate) async fn listen(listener: TcpListener, state: Arc<State>, mode: Mode) {
    let acceptor = state.tls.acceptor();
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let state = state.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let peer = peer.ip().to_string();
            let stream = match mode {
                Mode::ImplicitTls => stream,
                Mode::StartTls => {
                    let flags = session::Flags {
                        tls: false,
                        offer_starttls: true,
                        greet: true,
                    };
                    // `Some` = the client asked for STARTTLS and got `220`.
                    match session::run(stream, &state, &peer, flags).await {
                        Some(stream) => stream,
                        None => return,
                    }
                }
            };
            // A client that does not trust the test CA ends here.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let flags = session::Flags {
                tls: true,
                offer_starttls: false,
                greet: mode == Mode::ImplicitTls,
            };
            let _ = session::run(tls, &state, &peer, flags).await;
        });
    }
}

impl Emulator {
    /// The implicit-TLS SMTP listener (465-style).
    pub fn smtp_tls_addr(&self) -> SocketAddr {
        self.smtp_tls_addr
    }

    /// The plain-then-STARTTLS SMTP listener (587-style).
    pub fn smtp_starttls_addr(&self) -> SocketAddr {
        self.smtp_starttls_addr
    }

    /// Fault knob: the next `n` XOAUTH2 attempts fail with the `334` challenge whatever the
    /// token (a client's refresh-and-retry-once path).
    pub fn fail_next_smtp_auth(&self, n: usize) {
        self.state.smtp.fail_next.store(n, Ordering::SeqCst);
    }

    /// How many SMTP AUTH attempts (any mechanism) were refused.
    pub fn smtp_auth_failures(&self) -> usize {
        self.state.smtp.auth_failures.load(Ordering::SeqCst)
    }

    /// Messages accepted over SMTP, oldest first.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        self.state
            .smtp
            .sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The largest message `DATA` accepts (and `SIZE` advertises); default
    /// [`DEFAULT_MAX_SIZE`].
    pub fn set_smtp_max_size(&self, bytes: usize) {
        self.state.smtp.max_size.store(bytes, Ordering::SeqCst);
    }
}
