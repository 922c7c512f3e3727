//! SMTP submission as smtp.gmail.com serves it (google-protocols.md §4, §7 item 7): two
//! listeners on `127.0.0.1`, implicit TLS (465-style) and plain text until STARTTLS
//! (587-style).

use crate::server::{Emulator, State};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How a listener starts its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// TLS from the first byte (Google: port 465).
    ImplicitTls,
    /// Plain text; AUTH only after STARTTLS (Google: port 587).
    StartTls,
}

/// Holds the port for the SMTP sessions (next commit): connections are accepted and closed.
pub(crate) async fn listen(listener: TcpListener, state: Arc<State>, mode: Mode) {
    let _ = (&state, mode);
    loop {
        let _ = listener.accept().await;
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
}
