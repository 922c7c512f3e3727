//! The google-emulator binary, for demo mode and trying helpr by hand: seeds the mailbox
//! from a Maildir, an mbox or the generator, serves every listener (HTTP, HTTPS, SMTP) on
//! 127.0.0.1 until SIGINT or SIGTERM. `--print-config` writes the helpr configuration TOML to
//! stdout (and nothing else there; it is flushed at once so a parent can read it while the
//! emulator runs); without it a short banner goes to stderr. Test and demo only.

use anyhow::Context as _;
use clap::{ArgGroup, Parser};
use google_emulator::generate::generate;
use google_emulator::mbox::split_mbox;
use google_emulator::{Account, Config, Emulator, OAuthConfig, Ports, SigningKey};
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "google-emulator",
    about = "Local stand-in for Google OAuth, Gmail REST, SMTP and Pub/Sub push (test and demo only)"
)]
#[command(group(ArgGroup::new("seed_source").required(true).args(["mailbox", "generate"])))]
struct Args {
    /// Seed from a Maildir directory or an mbox file.
    #[arg(long, value_name = "PATH")]
    mailbox: Option<PathBuf>,
    /// Seed with N generated messages.
    #[arg(long, value_name = "N")]
    generate: Option<usize>,
    /// The generator's seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Grant consent without showing the consent page.
    #[arg(long)]
    auto_approve: bool,
    /// Write the helpr configuration TOML to stdout, then keep serving.
    #[arg(long)]
    print_config: bool,
    /// POST Pub/Sub push notifications here after a watch (also the token audience).
    #[arg(long, value_name = "URL")]
    push_endpoint: Option<String>,
    /// The signed-in Google account.
    #[arg(long, value_name = "EMAIL", default_value = "user@example.com")]
    account: String,
    /// Plain-HTTP port (0 = random).
    #[arg(long, value_name = "P", default_value_t = 0)]
    http_port: u16,
    /// HTTPS port (0 = random).
    #[arg(long, value_name = "Q", default_value_t = 0)]
    https_port: u16,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let messages = match (&args.mailbox, args.generate) {
        (Some(path), _) if path.is_dir() => google_emulator::gmail::read_maildir(path)
            .with_context(|| format!("reading Maildir {}", path.display()))?,
        (Some(path), _) => split_mbox(
            &std::fs::read(path).with_context(|| format!("reading mbox {}", path.display()))?,
        ),
        (None, Some(n)) => generate(args.seed, n, &args.account),
        (None, None) => unreachable!("clap requires one of --mailbox and --generate"),
    };
    let oauth = OAuthConfig {
        account: Account::new(&args.account),
        auto_approve: args.auto_approve,
        ..OAuthConfig::default()
    };
    let ports = Ports {
        http: args.http_port,
        https: args.https_port,
        ..Ports::default()
    };
    let key = SigningKey::generate().context("generating the signing key")?;
    let emulator = Emulator::start_on(Config::default(), key, oauth, ports)
        .await
        .context("starting the emulator")?;
    let seeded = emulator.seed_messages(messages).len();
    if let Some(url) = &args.push_endpoint {
        emulator.set_push_endpoint(url, url);
    }
    if args.print_config {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(emulator.helpr_config_toml().as_bytes())?;
        stdout.flush()?;
    } else {
        eprintln!(
            "google-emulator (test and demo only): {seeded} messages for {}\n  \
             http   {}\n  https  {}\n  gmail  {}\n  smtp   {} (TLS), {} (STARTTLS)\n  \
             --print-config writes the helpr configuration with the test CA",
            args.account,
            emulator.base_url(),
            emulator.https_base_url(),
            emulator.https_gmail_url(),
            emulator.smtp_tls_addr(),
            emulator.smtp_starttls_addr(),
        );
    }
    wait_for_signal().await?;
    eprintln!("google-emulator: stopping");
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> anyhow::Result<()> {
    tokio::signal::ctrl_c().await?;
    Ok(())
}
