//! helpr-server: the team server (issue 16). It owns who may see and answer which inbox, tells
//! every desktop of a change at once, and brokers Gmail without keeping mail. It speaks only
//! HTTPS (and WSS): with the administrator's certificate, or one it makes at first start and
//! keeps, whose fingerprint desktops pin at first sign-in.
//!
//! - [`tls`]: the server's certificate and key, given or made and kept, and its fingerprint.
//! - [`listen`]: the accept loop: TLS first, then HTTP/1.1 into the router.
//! - [`app`]: the routes.
//!
//! [`Server::start`] runs it in-process (the binary and the tests both use it).

pub mod app;
pub mod listen;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How to run a server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the server keeps its state (and its made certificate).
    pub data_dir: PathBuf,
    /// The address to listen on (port 0: any free one).
    pub listen: SocketAddr,
    /// The administrator's certificate chain and key (PEM); both or neither.
    pub tls_files: Option<(PathBuf, PathBuf)>,
}

/// A server running in this process.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    /// SHA-256 of the certificate the server presents, as colon-separated hex pairs.
    pub fingerprint: String,
    task: JoinHandle<()>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl Server {
    /// Loads or makes the TLS identity, binds, and serves in the background.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let identity = match &config.tls_files {
            Some((cert, key)) => tls::Identity::from_files(cert, key)?,
            None => tls::Identity::load_or_make(&config.data_dir.join("tls"))?,
        };
        let listen_error = |source| StartError::Listen {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(listen_error)?;
        let addr = listener.local_addr().map_err(listen_error)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(identity.config.clone());
        let task = tokio::spawn(listen::serve(listener, acceptor, app::router()));
        Ok(Server {
            addr,
            fingerprint: identity.fingerprint,
            task,
        })
    }

    /// Stops serving (connections under way end with it).
    pub fn stop(self) {
        self.task.abort();
    }
}
