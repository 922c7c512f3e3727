//! Desktop end-to-end with Gmail: the real `helpr-desktop` app under WebDriver (tauri-driver +
//! WebKitWebDriver, Xvfb), a real vault and keychain, and the google-emulator on real loopback
//! sockets (HTTPS with its test CA, SMTP XOAUTH2 over TLS) as Google.
//!
//! One agent's path through the app: Settings → Inboxes → Connect Gmail shows the consent link
//! (the test is the user's browser: it loads the emulator's consent page, presses Allow, and the
//! redirect reaches core's loopback listener); the first sync runs and the inbox reads up to
//! date; a customer's question opens from the list (which marks it read, at Gmail too) and its
//! attachment (named to climb out of
//! the folder) saves with one click into the downloads folder, byte for byte; `l` opens the
//! label menu, where a new label is typed and created, applied at Gmail and listed in the
//! sidebar; Reply starts a draft that is sealed as it is
//! typed; Send submits it over SMTP, the reply shows in the thread at once and the emulator's
//! SENT holds it, threaded under the question; Disconnect (asked first) marks the inbox, and the
//! vault says the account is disconnected.
//!
//! Notifications: with a real notification daemon (`dunst`) on the session bus, new mail in an
//! inbox nobody watches raises nothing; once Settings → Notifications watches it, a sync's new
//! unread mail raises one notification that says only how many messages arrived where; with
//! "Show the sender and subject" on, it names them only while the session's screen saver says
//! the screen is unlocked (not while it is locked, nor when there is no screen saver to ask).
//!
//! Run by `cargo xtask test` (see `desktop_e2e.rs` for running it by hand and what it needs).

use std::path::Path;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::Locator;
use google_emulator::{Config, Emulator, OAuthConfig};
use helpr_tests::gmail::give_consent;
use helpr_tests::notifications::{Dunst, ScreenSaver, Shown};
use helpr_tests::webdriver::*;

/// How long the first sync of the small mailbox may take to read "up to date".
const SYNC_DEADLINE: Duration = Duration::from_secs(90);
/// How long a sync's notification may take to be shown.
const NOTIFY_DEADLINE: Duration = Duration::from_secs(30);
/// How long a send may take to show in the thread.
const SEND_DEADLINE: Duration = Duration::from_secs(30);
const ADDRESS: &str = "user@example.com";

/// The customer's question: text and an attachment whose name tries to leave the folder.
fn question(attachment: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(attachment);
    format!(
        "From: Ana Client <ana@client.example>\r\n\
         To: user@example.com\r\n\
         Subject: Invoice question\r\n\
         Message-ID: <q1@client.example>\r\n\
         Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Where is invoice 42? My statement is attached.\r\n\
         --b1\r\n\
         Content-Type: application/pdf; name=\"statement.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"../../statement.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {data}\r\n\
         --b1--\r\n"
    )
    .into_bytes()
}

/// The inbox's health cell in Settings → Inboxes, when it reads `kind`.
fn health_cell(kind: &str) -> String {
    format!(
        "//*[@data-testid='inbox-row'][@data-address='{ADDRESS}']\
         //*[@data-testid='inbox-health-cell'][@data-kind='{kind}']"
    )
}

/// What each test starts from: the emulator holding `count` sample messages, its
/// configuration file for `--gmail-config`, and an empty vault (whose keychain entry the test
/// deletes at the end).
struct Rig {
    work: tempfile::TempDir,
    data_dir: std::path::PathBuf,
    emu: Emulator,
    config: std::path::PathBuf,
    keychain: keyring::Entry,
}

impl Rig {
    async fn start(count: usize, seed: u64) -> Result<Self> {
        let work = tempfile::tempdir()?;
        let data_dir = work.path().join("data");
        let emu = Emulator::start_with_oauth(Config::default(), OAuthConfig::default())
            .await
            .context("starting the google-emulator")?;
        let mailbox = work.path().join("mailbox");
        helpr_tests::write_sample_maildir(&mailbox, count, seed);
        emu.seed_maildir(&mailbox)?;
        let config = work.path().join("gmail.toml");
        std::fs::write(&config, emu.helpr_config_toml())?;
        let helpr = helpr_core::Helpr::init(&data_dir, "default").await?;
        let keychain = keyring::Entry::new("helpr", &format!("vault-{}", helpr.vault_id()))?;
        Ok(Self {
            work,
            data_dir,
            emu,
            config,
            keychain,
        })
    }

    fn config_arg(&self) -> Result<&str> {
        self.config.to_str().context("config path")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_connects_gmail_syncs_replies_and_disconnects() -> Result<()> {
    let setup = Setup::check()?;
    let rig = Rig::start(30, 7).await?;
    let Rig {
        work,
        data_dir,
        emu,
        keychain,
        ..
    } = &rig;
    let statement: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let question_id = emu.add_message(question(&statement), &["INBOX", "UNREAD"]);
    let downloads = work.path().join("downloads");
    let token = format!("reply-{}", uuid::Uuid::new_v4());

    let outcome = with_app_args(
        &setup,
        work.path(),
        data_dir,
        &[
            "--gmail-config",
            rig.config_arg()?,
            "--download-dir",
            downloads.to_str().context("downloads path")?,
        ],
        async |client, screenshots| {
            connect_and_sync(client, screenshots).await?;
            open_question(client).await?;
            save_attachment(client, &downloads, &statement).await?;
            label(client, screenshots).await?;
            reply(client, screenshots, &token).await?;
            disconnect(client, screenshots).await
        },
    )
    .await;

    let checked = async {
        outcome?;
        // Opening the question marked it read, at Gmail too.
        let labels = emu.message(&question_id).context("the question")?.label_ids;
        ensure!(
            !labels.iter().any(|l| l == "UNREAD"),
            "the opened question is still unread at Gmail: {labels:?}"
        );
        // The label typed in the menu was created at Gmail and is on the question there.
        let follow_up = emu.create_label("Follow-up");
        ensure!(
            labels.contains(&follow_up),
            "the question is not labelled at Gmail: {labels:?}"
        );
        // What Gmail got: one message, the typed words, threaded under the question.
        let sent = emu.sent_messages();
        ensure!(
            sent.len() == 1,
            "the emulator accepted {} messages",
            sent.len()
        );
        ensure!(
            sent[0].rcpt_to == ["ana@client.example"],
            "{:?}",
            sent[0].rcpt_to
        );
        let stored = emu.message(&sent[0].id).context("the sent message")?;
        ensure!(stored.label_ids.iter().any(|l| l == "SENT"));
        let mail = helpr_mail::parse(&stored.raw)
            .map_err(|e| anyhow::anyhow!("the sent message does not parse: {e:?}"))?;
        ensure!(mail.subject == "Re: Invoice question", "{}", mail.subject);
        ensure!(mail.headers.in_reply_to == ["q1@client.example"]);
        ensure!(
            mail.text.starts_with("Invoice 42 is on your account page.")
                && mail.text.contains(&token),
            "the reply is not typed above the quote: {}",
            mail.text
        );

        // The vault, after the app closed: the account is disconnected, no draft is left.
        let helpr = helpr_core::Helpr::open(data_dir).await?;
        let status = helpr.gmail_status().await?;
        ensure!(
            status.len() == 1 && status[0].account == helpr_core::AccountState::Disconnected,
            "{status:?}"
        );
        ensure!(helpr.drafts().await?.is_empty(), "the sent draft is gone");
        Ok(())
    }
    .await;
    let _ = keychain.delete_credential();
    checked
}

async fn connect_and_sync(client: &fantoccini::Client, screenshots: &Path) -> Result<()> {
    client.goto_hash("/settings/inboxes").await?;
    wait_for(client, "//*[@data-testid='connect-gmail']", LIST_DEADLINE)
        .await?
        .click()
        .await?;
    wait_for(client, "//*[@data-testid='connect-start']", READER_DEADLINE)
        .await?
        .click()
        .await?;
    let link = wait_for(client, "//*[@data-testid='consent-url']", READER_DEADLINE)
        .await
        .context("no consent link while the sign-in waits")?;
    let url = link
        .attr("href")
        .await?
        .context("the consent link has no href")?;
    save_screenshot(client, &screenshots.join("desktop-connect.png")).await?;
    let loopback = give_consent(&url).await?;
    ensure!(
        !loopback.to_lowercase().contains("error"),
        "the loopback page said: {loopback}"
    );
    if let Err(e) = wait_for(client, &health_cell("ok"), SYNC_DEADLINE).await {
        let page = describe_page(client).await;
        return Err(e).context(format!(
            "the inbox did not sync within {SYNC_DEADLINE:?}: {page}"
        ));
    }
    let row = client
        .find(Locator::XPath(&format!(
            "//*[@data-testid='inbox-row'][@data-address='{ADDRESS}']"
        )))
        .await?
        .text()
        .await?;
    ensure!(row.contains("Up to date"), "{row}");
    save_screenshots_in_both_themes(client, &screens(screenshots)?, "settings-inboxes").await
}

/// Where the README's screenshots are saved (`<target>/e2e/screens`, as `desktop_e2e.rs` does).
fn screens(screenshots: &Path) -> Result<std::path::PathBuf> {
    let dir = screenshots.join("screens");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Saves the question's attachment with one click: it lands in the downloads folder under its
/// own name (not two folders up), byte for byte.
async fn save_attachment(
    client: &fantoccini::Client,
    downloads: &Path,
    expected: &[u8],
) -> Result<()> {
    wait_for(
        client,
        "//*[@data-testid='attachment-save']",
        READER_DEADLINE,
    )
    .await?
    .click()
    .await?;
    wait_for(client, "//*[contains(., 'Saved to ')]", READER_DEADLINE)
        .await
        .context("no confirmation of the save")?;
    let saved = downloads.join("statement.pdf");
    let bytes = std::fs::read(&saved).with_context(|| format!("reading {}", saved.display()))?;
    ensure!(
        bytes == expected,
        "the saved attachment differs ({} bytes)",
        bytes.len()
    );
    let escaped = downloads.parent().context("downloads' parent")?;
    ensure!(
        !escaped.join("statement.pdf").exists()
            && !escaped
                .parent()
                .is_some_and(|p| p.join("statement.pdf").exists()),
        "the attachment's name led it out of the downloads folder"
    );
    let files = std::fs::read_dir(downloads)?.count();
    ensure!(
        files == 1,
        "the downloads folder holds {files} files, not one"
    );
    Ok(())
}

async fn open_question(client: &fantoccini::Client) -> Result<()> {
    client.goto_hash("/").await?;
    open_conversation(client, "Invoice question").await
}

/// `l` on the open question, a new label typed and created with Enter: checked in the menu,
/// then listed under the inbox in the sidebar.
async fn label(client: &fantoccini::Client, screenshots: &Path) -> Result<()> {
    client.active_element().await?.send_keys("l").await?;
    let filter = wait_for(client, "//*[@data-testid='label-filter']", READER_DEADLINE)
        .await
        .context("l did not open the label menu")?;
    filter.send_keys("Follow-up").await?;
    wait_for(client, "//*[@data-testid='label-create']", READER_DEADLINE).await?;
    filter.send_keys(&Key::Enter.to_string()).await?;
    let applied =
        "//li[@data-testid='label-option'][@aria-checked='true'][normalize-space(.)='Follow-up']";
    if let Err(e) = wait_for(client, applied, READER_DEADLINE).await {
        let page = describe_page(client).await;
        return Err(e).context(format!("the label was not applied: {page}"));
    }
    assert_accessible(client, "label menu").await?;
    save_screenshots_in_both_themes(client, &screens(screenshots)?, "labels").await?;
    filter.send_keys(&Key::Escape.to_string()).await?;
    wait_for(
        client,
        "//nav//a[contains(@class, 'nav-label')][contains(., 'Follow-up')]",
        READER_DEADLINE,
    )
    .await
    .context("the new label is not in the sidebar")?;
    ensure!(
        client
            .find_all(Locator::Css("[data-testid=label-menu]"))
            .await?
            .is_empty(),
        "Escape closes the label menu"
    );
    Ok(())
}

async fn reply(client: &fantoccini::Client, screenshots: &Path, token: &str) -> Result<()> {
    open_reply(client).await?;
    // Typed where the composer put the caret (into the focused body, above the quote), as a
    // person types.
    let focused = client.active_element().await?;
    ensure!(
        focused.attr("data-testid").await?.as_deref() == Some("compose-body"),
        "Reply does not focus the body"
    );
    type_into_focus(
        client,
        &format!("Invoice 42 is on your account page. {token}"),
    )
    .await?;
    // Typing pauses: the draft is sealed into the vault.
    wait_for(
        client,
        "//*[@data-testid='draft-status'][@data-state='saved']",
        READER_DEADLINE,
    )
    .await
    .context("the draft was not saved")?;
    save_screenshots_in_both_themes(client, &screens(screenshots)?, "compose").await?;
    client
        .find(Locator::Css("[data-testid=compose-send]"))
        .await?
        .click()
        .await?;
    let sent = format!("//*[@data-testid='thread-message'][contains(., '{token}')]");
    if let Err(e) = wait_for(client, &sent, SEND_DEADLINE).await {
        let page = describe_page(client).await;
        return Err(e).context(format!("the reply is not in the thread: {page}"));
    }
    let count = client
        .find_all(Locator::Css("[data-testid=thread-message]"))
        .await?
        .len();
    ensure!(
        count == 2,
        "the thread shows {count} messages, not question + reply"
    );
    ensure!(
        client
            .find_all(Locator::Css("[data-testid=compose]"))
            .await?
            .is_empty(),
        "the composer closes once sent"
    );
    Ok(())
}

async fn disconnect(client: &fantoccini::Client, screenshots: &Path) -> Result<()> {
    client.goto_hash("/settings/inboxes").await?;
    wait_for(client, "//*[@data-testid='disconnect']", READER_DEADLINE)
        .await?
        .click()
        .await?;
    wait_for(
        client,
        "//*[@data-testid='disconnect-confirm']",
        READER_DEADLINE,
    )
    .await?
    .click()
    .await?;
    if let Err(e) = wait_for(client, &health_cell("disconnected"), READER_DEADLINE).await {
        let page = describe_page(client).await;
        return Err(e).context(format!("the inbox is not marked disconnected: {page}"));
    }
    save_screenshot(client, &screenshots.join("desktop-disconnected.png")).await?;
    assert_accessible(client, "Settings → Inboxes after disconnecting").await
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_notifies_new_mail_in_watched_inboxes_naming_it_only_when_allowed_and_unlocked(
) -> Result<()> {
    let setup = Setup::check()?;
    let dunst = Dunst::start()?;
    let rig = Rig::start(5, 11).await?;
    let Rig {
        work,
        data_dir,
        emu,
        keychain,
        ..
    } = &rig;
    let arrive = |id: &str, subject: &str| {
        let raw = helpr_tests::message(id, subject, "Details inside.", None);
        emu.add_message(raw, &["INBOX", "UNREAD"]);
    };
    let generic = |shown: &Shown| {
        shown.app == "helpr"
            && shown.summary == "New mail"
            && shown.body == format!("1 new message in {ADDRESS}")
    };

    let outcome = with_app_args(
        &setup,
        work.path(),
        data_dir,
        &["--gmail-config", rig.config_arg()?],
        async |client, screenshots| {
            connect_and_sync(client, screenshots).await?;

            // Nobody watches the inbox: its new mail raises nothing.
            arrive("nw1", "Unwatched arrival");
            sync_now(client).await?;
            ensure!(dunst.shown()?.is_empty(), "{:?}", dunst.shown()?);

            // Watched: one notification for the sync's one new message, naming nothing.
            client.goto_hash("/settings/notifications").await?;
            let watch = format!("//*[@data-testid='notify-inbox'][@data-address='{ADDRESS}']");
            wait_for(client, &watch, READER_DEADLINE)
                .await?
                .click()
                .await?;
            wait_for(
                client,
                "//*[@data-testid='toast'][contains(., 'will raise a notification')]",
                READER_DEADLINE,
            )
            .await?;
            assert_accessible(client, "settings: notifications").await?;
            save_screenshots_in_both_themes(
                client,
                &screens(screenshots)?,
                "settings-notifications",
            )
            .await?;
            arrive("w1", "Watched arrival");
            sync_now(client).await?;
            let shown = dunst.wait_for(1, NOTIFY_DEADLINE)?;
            ensure!(shown.len() == 1 && generic(&shown[0]), "{shown:?}");

            // Content allowed: still nothing named while no screen saver can say the screen is
            // unlocked, nor while it says locked.
            client.goto_hash("/settings/notifications").await?;
            wait_for(
                client,
                "//*[@data-testid='notify-content']",
                READER_DEADLINE,
            )
            .await?
            .click()
            .await?;
            wait_for(
                client,
                "//*[@data-testid='toast'][contains(., 'name the sender')]",
                READER_DEADLINE,
            )
            .await?;
            arrive("c1", "Arrival while nobody can tell");
            sync_now(client).await?;
            // (Each is read before the next: dunst stacks a duplicate of one still shown.)
            let shown = dunst.wait_for(2, NOTIFY_DEADLINE)?;
            ensure!(shown.len() == 2 && shown.iter().all(generic), "{shown:?}");
            let saver = ScreenSaver::start(true)?;
            arrive("c2", "Arrival while locked");
            sync_now(client).await?;
            let shown = dunst.wait_for(3, NOTIFY_DEADLINE)?;
            ensure!(shown.len() == 3 && shown.iter().all(generic), "{shown:?}");

            // Unlocked: the sender and subject.
            saver.set_locked(false);
            arrive("u1", "Unlocked arrival");
            sync_now(client).await?;
            let shown = dunst.wait_for(4, NOTIFY_DEADLINE)?;
            let last = shown.last().context("no notification")?;
            ensure!(
                shown.len() == 4
                    && last.summary == "Sender u1 <sender-u1@example.com>"
                    && last.body == "Unlocked arrival",
                "{shown:?}"
            );
            Ok(())
        },
    )
    .await;
    let _ = keychain.delete_credential();
    outcome
}

/// Settings → Inboxes → Sync now, until the toast says the run (and its notifications) is over.
async fn sync_now(client: &fantoccini::Client) -> Result<()> {
    // Through the mail, so Settings opens afresh: no toast of an earlier run is left to match.
    client.goto_hash("/").await?;
    wait_for(client, "//*[@data-testid='row-list']", READER_DEADLINE).await?;
    client.goto_hash("/settings/inboxes").await?;
    wait_for(client, "//*[@data-testid='sync-now']", READER_DEADLINE)
        .await?
        .click()
        .await?;
    let done = format!("//*[@data-testid='toast'][normalize-space(.)='{ADDRESS} synced']");
    if let Err(e) = wait_for(client, &done, SYNC_DEADLINE).await {
        let page = describe_page(client).await;
        return Err(e).context(format!("Sync now did not finish: {page}"));
    }
    Ok(())
}
