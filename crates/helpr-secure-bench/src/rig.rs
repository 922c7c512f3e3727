//! The world the bench runs in, made as an organization would make it: the google-emulator
//! in-process holding the shared inbox's Gmail account (consent auto-approved, no quota); the
//! release `helpr-server` as a child process with the emulator's Gmail configuration and an
//! organization from `create-org`; the owner signed in through the page (helpr-team's test
//! browser), the shared inbox made and its Gmail account connected the way an admin's desktop
//! does it (loopback redirect); an agent added to it; and the agent's vault in-process
//! (helpr-core, in a temporary directory, its key in the session's keychain) signed in, its
//! first snapshot applied and the shared inbox synced.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use google_emulator::Emulator;
use helpr_core::team::listen::TeamUpdate;
use helpr_core::team::Trust;
use helpr_core::{Helpr, SyncOptions};
use helpr_policy::{InboxId, MemberRole, OrgRole, Visibility};
use helpr_proto::requests::{CreateInbox, CreateUser, SetMember};
use helpr_server_bench::server::{Launch, ServerProcess};
use helpr_team::testing::Browser;
use helpr_team::{ServerAddress, TeamClient};
use secrecy::SecretString;

use crate::error::BenchError;

/// The shared inbox's Gmail address (the emulator's account).
pub const INBOX: &str = "support@acme.test";
pub const OWNER_EMAIL: &str = "owner@acme.test";
pub const AGENT_EMAIL: &str = "ada@acme.test";
/// Every bench user's password (the page's argon2 runs once per sign-in).
pub const PASSWORD: &str = "correct horse battery staple";
/// How long a browser sign-in or Gmail consent may take.
const SIGN_IN: Duration = Duration::from_secs(30);

/// The emulator holding [`INBOX`], consent auto-approved, no quota.
pub async fn emulator() -> Result<Emulator, BenchError> {
    let emu = Emulator::start_with_oauth(
        google_emulator::Config::default(),
        google_emulator::OAuthConfig {
            auto_approve: true,
            account: google_emulator::Account::new(INBOX),
            ..google_emulator::OAuthConfig::default()
        },
    )
    .await?;
    emu.set_quota(None);
    Ok(emu)
}

/// The server's launch in `root` (its Gmail configuration the emulator's), its organization
/// made with `create-org`.
pub fn launch(root: &Path, bin: PathBuf, emu: &Emulator) -> Result<Launch, BenchError> {
    let gmail_config = root.join("gmail.toml");
    std::fs::write(&gmail_config, emu.helpr_config_toml())
        .map_err(BenchError::io("writing the emulator's Gmail configuration"))?;
    let launch = Launch {
        bin,
        data_dir: root.join("server"),
        key_file: root.join("server.key"),
        database: None,
        log: root.join("server.log"),
        gmail_config: Some(gmail_config),
    };
    launch.create_org(OWNER_EMAIL, PASSWORD)?;
    Ok(launch)
}

/// `https://ADDR` of a running server.
pub fn url_of(server: &ServerProcess) -> String {
    format!("https://{}", server.addr)
}

/// The server's certificate (PEM), as it made it in its data directory.
pub fn certificate(launch: &Launch) -> Result<Vec<u8>, BenchError> {
    let path = launch.data_dir.join("tls/server.crt");
    std::fs::read(&path).map_err(BenchError::io(format!("reading {}", path.display())))
}

fn browser(server: &ServerProcess, email: &str) -> Browser {
    Browser {
        http: helpr_team::pin::client(&server.fingerprint),
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
    }
}

/// The owner signs in, makes the shared inbox (restricted), connects its Gmail account and
/// adds [`AGENT_EMAIL`] as its agent.
pub async fn shared_inbox(server: &ServerProcess) -> Result<InboxId, BenchError> {
    let address = ServerAddress::parse(&url_of(server))
        .map_err(|e| BenchError::Flow(format!("the server's address: {e}")))?;
    let anonymous = TeamClient::new(address, Some(&server.fingerprint));
    let token = helpr_team::sign_in::sign_in(
        &anonymous,
        "owner",
        SIGN_IN,
        browser(server, OWNER_EMAIL).opener(),
    )
    .await?;
    let owner = anonymous.with_token(SecretString::from(token.session_token));
    let inbox = owner
        .create_inbox(&CreateInbox {
            name: "Support".into(),
            visibility: Visibility::Restricted,
            teams: vec![],
            assigned_only: false,
        })
        .await?
        .id;
    connect_gmail(&owner, inbox).await?;
    let agent = owner
        .create_user(&CreateUser {
            name: "Ada".into(),
            email: AGENT_EMAIL.into(),
            role: OrgRole::Agent,
            password: PASSWORD.into(),
        })
        .await?;
    owner
        .set_member(
            inbox,
            agent.id,
            &SetMember {
                role: MemberRole::Agent,
                assigned_only: false,
            },
        )
        .await?;
    Ok(inbox)
}

/// Connects `inbox`'s Gmail account as an admin's desktop does: a loopback listener, the
/// server's authorization URL opened (the emulator approves), the code handed to the server.
async fn connect_gmail(owner: &TeamClient, inbox: InboxId) -> Result<(), BenchError> {
    let loopback = helpr_loopback::Loopback::bind()
        .await
        .map_err(BenchError::io("binding the loopback listener"))?;
    let started = owner
        .start_gmail_connect(inbox, &loopback.redirect_uri())
        .await?;
    let url = started.authorization_url.clone();
    let browsing = tokio::spawn(async move { reqwest::get(url).await.map(|_| ()) });
    let redirect = tokio::time::timeout(SIGN_IN, loopback.next_redirect())
        .await
        .map_err(|_| BenchError::Timeout("Gmail's consent to come back".into()))?
        .map_err(BenchError::io("the consent's redirect"))?;
    let code = redirect.single("code").map(str::to_owned);
    let state = redirect.single("state").map(str::to_owned);
    redirect.answer(true).await;
    let _ = browsing.await;
    let (Some(code), Some(state)) = (code, state) else {
        return Err(BenchError::Flow(
            "Gmail's consent came back without a code".into(),
        ));
    };
    let view = owner.finish_gmail_connect(inbox, &state, &code).await?;
    if !view.connected {
        return Err(BenchError::Flow(format!(
            "the inbox's Gmail account did not connect: {view:?}"
        )));
    }
    Ok(())
}

/// The agent's vault in `dir`: made, signed in (the server's certificate pinned), its first
/// snapshot applied and the shared inbox synced, so it sends from [`INBOX`].
pub async fn agent(dir: &Path, server: &ServerProcess) -> Result<Helpr, BenchError> {
    let helpr = Helpr::init(dir, "bench").await?;
    helpr
        .team_sign_in(
            &url_of(server),
            Trust::Fingerprint(server.fingerprint.clone()),
            "bench",
            browser(server, AGENT_EMAIL).opener(),
        )
        .await?;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let report = Arc::new(move |update: TeamUpdate| {
        if matches!(update, TeamUpdate::Applied { .. }) {
            let _ = stop_tx.send(true);
        }
    });
    let (_activity, activity) = tokio::sync::mpsc::channel(1);
    tokio::time::timeout(SIGN_IN, helpr.team_listen(report, activity, stop))
        .await
        .map_err(|_| BenchError::Timeout("the agent's first snapshot".into()))??;
    let outcomes = helpr
        .team_sync(SyncOptions::default(), Arc::new(|_, _| {}))
        .await?;
    if let Some(e) = outcomes.iter().find_map(|o| o.error.as_ref()) {
        return Err(BenchError::Flow(format!(
            "the shared inbox did not sync: {}",
            e.message
        )));
    }
    if !outcomes.iter().any(|o| o.address == INBOX) {
        return Err(BenchError::Flow(
            "the shared inbox is not in the agent's vault after the sync".into(),
        ));
    }
    Ok(helpr)
}
