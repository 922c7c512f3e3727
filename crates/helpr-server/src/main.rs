//! `helpr-server`: runs the team server until interrupted.
//!
//! `helpr-server --data-dir D [--listen ADDR] [--tls-cert FILE --tls-key FILE]`. Without a
//! certificate it makes one at first start and keeps it in `D/tls`; it prints the certificate's
//! fingerprint, which desktops show and pin at first sign-in.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
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
    #[arg(long, env = "HELPR_SERVER_DATA_DIR")]
    data_dir: PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:7443")]
    listen: SocketAddr,
    /// The certificate chain to present (PEM, leaf first); with --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM); with --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let server = Server::start(Config {
        data_dir: args.data_dir,
        listen: args.listen,
        tls_files: args.tls_cert.zip(args.tls_key),
    })
    .await
    .context("starting the server")?;
    println!("helpr-server listening on https://{}", server.addr);
    println!("certificate fingerprint (SHA-256): {}", server.fingerprint);
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    server.stop();
    Ok(())
}
