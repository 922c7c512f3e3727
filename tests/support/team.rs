//! The team rig: a team server in-process (on a runtime of its own, so tests stay plain
//! blocking code that runs the real `helpr`), with one organization and its owner, and the
//! test browser that fills in its sign-in page.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use helpr_team::testing::Browser;

use crate::Scratch;

pub const OWNER_EMAIL: &str = "owner@example.test";
pub const PASSWORD: &str = "correct horse battery staple";

/// A team server on `config`, with the organization "Acme" and its owner (`OWNER_EMAIL`).
async fn start_acme(config: helpr_server::Config) -> helpr_server::Server {
    let server = helpr_server::Server::start(config)
        .await
        .expect("the team server starts");
    helpr_server::setup::create_org(
        &server.hub,
        "Acme",
        "Olive Owner",
        OWNER_EMAIL,
        PASSWORD.to_owned(),
    )
    .await
    .expect("the organization is made");
    server
}

/// A running team server.
pub struct TeamServer {
    pub runtime: tokio::runtime::Runtime,
    pub server: helpr_server::Server,
    pub data: tempfile::TempDir,
}

impl TeamServer {
    pub fn start() -> TeamServer {
        let runtime = crate::background_runtime();
        let data = tempfile::tempdir().expect("temp dir");
        let server = runtime.block_on(start_acme(helpr_server::Config::local(data.path())));
        TeamServer {
            runtime,
            server,
            data,
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.server.addr)
    }

    pub fn fingerprint(&self) -> &str {
        &self.server.fingerprint
    }

    /// Fills in the sign-in page at `url` as `email`.
    pub fn browse(&self, url: &str, email: &str, password: &str) -> (u16, Option<String>) {
        browse(&self.runtime, self.fingerprint(), url, email, password)
    }

    /// `helpr team sign-in` for `scratch` as `email`: the CLI prints the page's address, the
    /// test browser fills it in; returns the command's exit status and its JSON document.
    pub fn cli_sign_in(
        &self,
        scratch: &Scratch,
        email: &str,
        password: &str,
        fingerprint: &str,
    ) -> (bool, serde_json::Value, String) {
        cli_sign_in(
            &self.runtime,
            (&self.url(), self.fingerprint()),
            scratch,
            (email, password),
            fingerprint,
        )
    }
}

/// Fills in the sign-in page at `url` (of the server whose certificate is `server_fingerprint`)
/// as `email`.
pub fn browse(
    runtime: &tokio::runtime::Runtime,
    server_fingerprint: &str,
    url: &str,
    email: &str,
    password: &str,
) -> (u16, Option<String>) {
    let browser = Browser {
        http: helpr_team::pin::client(server_fingerprint),
        email: email.to_owned(),
        password: password.to_owned(),
    };
    runtime.block_on(browser.visit(url))
}

/// `helpr team sign-in URL --fingerprint FINGERPRINT` for `scratch`, the test browser signing
/// in as `who` (address, password) on the server `(url, its real fingerprint)`.
pub fn cli_sign_in(
    runtime: &tokio::runtime::Runtime,
    (url, server_fingerprint): (&str, &str),
    scratch: &Scratch,
    (email, password): (&str, &str),
    fingerprint: &str,
) -> (bool, serde_json::Value, String) {
    let mut child = scratch
        .command(&[
            "team",
            "sign-in",
            url,
            "--fingerprint",
            fingerprint,
            "--no-browser",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run helpr team sign-in");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("read the page's address");
    if first.starts_with("https://") {
        browse(runtime, server_fingerprint, first.trim(), email, password);
        first.clear();
    }
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("read helpr's output");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)
        .expect("read helpr's errors");
    let status = child.wait().expect("wait for helpr");
    let text = format!("{first}{rest}");
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status.success(), json, stderr)
}

/// A team server brokering one shared Gmail inbox held by the google-emulator (in the
/// server's runtime, consent auto-approved): the organization's owner signed in, the shared
/// inbox "Support" (restricted) with its account connected the way an admin's desktop does it.
pub struct BrokeredInbox {
    pub team: TeamServer,
    pub emu: google_emulator::Emulator,
    pub owner: helpr_team::TeamClient,
    pub inbox: helpr_policy::InboxId,
}

/// The google-emulator holding `address`'s mailbox, seeded with `seed`, consent auto-approved,
/// no quota.
pub async fn emulator(address: &str, seed: Vec<Vec<u8>>) -> google_emulator::Emulator {
    let emu = google_emulator::Emulator::start_with_oauth(
        google_emulator::Config::default(),
        google_emulator::OAuthConfig {
            auto_approve: true,
            account: google_emulator::Account::new(address),
            ..google_emulator::OAuthConfig::default()
        },
    )
    .await
    .expect("the emulator starts");
    emu.set_quota(None);
    emu.seed_messages(seed);
    emu
}

/// On the server at `url` (certificate `fingerprint`): the owner signs in, makes the shared
/// inbox "Support" (restricted) and connects its Gmail account ([`connect_gmail`]).
pub async fn connect_shared_inbox(
    url: &str,
    fingerprint: &str,
) -> (helpr_team::TeamClient, helpr_policy::InboxId) {
    let address = helpr_team::ServerAddress::parse(url).expect("the server's address");
    let anonymous = helpr_team::TeamClient::new(address, Some(fingerprint));
    let browser = Browser {
        http: helpr_team::pin::client(fingerprint),
        email: OWNER_EMAIL.into(),
        password: PASSWORD.into(),
    };
    let token = helpr_team::sign_in::sign_in(
        &anonymous,
        "owner",
        std::time::Duration::from_secs(30),
        browser.opener(),
    )
    .await
    .expect("the owner signs in");
    let owner = anonymous.with_token(token.session_token.into());
    let inbox = owner
        .create_inbox(&helpr_proto::requests::CreateInbox {
            name: "Support".into(),
            visibility: helpr_policy::Visibility::Restricted,
            teams: vec![],
            assigned_only: false,
        })
        .await
        .expect("the inbox is made")
        .id;
    connect_gmail(&owner, inbox).await;
    (owner, inbox)
}

/// Connects `inbox`'s Gmail account as an admin's desktop does: a loopback listener, the
/// server's authorization URL opened in the browser (the emulator approves), the code handed
/// to the server.
pub async fn connect_gmail(owner: &helpr_team::TeamClient, inbox: helpr_policy::InboxId) {
    let loopback = helpr_loopback::Loopback::bind().await.expect("loopback");
    let started = owner
        .start_gmail_connect(inbox, &loopback.redirect_uri())
        .await
        .expect("the connect starts");
    let url = started.authorization_url.clone();
    let browsing = tokio::spawn(async move { reqwest::get(url).await.map(|_| ()) });
    let redirect =
        tokio::time::timeout(std::time::Duration::from_secs(20), loopback.next_redirect())
            .await
            .expect("the browser comes back")
            .expect("a redirect");
    let code = redirect.single("code").expect("a code").to_owned();
    let state = redirect.single("state").expect("a state").to_owned();
    redirect.answer(true).await;
    let _ = browsing.await;
    let view = owner
        .finish_gmail_connect(inbox, &state, &code)
        .await
        .expect("the connect finishes");
    assert!(view.connected, "{view:?}");
}

/// Adds an agent (password [`PASSWORD`]) who is an agent member of `inbox`; returns their id.
pub async fn add_member(
    owner: &helpr_team::TeamClient,
    inbox: helpr_policy::InboxId,
    name: &str,
    email: &str,
) -> helpr_policy::UserId {
    let user = owner
        .create_user(&helpr_proto::requests::CreateUser {
            name: name.into(),
            email: email.into(),
            role: helpr_policy::OrgRole::Agent,
            password: PASSWORD.into(),
        })
        .await
        .expect("the user is added");
    owner
        .set_member(
            inbox,
            user.id,
            &helpr_proto::requests::SetMember {
                role: helpr_policy::MemberRole::Agent,
                assigned_only: false,
            },
        )
        .await
        .expect("the member is set");
    user.id
}

impl BrokeredInbox {
    pub fn start(address: &str, seed: Vec<Vec<u8>>) -> BrokeredInbox {
        let runtime = crate::background_runtime();
        let data = tempfile::tempdir().expect("temp dir");
        let (server, emu, owner, inbox) = runtime.block_on(async {
            let emu = emulator(address, seed).await;
            let mut config = helpr_server::Config::local(data.path());
            config.gmail = Some(
                helpr_gmail::GmailConfig::from_toml(&emu.helpr_config_toml())
                    .expect("the emulator's configuration"),
            );
            let server = start_acme(config).await;
            let (owner, inbox) =
                connect_shared_inbox(&format!("https://{}", server.addr), &server.fingerprint)
                    .await;
            (server, emu, owner, inbox)
        });
        BrokeredInbox {
            team: TeamServer {
                runtime,
                server,
                data,
            },
            emu,
            owner,
            inbox,
        }
    }

    /// Adds an agent who is a member of the shared inbox; returns their user id.
    pub fn add_member(&self, name: &str, email: &str) -> helpr_policy::UserId {
        self.team
            .runtime
            .block_on(add_member(&self.owner, self.inbox, name, email))
    }

    pub fn remove_member(&self, user: helpr_policy::UserId) {
        self.team
            .runtime
            .block_on(self.owner.remove_member(self.inbox, user))
            .expect("the member is removed");
    }
}

/// The `helpr-server` binary as a process of its own (so a test can kill it with SIGKILL),
/// on a fixed loopback port with a key file and the emulator's Gmail configuration, its
/// organization made with `create-org`.
pub struct ServerProcess {
    child: Option<std::process::Child>,
    pub data: tempfile::TempDir,
    pub port: u16,
    pub fingerprint: String,
    gmail_config: std::path::PathBuf,
}

impl ServerProcess {
    /// Makes the organization (owner [`OWNER_EMAIL`]) and starts the server.
    pub fn start(gmail_config_toml: &str) -> ServerProcess {
        let data = tempfile::tempdir().expect("temp dir");
        let gmail_config = data.path().join("gmail.toml");
        std::fs::write(&gmail_config, gmail_config_toml).expect("write the Gmail configuration");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = ServerProcess {
            child: None,
            data,
            port,
            fingerprint: String::new(),
            gmail_config,
        };
        let status = server
            .command()
            .args([
                "create-org",
                "--name",
                "Acme",
                "--owner-name",
                "Olive Owner",
            ])
            .args(["--owner-email", OWNER_EMAIL])
            .env("HELPR_SERVER_OWNER_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("run helpr-server create-org");
        assert!(status.success(), "create-org failed");
        server.restart();
        server
    }

    fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(crate::server_bin());
        cmd.arg("--data-dir")
            .arg(self.data.path().join("server"))
            .arg("--key-file")
            .arg(self.data.path().join("root.key"))
            .arg("--gmail-config")
            .arg(&self.gmail_config)
            .env("RUST_LOG", "warn");
        cmd
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again, on the same port and data) and waits until it listens.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is running");
        let mut child = self
            .command()
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start helpr-server");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        loop {
            let mut line = String::new();
            assert_ne!(
                stdout.read_line(&mut line).expect("read"),
                0,
                "helpr-server exited"
            );
            if let Some(f) = line
                .trim()
                .strip_prefix("certificate fingerprint (SHA-256): ")
            {
                self.fingerprint = f.to_owned();
                break;
            }
        }
        // Its stdout stays open (it prints nothing more) until it ends.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        self.child = Some(child);
    }

    /// The running server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server is running").id()
    }

    /// Waits for the server to end (after someone killed it); returns how it ended.
    pub fn reap(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the server was running");
        child.wait().expect("reap helpr-server")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
