//! helpr-server: the team server (issue 16). It owns who may see and answer which inbox, tells
//! every desktop of a change at once, and brokers Gmail without keeping mail. It speaks only
//! HTTPS (and WSS): with the administrator's certificate, or one it makes at first start and
//! keeps, whose fingerprint desktops pin at first sign-in.
//!
//! - [`tls`]: the server's certificate and key, given or made and kept, and its fingerprint.
//! - [`listen`]: the accept loop: TLS first, then HTTP/1.1 into the router.
//! - [`app`]: the routes and what handlers share.
//! - [`api`]: the JSON API, each endpoint decided by the policy.
//! - [`socket`]: the WebSocket: live changes fanned out by the policy, replay, presence.
//! - [`gmail`]: the Gmail broker: connected accounts sealed, the API proxied and filtered by
//!   the policy, mail sent, Pub/Sub push.
//! - [`auth`]: the sign-in page, PKCE, sessions, limits.
//! - [`secure`]: secure email: protected threads under a split key, the recipient's page.
//! - [`org`]: organizations as event logs, applied in memory; the write path.
//! - [`store`]: the database (SQLite/SQLCipher, or PostgreSQL), its schema and queries.
//! - [`audit`]: the audit trail, hash-chained with keyed identifiers, appended with each change.
//! - [`keys`]: the server's root key, from the keychain or a 0600 file, fail-closed.
//! - [`error`]: refusals in the wire's shape.
//! - [`openapi`]: the generated OpenAPI document.
//! - [`setup`]: a new organization and its first owner.
//! - [`clock`]: the time, which tests move.
//!
//! [`Server::start`] runs it in-process (the binary and the tests both use it).

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod error;
pub mod gmail;
pub mod keys;
pub mod listen;
pub mod openapi;
pub mod org;
pub mod secure;
pub mod setup;
pub mod socket;
pub mod store;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::clock::Clock;
use crate::keys::KeySource;
use crate::org::hub::Hub;
use crate::store::{postgres::Postgres, sqlite::Sqlite, Db};

/// How to run a server.
#[derive(Clone)]
pub struct Config {
    /// Where the server keeps its state (and its made certificate).
    pub data_dir: PathBuf,
    /// The address to listen on (port 0: any free one).
    pub listen: SocketAddr,
    /// The administrator's certificate chain and key (PEM); both or neither.
    pub tls_files: Option<(PathBuf, PathBuf)>,
    /// Where the server's root key is.
    pub key: KeySource,
    /// The PostgreSQL database (`postgres://…`) that several replicas share; `None`: SQLite
    /// in `data_dir`. The root key stays in `data_dir` (or the keychain) either way.
    pub database: Option<String>,
    /// The time (tests move it).
    pub clock: Clock,
    /// Google's endpoints and the OAuth client the Gmail broker uses (`--gmail-config`);
    /// without it the Gmail endpoints answer `upstream` (503).
    pub gmail: Option<helpr_gmail::GmailConfig>,
    /// What Gmail's Pub/Sub pushes must carry (audience, service account, Google's JWKS);
    /// without it the push endpoint answers 503. Needs `gmail`.
    pub gmail_push: Option<helpr_gmail::PushConfig>,
    /// The Pub/Sub topic (`projects/<project>/topics/<topic>`) Gmail publishes connected
    /// inboxes' changes to (`users.watch`, renewed daily, stopped on disconnect); without it
    /// nothing asks Gmail to push. Needs `gmail_push`.
    pub gmail_push_topic: Option<String>,
}

/// The database URL may hold a password: shown without it.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("tls_files", &self.tls_files)
            .field("key", &self.key)
            .field("database", &self.database.as_ref().map(|_| "[redacted]"))
            .field("gmail", &self.gmail.as_ref().map(|_| "[configured]"))
            .field("gmail_push_topic", &self.gmail_push_topic)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// A server on a free loopback port keeping its state in `data_dir`, its key in
    /// `data_dir/server.key` (tests and `cargo xtask server`).
    pub fn local(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Config {
            key: KeySource::File(data_dir.join("server.key")),
            data_dir,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls_files: None,
            database: None,
            clock: Clock::default(),
            gmail: None,
            gmail_push: None,
            gmail_push_topic: None,
        }
    }
}

/// A server running in this process.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    /// SHA-256 of the certificate the server presents, as colon-separated hex pairs.
    pub fingerprint: String,
    /// The organizations it serves (tests read and set up through it).
    pub hub: Arc<Hub>,
    task: JoinHandle<()>,
    refresher: JoinHandle<()>,
    /// The Gmail watch renewal, when the server has a push topic.
    watches: Option<JoinHandle<()>>,
    /// Presence between replicas, on PostgreSQL.
    relay: Option<JoinHandle<()>>,
    /// Expired secure messages destroyed.
    sweep: JoinHandle<()>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("{0}")]
    Key(#[from] keys::KeyError),
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    Gmail(#[from] gmail::broker::BrokerError),
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
        let hub = open_hub(&config).await?;
        let heard = match &config.database {
            Some(url) => Some(store::notify::listen(url)?),
            None => None,
        };
        let (wakes, presence, relay) = match heard {
            // With replicas, presence is relayed between them.
            Some(heard) => {
                let (outbox, notes) = tokio::sync::mpsc::unbounded_channel();
                let presence = Arc::new(socket::presence::Presence::new(Some(outbox)));
                let relay =
                    socket::relay::spawn(presence.clone(), hub.db().clone(), notes, heard.presence);
                (Some(heard.wakes), presence, Some(relay))
            }
            None => (None, Arc::default(), None),
        };
        let refresher = tokio::spawn(org::follow::follow(hub.clone(), wakes));
        // The broker seals with the hub's keys (the root key and the tenant keys it unwraps).
        let keys = hub.keys().clone();
        let sealer = gmail::sealing::Sealer::new(keys.clone(), hub.db().clone());
        let broker = Arc::new(gmail::broker::Broker::new(
            config.gmail.clone(),
            config.gmail_push.clone(),
            config.gmail_push_topic.clone(),
            sealer,
            config.clock.clone(),
        )?);
        gmail::broker::Broker::follow(Arc::downgrade(&broker), &hub);
        let app = Arc::new(App {
            hub: hub.clone(),
            limits: Default::default(),
            presence,
            keys,
            gmail: broker,
            secure_limits: Default::default(),
        });
        let watches = gmail::watch::spawn(app.clone());
        let sweep = secure::sweep::spawn(app.clone());
        let acceptor = tokio_rustls::TlsAcceptor::from(identity.config.clone());
        let task = tokio::spawn(listen::serve(listener, acceptor, app::router(app)));
        Ok(Server {
            addr,
            fingerprint: identity.fingerprint,
            hub,
            task,
            refresher,
            watches,
            relay,
            sweep,
        })
    }

    /// Stops serving (connections under way end with it).
    pub fn stop(self) {
        self.task.abort();
        self.refresher.abort();
        self.sweep.abort();
        if let Some(watches) = self.watches {
            watches.abort();
        }
        if let Some(relay) = self.relay {
            relay.abort();
        }
    }
}

/// Opens the server's database with its key and loads every organization (the server at
/// start, and `helpr-server create-org`).
pub async fn open_hub(config: &Config) -> Result<Arc<Hub>, StartError> {
    let keys = keys::load_or_make(&config.data_dir, &config.key)?;
    let blocking = |e: tokio::task::JoinError| store::StoreError::Backend(e.to_string());
    let db = match config.database.clone() {
        None => {
            let db_path = config.data_dir.join("server.db");
            let key = keys.derive_sqlcipher_key();
            tokio::task::spawn_blocking(move || Db::new(Sqlite::open(&db_path, &key)?))
        }
        Some(url) => tokio::task::spawn_blocking(move || Db::new(Postgres::connect(&url)?)),
    };
    let db = db.await.map_err(blocking)??;
    Ok(Hub::load(db, config.clock.clone(), Arc::new(keys)).await?)
}
