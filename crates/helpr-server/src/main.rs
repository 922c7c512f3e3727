//! `helpr-server`: runs the team server until interrupted, or sets up an organization.
//!
//! `helpr-server --data-dir D [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--key-file F]`.
//! Without a certificate it makes one at first start and keeps it in `D/tls`; it prints the
//! certificate's fingerprint, which desktops show and pin at first sign-in. Without a key file
//! its root key is in the OS keychain.
//!
//! With `--database postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (or `HELPR_SERVER_DATABASE`) the
//! state is in that PostgreSQL database instead of `D/server.db`, and several servers (each
//! with its own data directory, for its key and certificate) serve it together. `create-org`
//! takes the same flag.
//!
//! `--gmail-config FILE` (helpr-gmail's TOML: Google's endpoints, the OAuth client, SMTP, an
//! extra CA) turns on the Gmail broker; `--gmail-push-audience URL` and
//! `--gmail-push-service-account EMAIL` (with `--gmail-push-jwks-url`, Google's by default)
//! turn on Pub/Sub push at `POST /api/v1/gmail/push`; `--gmail-push-topic
//! projects/P/topics/T` then has the server ask Gmail to publish to that topic (`users.watch`)
//! for each inbox when it is connected and at every start, renewed daily, and stopped when
//! the inbox is disconnected or deleted.
//!
//! `helpr-server --data-dir D create-org --name N --owner-name O --owner-email E` makes an
//! organization and its first owner, whose password is read from standard input (or from
//! `HELPR_SERVER_OWNER_PASSWORD`). A running server picks it up within seconds.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use helpr_server::clock::Clock;
use helpr_server::keys::KeySource;
use helpr_server::{Config, Server};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "helpr-server",
    version,
    about = "The helpr team server (HTTPS only)"
)]
struct Args {
    /// Where the server keeps its state.
    #[arg(long, env = "HELPR_SERVER_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// The server's root key in this file (0600; made at first start) instead of the OS keychain.
    #[arg(long, env = "HELPR_SERVER_KEY_FILE", global = true)]
    key_file: Option<PathBuf>,
    /// Keep the state in this PostgreSQL database (`postgres://…`), which several servers may
    /// share, instead of SQLite in the data directory.
    #[arg(
        long,
        env = "HELPR_SERVER_DATABASE",
        global = true,
        hide_env_values = true
    )]
    database: Option<String>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:7443")]
    listen: SocketAddr,
    /// The certificate chain to present (PEM, leaf first); with --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM); with --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The Gmail broker's configuration (helpr-gmail's TOML: endpoints, OAuth client and
    /// secret, SMTP, extra CA); without it the Gmail endpoints answer 503.
    #[arg(long, env = "HELPR_SERVER_GMAIL_CONFIG")]
    gmail_config: Option<PathBuf>,
    /// The audience of Gmail's Pub/Sub push tokens (the push subscription's; by default its
    /// endpoint URL, `https://…/api/v1/gmail/push`).
    #[arg(long, requires_all = ["gmail_config", "gmail_push_service_account"])]
    gmail_push_audience: Option<String>,
    /// The push subscription's service account (the tokens' `email`).
    #[arg(long, requires = "gmail_push_audience")]
    gmail_push_service_account: Option<String>,
    /// The Pub/Sub topic Gmail publishes inboxes' changes to (`projects/P/topics/T`, whose
    /// push subscription posts to this server): the server calls Gmail's users.watch for each
    /// connected inbox, renews it daily and stops it on disconnect. Without it nothing asks
    /// Gmail to push.
    #[arg(long, requires = "gmail_push_audience")]
    gmail_push_topic: Option<String>,
    /// Where Google publishes the push tokens' keys.
    #[arg(long, default_value = "https://www.googleapis.com/oauth2/v3/certs")]
    gmail_push_jwks_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Makes an organization and its first owner (password on standard input).
    CreateOrg {
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner_name: String,
        #[arg(long)]
        owner_email: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let data_dir = args
        .data_dir
        .context("--data-dir (or HELPR_SERVER_DATA_DIR) is required")?;
    let config = Config {
        data_dir,
        listen: args.listen,
        tls_files: args.tls_cert.zip(args.tls_key),
        key: args.key_file.map_or(KeySource::Keychain, KeySource::File),
        database: args.database,
        clock: Clock::default(),
        gmail: match &args.gmail_config {
            Some(path) => Some(
                helpr_gmail::GmailConfig::from_toml(
                    &std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?,
                )
                .with_context(|| format!("{}", path.display()))?,
            ),
            None => None,
        },
        gmail_push: args
            .gmail_push_audience
            .zip(args.gmail_push_service_account)
            .map(|(audience, service_account)| helpr_gmail::PushConfig {
                jwks_url: args.gmail_push_jwks_url,
                audience,
                service_account,
            }),
        gmail_push_topic: args.gmail_push_topic,
    };
    match args.command {
        Some(Command::CreateOrg {
            name,
            owner_name,
            owner_email,
        }) => create_org(&config, &name, &owner_name, &owner_email).await,
        None => serve(config).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let server = Server::start(config).await.context("starting the server")?;
    println!("helpr-server listening on https://{}", server.addr);
    println!("certificate fingerprint (SHA-256): {}", server.fingerprint);
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    server.stop();
    Ok(())
}

async fn create_org(
    config: &Config,
    name: &str,
    owner_name: &str,
    owner_email: &str,
) -> anyhow::Result<()> {
    let password = match std::env::var("HELPR_SERVER_OWNER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("the owner's password (12 characters or more), then Enter:");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let hub = helpr_server::open_hub(config)
        .await
        .context("opening the server's database")?;
    let (org, owner) =
        helpr_server::setup::create_org(&hub, name, owner_name, owner_email, password)
            .await
            .map_err(|f| anyhow::anyhow!("{}", f.body.message))?;
    println!("organization {} made; its owner is user {}", org.0, owner.0);
    Ok(())
}
