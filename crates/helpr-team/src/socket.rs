//! The live socket (`wss://…/api/v1/socket`): opened with the session token in the upgrade's
//! `Authorization` header (never in the URL), over the same pinned TLS as the API. It says hello
//! with the last sequence number applied, then reads the server's messages in order.

use futures_util::{SinkExt, StreamExt};
use helpr_proto::socket::{ClientMessage, ServerMessage};
use helpr_proto::PROTO_VERSION;
use secrecy::ExposeSecret;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::client::{TeamClient, TeamError};

/// What one read from the socket takes at most.
const READ_BUFFER: usize = 16 * 1024;

/// An open socket.
pub struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Socket")
    }
}

/// Opens the socket of `client`'s session and says hello.
pub async fn connect(client: &TeamClient, last_seq: Option<u64>) -> Result<Socket, TeamError> {
    let mut socket = open(client).await?;
    socket
        .send(&ClientMessage::Hello {
            proto: PROTO_VERSION,
            last_seq,
        })
        .await?;
    Ok(socket)
}

/// Opens the socket without saying hello (the caller's first message must be one).
pub async fn open(client: &TeamClient) -> Result<Socket, TeamError> {
    let token = client
        .token()
        .ok_or_else(|| TeamError::Protocol("sign in before opening the socket".into()))?;
    let mut url = client.address().join("/api/v1/socket");
    let scheme = if client.address().is_https() {
        "wss"
    } else {
        "ws"
    };
    url.set_scheme(scheme)
        .map_err(|()| TeamError::Protocol("no socket address".into()))?;
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| TeamError::Protocol(e.to_string()))?;
    let bearer = format!("Bearer {}", token.expose_secret());
    request.headers_mut().insert(
        "authorization",
        bearer
            .parse()
            .map_err(|_| TeamError::Protocol("a token that is not a header value".into()))?,
    );
    let connector = match client.tls() {
        Some(tls) => Connector::Rustls(tls),
        None => Connector::Plain,
    };
    // tungstenite zeroes its whole read buffer before every read (128 KiB by default): a
    // snapshot is a few KiB, and a larger frame reserves its own length anyway.
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER);
    let (stream, _) = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(config),
        false,
        Some(connector),
    )
    .await
    .map_err(|e| match e {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            let status = response.status().as_u16();
            let body = response.body().as_deref().unwrap_or_default();
            match serde_json::from_slice(body) {
                Ok(error) => TeamError::Api { status, error },
                Err(_) => TeamError::Protocol(format!("socket refused with HTTP {status}")),
            }
        }
        other => TeamError::Transport(other.to_string()),
    })?;
    Ok(Socket { stream })
}

impl Socket {
    pub async fn send(&mut self, message: &ClientMessage) -> Result<(), TeamError> {
        let text =
            serde_json::to_string(message).map_err(|e| TeamError::Protocol(e.to_string()))?;
        self.stream
            .send(Message::Text(text.into()))
            .await
            .map_err(|e| TeamError::Transport(e.to_string()))
    }

    /// The next message from the server; `None` once the socket is closed.
    pub async fn next(&mut self) -> Option<Result<ServerMessage, TeamError>> {
        loop {
            return match self.stream.next().await? {
                Ok(Message::Text(text)) => Some(
                    serde_json::from_str(&text).map_err(|e| TeamError::Protocol(e.to_string())),
                ),
                Ok(Message::Close(_)) => None,
                Ok(_) => continue,
                Err(e) => Some(Err(TeamError::Transport(e.to_string()))),
            };
        }
    }

    /// Closes the socket.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
