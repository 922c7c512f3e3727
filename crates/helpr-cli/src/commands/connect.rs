//! `helpr connect gmail`: the installed-app OAuth sign-in, then the account is stored (sealed).
//! Endpoints and client come from `--config FILE` (what `google-emulator --print-config`
//! writes) or from flags over Google's defaults. The authorization URL opens in the system
//! browser, or is printed with `--no-browser` for a headless machine.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use helpr_core::{CoreError, Helpr};
use helpr_gmail::{GmailConfig, SmtpSecurity};

#[derive(Subcommand)]
pub enum ConnectCommand {
    /// Connect a Gmail account (OAuth in the browser).
    Gmail(GmailArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SecurityArg {
    Tls,
    Starttls,
}

#[derive(Args)]
pub struct GmailArgs {
    /// A helpr Gmail configuration file (TOML); flags below override its values.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print the authorization URL instead of opening a browser.
    #[arg(long)]
    no_browser: bool,
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, env = "HELPR_GMAIL_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    #[arg(long)]
    auth_url: Option<String>,
    #[arg(long)]
    token_url: Option<String>,
    #[arg(long)]
    revocation_url: Option<String>,
    /// The Gmail API users base, e.g. https://gmail.googleapis.com/gmail/v1/users/me.
    #[arg(long)]
    api_url: Option<String>,
    #[arg(long)]
    smtp_host: Option<String>,
    #[arg(long)]
    smtp_port: Option<u16>,
    #[arg(long, value_enum)]
    smtp_security: Option<SecurityArg>,
    #[arg(long)]
    json: bool,
}

impl ConnectCommand {
    pub fn json(&self) -> bool {
        match self {
            ConnectCommand::Gmail(a) => a.json,
        }
    }
}

fn config(a: &GmailArgs) -> Result<GmailConfig, CoreError> {
    let mut c = match &a.config {
        Some(path) => helpr_core::gmail::load_config(path)?,
        None => {
            let (Some(id), Some(secret)) = (&a.client_id, &a.client_secret) else {
                return Err(CoreError::InvalidInput(
                    "give --config FILE, or --client-id and --client-secret of your Google \
                     desktop OAuth client"
                        .into(),
                ));
            };
            GmailConfig::google(id, secret)
        }
    };
    let set = |field: &mut String, v: &Option<String>| {
        if let Some(v) = v {
            *field = v.clone();
        }
    };
    set(&mut c.oauth.client_id, &a.client_id);
    set(&mut c.oauth.client_secret, &a.client_secret);
    set(&mut c.oauth.auth_url, &a.auth_url);
    set(&mut c.oauth.token_url, &a.token_url);
    set(&mut c.oauth.revocation_url, &a.revocation_url);
    set(&mut c.gmail.api_url, &a.api_url);
    set(&mut c.smtp.host, &a.smtp_host);
    if let Some(p) = a.smtp_port {
        c.smtp.port = p;
    }
    if let Some(s) = a.smtp_security {
        c.smtp.security = match s {
            SecurityArg::Tls => SmtpSecurity::Tls,
            SecurityArg::Starttls => SmtpSecurity::Starttls,
        };
    }
    c.check()
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    Ok(c)
}

pub async fn run(dir: &Path, command: ConnectCommand) -> Result<(), CoreError> {
    let ConnectCommand::Gmail(args) = command;
    let config = config(&args)?;
    let helpr = Helpr::open(dir).await?;
    let no_browser = args.no_browser;
    let address = helpr
        .connect_gmail(config, move |url| {
            if no_browser {
                eprintln!("Open this URL in a browser to connect the account:\n{url}");
                Ok(())
            } else {
                eprintln!("Opening the browser to connect the account (waiting for consent)…");
                helpr_core::gmail::open_in_browser(url)
            }
        })
        .await?;
    if args.json {
        crate::output::print_json(&serde_json::json!({ "connected": address }));
    } else {
        println!(
            "connected {}; run `helpr sync` to fetch its mail",
            crate::output::safe(&address)
        );
    }
    Ok(())
}
