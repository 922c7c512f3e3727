//! Desktop end-to-end with a team server: the real `helpr-desktop` app under WebDriver
//! (tauri-driver + WebKitWebDriver, Xvfb), a real vault and keychain, and the real team server
//! on a loopback port with its own self-signed certificate.
//!
//! An agent signs in from Settings → Team: the app shows the certificate's fingerprint first
//! (the test compares it with the server's, as a person would with what the server printed),
//! then the sign-in page's link (the test is the agent's browser: it fills the page in and the
//! redirect reaches core's loopback listener). The sidebar then lists exactly the shared
//! inboxes open to the agent, not the one restricted to others. "Support" has a Gmail account
//! (the google-emulator's) connected at the server: the app syncs it through the server on its
//! own, and its mail opens from the team section. Another agent opening that conversation and
//! writing a reply shows in Ada's thread, live, and an assignment in the thread and the list
//! row. Ada answers it as secure email from compose; when the customer opens it, the thread's
//! secure panel shows the read. When an admin takes an inbox away, the sidebar drops it without
//! a reload.
//!
//! Run by `cargo xtask test` like the other desktop tests (see `desktop_e2e.rs`).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use helpr_policy::{InboxId, MemberRole, OrgRole, Visibility};
use helpr_proto::requests::{CreateInbox, CreateUser, SetMember};
use helpr_proto::socket::ClientMessage;
use helpr_proto::views::ConversationRef;
use helpr_team::testing::Browser;
use helpr_team::{ServerAddress, TeamClient};
use helpr_tests::secure::{link_in, mails_after_async, six_digits};
use helpr_tests::webdriver::*;
use secrecy::ExposeSecret;

const OWNER: &str = "owner@example.test";
const AGENT: &str = "ada@example.test";
const PASSWORD: &str = "correct horse battery staple";
/// The shared inbox's Gmail address, and what its one message says.
const SHARED_ADDRESS: &str = "support@acme.test";
const CANARY: &str = "Where is my parcel 4417";
/// How long a send through the server (and its effects shown) may take.
const SEND_DEADLINE: Duration = Duration::from_secs(30);
/// What Ada's secure answer says (never in the notification).
const SECRET: &str = "tracking ZX-55-marmot";

fn customer_mail() -> Vec<u8> {
    format!(
        "From: Carla Customer <carla@customer.test>\r\nTo: {SHARED_ADDRESS}\r\n\
         Subject: {CANARY}\r\nMessage-ID: <parcel@customer.test>\r\n\
         Date: Mon, 3 Jun 2024 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n\
         It has been a week.\r\n"
    )
    .into_bytes()
}

async fn signed_in(server: &helpr_server::Server, email: &str) -> Result<TeamClient> {
    let address = ServerAddress::parse(&format!("https://{}", server.addr))?;
    let anonymous = TeamClient::new(address, Some(&server.fingerprint));
    let browser = Browser {
        http: helpr_team::pin::client(&server.fingerprint),
        email: email.into(),
        password: PASSWORD.into(),
    };
    let token = helpr_team::sign_in::sign_in(
        &anonymous,
        "admin",
        Duration::from_secs(30),
        browser.opener(),
    )
    .await?;
    Ok(anonymous.with_token(token.session_token.into()))
}

fn inbox(name: &str, visibility: Visibility) -> CreateInbox {
    CreateInbox {
        name: name.into(),
        visibility,
        teams: vec![],
        assigned_only: false,
    }
}

/// The names of the shared inboxes in the sidebar, read in one go from the DOM (the list
/// re-renders as updates arrive; WebDriver's rendered text of an ellipsised flex item can be
/// empty).
async fn sidebar_team_inboxes(client: &Client) -> Result<Vec<String>> {
    let names = client
        .execute(
            "return Array.from(document.querySelectorAll(\"[data-testid='team-inbox'] .nav-text\"))\
             .map((e) => e.textContent);",
            vec![],
        )
        .await?;
    let mut names: Vec<String> = serde_json::from_value(names)?;
    names.sort();
    Ok(names)
}

/// Waits until the sidebar lists exactly `expected`.
async fn until_sidebar(client: &Client, expected: &[&str]) -> Result<()> {
    let deadline = Instant::now() + LIST_DEADLINE;
    loop {
        let names = sidebar_team_inboxes(client).await?;
        if names == expected {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "the sidebar lists {names:?}, not {expected:?}\n{}",
            describe_page(client).await
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The text of every element with `testid`, joined by " · " (empty when there is none).
async fn texts(client: &Client, testid: &str) -> Result<String> {
    let texts = client
        .execute(
            "return Array.from(document.querySelectorAll(`[data-testid='${arguments[0]}']`))\
             .map((e) => e.textContent).join(' · ');",
            vec![serde_json::Value::from(testid)],
        )
        .await?;
    Ok(serde_json::from_value(texts)?)
}

/// Waits until the elements with `testid` read exactly `expected`.
async fn until_text(client: &Client, testid: &str, expected: &str) -> Result<()> {
    let deadline = Instant::now() + LIST_DEADLINE;
    loop {
        let shown = texts(client, testid).await?;
        if shown == expected {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "{testid} reads {shown:?}, not {expected:?}\n{}",
            describe_page(client).await
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The Gmail thread of the shared inbox's one message, through the server's proxy.
async fn gmail_thread_of(owner: &TeamClient, inbox: InboxId) -> Result<String> {
    let token = owner.token().context("the owner is signed in")?;
    let list: serde_json::Value = owner
        .http()
        .get(format!("{}/messages", owner.gmail_api_base(inbox)))
        .bearer_auth(token.expose_secret())
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    list["messages"][0]["threadId"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no message listed: {list}"))
}

/// Replies to the open conversation as secure email from compose, then reads it as the
/// customer would (a code from the mail, the key released), and waits for the panel to say so.
async fn secure_reply(
    client: &Client,
    emu: &google_emulator::Emulator,
    fingerprint: &str,
) -> Result<()> {
    open_reply(client).await?;
    type_into_focus(client, &format!("Your tracking number is inside. {SECRET}")).await?;
    client
        .find(Locator::Css("[data-testid=compose-secure]"))
        .await?
        .click()
        .await?;
    let send = wait_for(
        client,
        "//*[@data-testid='compose-send'][normalize-space(.)='Send securely']",
        READER_DEADLINE,
    )
    .await?;
    let before = emu.sent_messages().len();
    send.click().await?;
    wait_for(
        client,
        "//li[@data-testid='secure-reader'][@data-state='waiting'][@data-address='carla@customer.test']",
        SEND_DEADLINE,
    )
    .await
    .context("the thread shows no waiting reader after sending securely")?;
    let notification = mails_after_async(emu, before, 1).await.remove(0);
    ensure!(
        !notification.contains(SECRET),
        "the notification holds the message"
    );
    let (page, id, _) = link_in(&notification);
    let api = format!(
        "{}/api/v1/secure/{id}",
        page.split("/s/").next().unwrap_or_default()
    );
    let http = helpr_team::pin::client(fingerprint);
    let reader = serde_json::json!({"address": "carla@customer.test"});
    let before = emu.sent_messages().len();
    let asked = http
        .post(format!("{api}/code"))
        .json(&reader)
        .send()
        .await?;
    ensure!(asked.status() == 202, "code request: {}", asked.status());
    let code = six_digits(&mails_after_async(emu, before, 1).await[0]);
    let mut verify = reader.clone();
    verify["code"] = code.into();
    let opened = http
        .post(format!("{api}/verify"))
        .json(&verify)
        .send()
        .await?;
    ensure!(opened.status() == 200, "verify: {}", opened.status());
    // The server tells the desktop the conversation changed; its sync fetches the status.
    wait_for(
        client,
        "//li[@data-testid='secure-reader'][@data-state='read']",
        SEND_DEADLINE,
    )
    .await
    .context("the thread does not show the read")?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_signs_in_to_the_team_and_follows_access_changes() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("data");
    let helpr = helpr_core::Helpr::init(&data_dir, "default").await?;
    let keychain = keyring::Entry::new("helpr", &format!("vault-{}", helpr.vault_id()))?;
    drop(helpr);

    let emu = helpr_tests::team::emulator(SHARED_ADDRESS, vec![customer_mail()]).await;
    let mut config = helpr_server::Config::local(work.path().join("server"));
    config.gmail = Some(helpr_gmail::GmailConfig::from_toml(
        &emu.helpr_config_toml(),
    )?);
    let server = helpr_server::Server::start(config)
        .await
        .context("starting the team server")?;
    helpr_server::setup::create_org(&server.hub, "Acme", "Olive Owner", OWNER, PASSWORD.into())
        .await
        .map_err(|f| anyhow::anyhow!("{}", f.body.message))?;
    let owner = signed_in(&server, OWNER).await?;
    let ada = owner
        .create_user(&CreateUser {
            name: "Ada".into(),
            email: AGENT.into(),
            role: OrgRole::Agent,
            password: PASSWORD.into(),
        })
        .await?;
    let support = owner
        .create_inbox(&inbox("Support", Visibility::Organization))
        .await?;
    helpr_tests::team::connect_gmail(&owner, support.id).await;
    let vip = owner
        .create_inbox(&inbox("VIP", Visibility::Restricted))
        .await?;
    owner
        .create_inbox(&inbox("Sales", Visibility::Restricted))
        .await?;
    owner
        .set_member(
            vip.id,
            ada.id,
            &SetMember {
                role: MemberRole::Agent,
                assigned_only: false,
            },
        )
        .await?;

    let url = format!("https://{}", server.addr);
    let fingerprint = server.fingerprint.clone();
    let outcome = with_app(
        &setup,
        work.path(),
        &data_dir,
        async |client, screenshots: &Path| {
            client.goto_hash("/settings/team").await?;
            wait_for(client, "//*[@data-testid='team-server']", LIST_DEADLINE)
                .await?
                .send_keys(&url)
                .await?;
            client
                .find(Locator::Css("[data-testid='team-check']"))
                .await?
                .click()
                .await?;
            let shown = wait_for(
                client,
                "//*[@data-testid='team-fingerprint']",
                READER_DEADLINE,
            )
            .await?
            .text()
            .await?;
            ensure!(
                shown == fingerprint,
                "the app shows {shown}, the server presents {fingerprint}"
            );
            client
                .find(Locator::Css("[data-testid='team-trust']"))
                .await?
                .click()
                .await?;
            let page = wait_for(
                client,
                "//*[@data-testid='team-sign-in-url']",
                READER_DEADLINE,
            )
            .await?
            .attr("href")
            .await?
            .context("the sign-in link has no href")?;
            let browser = Browser {
                http: helpr_team::pin::client(&fingerprint),
                email: AGENT.into(),
                password: PASSWORD.into(),
            };
            let (status, _) = browser.visit(&page).await;
            ensure!(status == 303, "the sign-in page answered {status}");
            let signed = wait_for(client, "//*[@data-testid='team-status']", LIST_DEADLINE)
                .await?
                .text()
                .await?;
            ensure!(signed.contains("Signed in to Acme as Ada"), "{signed}");

            // Exactly the inboxes open to Ada: not Sales.
            client.goto_hash("/").await?;
            until_sidebar(client, &["Support", "VIP"]).await?;

            // Support's mail arrives through the server; its entry becomes a link to it.
            wait_for(
                client,
                "//*[@data-testid='team-inbox'][.//*[text()='Support']]//a",
                LIST_DEADLINE,
            )
            .await?
            .click()
            .await?;
            wait_for(
                client,
                &format!("//*[contains(text(), '{CANARY}')]"),
                READER_DEADLINE,
            )
            .await?
            .click()
            .await?;
            wait_for(
                client,
                &format!("//*[@data-testid='thread-subject'][contains(text(), '{CANARY}')]"),
                READER_DEADLINE,
            )
            .await?;
            save_screenshot(client, &screenshots.join("desktop-team.png")).await?;

            // Another agent (the owner, from a client of their own) opens the same
            // conversation, then writes a reply: Ada's thread says so, live.
            let conversation = ConversationRef {
                inbox: support.id,
                thread: gmail_thread_of(&owner, support.id).await?,
            };
            let mut other = helpr_team::socket::connect(&owner, None).await?;
            other
                .send(&ClientMessage::Viewing {
                    conversation: Some(conversation.clone()),
                })
                .await?;
            until_text(client, "thread-presence", "Olive Owner is viewing").await?;
            other
                .send(&ClientMessage::Composing {
                    conversation: conversation.clone(),
                    active: true,
                })
                .await?;
            until_text(client, "thread-presence", "Olive Owner is writing a reply").await?;
            // They leave: the thread no longer names them.
            other.close().await;
            until_text(client, "thread-presence", "").await?;

            // Assigned to Ada: the thread and the list row say so without a reload.
            owner
                .assign(support.id, &conversation.thread, vec![ada.id])
                .await?;
            until_text(client, "thread-assignees", "Assigned to Ada").await?;
            until_text(client, "row-assignees", "Ada").await?;
            save_screenshot(client, &screenshots.join("desktop-team-collide.png")).await?;

            // Ada answers securely; the customer reads it in their browser (played here by
            // its calls); the thread's secure panel follows: waiting, then read.
            secure_reply(client, &emu, &fingerprint).await?;
            save_screenshot(client, &screenshots.join("desktop-team-secure.png")).await?;

            // An admin takes VIP away: the sidebar drops it, no reload.
            owner.remove_member(vip.id, ada.id).await?;
            until_sidebar(client, &["Support"]).await?;
            Ok(())
        },
    )
    .await;
    server.stop();
    let _ = keychain.delete_credential();
    outcome
}
