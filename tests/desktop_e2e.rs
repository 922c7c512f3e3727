//! Desktop end-to-end tests: the real `helpr-desktop` app, driven over WebDriver
//! (tauri-driver + WebKitWebDriver), against a real vault (real SQLCipher, real keychain):
//! a message imported through helpr-core shows in the conversation list (under its inbox in the
//! sidebar) and opens in the thread pane; a query typed into the search box lists only the
//! matching message as you type, a hit opens with the keyboard, and Escape returns to the list;
//! a malformed query shows the `invalid_input` banner with its column and keeps the list; a
//! delete and restore, a key rotation, the pane widths kept across a restart, axe-core on every
//! view in both themes; and a vault whose keychain entry is gone opens to the locked screen,
//! which says why. How mail renders (remote and inline images) is in `desktop_images_e2e.rs`,
//! Gmail in `desktop_gmail_e2e.rs`.
//!
//! These tests build nothing. `cargo xtask test` builds the app from this checkout (UI embedded,
//! feature `custom-protocol`), hands its path over in `HELPR_DESKTOP_BIN` and runs them on a
//! virtual display inside a throw-away keychain session. By hand:
//!
//! ```sh
//! npm --prefix ui ci && npm --prefix ui run build
//! cargo build -p helpr-desktop --features custom-protocol
//! Xvfb :99 &
//! dbus-run-session -- bash -c 'export CARGO_HOME=$HOME/.cargo RUSTUP_HOME=$HOME/.rustup HOME=$(mktemp -d);
//!   echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null;
//!   DISPLAY=:99 HELPR_DESKTOP_BIN=$PWD/target/debug/helpr-desktop \
//!   cargo test -p helpr-tests --features desktop-e2e --test desktop_e2e'
//! ```
//!
//! Needs: the app at `$HELPR_DESKTOP_BIN` (unset or missing fails every test, saying how to run
//! them; nothing else is looked for); `tauri-driver` on `PATH`
//! or in `~/.cargo/bin` (`cargo install tauri-driver --locked`) with WebKitWebDriver on `PATH`
//! (Debian package `webkit2gtk-driver`); `DISPLAY` set. Anything missing fails the tests with a
//! message saying what to do; nothing is skipped. Screenshots go to `<target>/e2e/`
//! (`desktop.png` shows the opened message, `desktop-search.png` the search hits,
//! `desktop-search-error.png` a malformed query's banner, `desktop-images.png` the blocked-images
//! bar, `desktop-locked.png` the locked screen).
//!
//! The `[[test]]` needs the `desktop-e2e` feature, so `cargo test --workspace` does not run it.

use helpr_tests::desktop::{tracked_eml, Tracker};
use helpr_tests::webdriver::*;

use std::path::Path;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

/// A message that exists only in this run's vault.
struct Canary {
    sender: String,
    subject: String,
    body_token: String,
}

impl Canary {
    fn new() -> Self {
        Self::from_sender("E2E Sender <sender@example.com>", "E2E canary")
    }

    /// A canary from `sender` whose subject is `topic` and a fresh uuid.
    fn from_sender(sender: &str, topic: &str) -> Self {
        let id = uuid::Uuid::new_v4();
        Self {
            sender: sender.to_owned(),
            subject: format!("{topic} {id}"),
            body_token: format!("canary-body-{id}"),
        }
    }

    fn eml(&self) -> String {
        format!(
            "From: {sender}\r\n\
             To: Agent <agent@example.com>\r\n\
             Subject: {subject}\r\n\
             Date: Mon, 04 Mar 2024 14:05:00 +0000\r\n\
             Message-ID: <{token}@helpr.test>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             \r\n\
             Hello from the desktop E2E test.\r\n\
             {token}\r\n",
            sender = self.sender,
            subject = self.subject,
            token = self.body_token,
        )
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_lists_and_opens_an_imported_message() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let canary = Canary::new();
    let keychain = seed_vault(&data_dir, work.path(), &[&canary]).await?;
    let outcome = with_app(
        &setup,
        work.path(),
        &data_dir,
        async |client, screenshots| {
            read_canary(client, &canary, &screenshots.join("desktop.png")).await
        },
    )
    .await;
    // Best effort: leave no key behind in a developer's real keychain.
    let _ = keychain.delete_credential();
    outcome
}

/// The conversation list's width in the window, in CSS pixels.
async fn list_width(client: &Client) -> Result<f64> {
    client
        .execute(
            "return document.querySelector('.list-pane').getBoundingClientRect().width;",
            vec![],
        )
        .await?
        .as_f64()
        .context("no conversation list to measure")
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_remembers_the_pane_widths_the_user_set() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let canary = Canary::new();
    let keychain = seed_vault(&data_dir, work.path(), &[&canary]).await?;
    let mut widened = 0.0;
    let outcome = async {
        with_app(&setup, work.path(), &data_dir, async |client, _| {
            wait_for_rows(client, &[&canary.subject]).await?;
            let before = list_width(client).await?;
            // The keyboard, as a person without a mouse would: focus the separator, arrows.
            let separator = client
                .find(Locator::Css("[data-testid=list-separator]"))
                .await
                .context("no separator between the list and the reading pane")?;
            ensure!(
                separator.attr("role").await?.as_deref() == Some("separator"),
                "the list's separator has no separator role"
            );
            for _ in 0..8 {
                separator.send_keys(&Key::Right.to_string()).await?;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            widened = list_width(client).await?;
            ensure!(
                widened > before + 20.0,
                "the arrows did not widen the list ({before} → {widened} px)"
            );
            Ok(())
        })
        .await?;
        // A new start of the app: the same widths.
        with_app(&setup, work.path(), &data_dir, async |client, _| {
            wait_for_rows(client, &[&canary.subject]).await?;
            let again = list_width(client).await?;
            // Leave the next tests the default layout.
            client.execute("localStorage.clear();", vec![]).await?;
            ensure!(
                (again - widened).abs() <= 2.0,
                "the width set before ({widened} px) was not remembered ({again} px)"
            );
            Ok(())
        })
        .await
    }
    .await;
    let _ = keychain.delete_credential();
    outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_search_lists_only_matching_messages() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let invoice = Canary::from_sender("Alice Ledger <alice@example.com>", "Invoice");
    let roadmap = Canary::from_sender("Bob Planner <bob@example.com>", "Roadmap");
    let keychain = seed_vault(&data_dir, work.path(), &[&invoice, &roadmap]).await?;
    let outcome = with_app(
        &setup,
        work.path(),
        &data_dir,
        async |client, screenshots| {
            wait_for_rows(client, &[&invoice.subject, &roadmap.subject]).await?;

            // Through the index: a field operator and a word, both only in the invoice, typed
            // without Enter (results as you type).
            type_search(client, "from:alice invoice").await?;
            wait_for_count(client, "1 of 1 match").await?;
            let shown = row_subjects(client, SEARCH_ROW).await?;
            ensure!(
                shown == [invoice.subject.clone()],
                "search `from:alice invoice` listed {shown:?}, expected only {:?}",
                invoice.subject
            );
            save_screenshot(client, &screenshots.join("desktop-search.png")).await?;

            // The hit opens with the keyboard: Arrow Down into the hits, then Enter.
            let input = search_input(client).await?;
            input.send_keys(&Key::Down.to_string()).await?;
            client
                .active_element()
                .await?
                .send_keys(&Key::Enter.to_string())
                .await?;
            wait_for_thread(client, &invoice.subject).await?;

            // Escape in the search box returns to the full list.
            search_input(client)
                .await?
                .send_keys(&Key::Escape.to_string())
                .await?;
            wait_for_count(client, "2 conversations").await?;
            wait_for_rows(client, &[&invoice.subject, &roadmap.subject]).await
        },
    )
    .await;
    let _ = keychain.delete_credential();
    outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_search_shows_a_malformed_query_error_and_keeps_the_list() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let canary = Canary::new();
    let keychain = seed_vault(&data_dir, work.path(), &[&canary]).await?;
    let outcome = with_app(
        &setup,
        work.path(),
        &data_dir,
        async |client, screenshots| {
            wait_for_rows(client, &[&canary.subject]).await?;
            // Pasted: typed a key at a time, `subject` runs on the way and the banner then keeps
            // its hits (the last good list), as it should; that case is the UI tests'.
            paste_search(client, "subject:").await?;
            let banner = wait_for(client, "//*[@data-testid='error-banner']", SEARCH_DEADLINE)
                .await
                .context("no error banner for the malformed query `subject:`")?;
            let code = banner.attr("data-code").await?.unwrap_or_default();
            let text = banner.text().await?;
            ensure!(
                code == "invalid_input",
                "banner code {code:?}, text {text:?}"
            );
            ensure!(
                text.contains("query error at column 9") && text.contains("subject: needs a value"),
                "banner does not name the column and the problem: {text:?}"
            );
            let shown = row_subjects(client, LIST_ROW).await?;
            ensure!(
                shown == [canary.subject.clone()],
                "the list changed after a malformed query: {shown:?}"
            );
            wait_for_count(client, "1 conversation").await?;
            save_screenshot(client, &screenshots.join("desktop-search-error.png")).await
        },
    )
    .await;
    let _ = keychain.delete_credential();
    outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_deletes_restores_and_rotates_the_key_from_settings() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let keep = Canary::from_sender("Carol Keeper <carol@example.com>", "Keep");
    let gone = Canary::from_sender("Dan Drop <dan@example.com>", "Drop");
    let keychain = seed_vault(&data_dir, work.path(), &[&keep, &gone]).await?;
    let outcome = with_app(
        &setup,
        work.path(),
        &data_dir,
        async |client, screenshots| {
            wait_for_rows(client, &[&keep.subject, &gone.subject]).await?;
            // Open the one to drop, delete it with `#`: it leaves the list.
            client
                .find(Locator::XPath(&format!(
                    "//*[@data-testid='{LIST_ROW}'][contains(., '{}')]",
                    gone.subject
                )))
                .await?
                .click()
                .await?;
            wait_for_thread(client, &gone.subject).await?;
            client.active_element().await?.send_keys("#").await?;
            wait_for_count(client, "1 conversation").await?;
            ensure!(
                row_subjects(client, LIST_ROW).await? == [keep.subject.clone()],
                "the deleted conversation is still listed"
            );
            // It waits in the trash, with its days left, and comes back from there.
            client.goto_hash("/trash").await?;
            let row = wait_for(client, "//*[@data-testid='trash-row']", LIST_DEADLINE).await?;
            let days = row
                .find(Locator::Css("[data-testid=days-left]"))
                .await?
                .text()
                .await?;
            ensure!(days == "60 days left", "the trash says {days:?}");
            row.find(Locator::XPath(".//button[contains(., 'Restore')]"))
                .await?
                .click()
                .await?;
            wait_for(client, "//*[@data-testid='list-empty']", READER_DEADLINE)
                .await
                .context("the trash did not empty after the restore")?;
            client.goto_hash("/").await?;
            wait_for_rows(client, &[&keep.subject, &gone.subject]).await?;

            // Rotate the key from Settings → Security; old mail still opens.
            client.goto_hash("/settings/security").await?;
            wait_for(client, "//*[@data-testid='key-row']", LIST_DEADLINE).await?;
            client
                .find(Locator::XPath("//button[normalize-space(.)='Rotate key']"))
                .await?
                .click()
                .await?;
            wait_for(
                client,
                "//*[@data-testid='toast'][contains(., 'Key version 2 is now active')]",
                READER_DEADLINE,
            )
            .await
            .context("no toast for the rotation")?;
            // The list refetches after the toast: wait for the second row, then count.
            wait_for(client, "(//*[@data-testid='key-row'])[2]", READER_DEADLINE)
                .await
                .context("the new key version is not listed")?;
            let versions = client
                .find_all(Locator::Css("[data-testid=key-row]"))
                .await?
                .len();
            ensure!(
                versions == 2,
                "{versions} key versions listed after one rotation"
            );
            save_screenshot(client, &screenshots.join("desktop-settings-security.png")).await?;
            client.goto_hash("/").await?;
            read_canary(client, &keep, &screenshots.join("desktop-after-rotate.png")).await
        },
    )
    .await;
    let _ = keychain.delete_credential();
    outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_views_pass_axe_and_are_screenshotted_in_both_themes() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let mut canaries = Vec::new();
    for (sender, topic) in [
        ("Ana Souza <ana@example.com>", "Invoice 2024-113 overdue"),
        ("Bob Chen <bob@example.com>", "Password reset not arriving"),
        ("Carla Diaz <carla@example.com>", "Refund for order 88120"),
        ("Dev Patel <dev@example.com>", "Export to CSV fails"),
        ("Eve Martin <eve@example.com>", "Invoice copy for March"),
    ] {
        canaries.push(Canary::from_sender(sender, topic));
    }
    let refs: Vec<&Canary> = canaries.iter().collect();
    let tracker = Tracker::start()?;
    let newsletter = work.path().join("news.eml");
    std::fs::write(
        &newsletter,
        tracked_eml(tracker.port, "weekly-digest", "Your weekly digest"),
    )?;
    let keychain = seed_vault(&data_dir, work.path(), &refs).await?;
    {
        let helpr = helpr_core::Helpr::open(&data_dir).await?;
        helpr.import(vec![newsletter], |_| {}).await?;
    }
    let shots = setup.screenshots.join("screens");
    std::fs::create_dir_all(&shots)?;
    let outcome = with_app(&setup, work.path(), &data_dir, async |client, _| {
        client.set_window_size(1440, 900).await?;
        for theme in ["light", "dark"] {
            client
                .execute(
                    "document.documentElement.setAttribute('data-theme', arguments[0]);",
                    vec![json!(theme)],
                )
                .await?;
            client.goto_hash("/").await?;
            wait_for_rows(client, &[&canaries[0].subject]).await?;
            wait_for_count(client, "6 conversations").await?;
            wait_for(client, "//*[@data-testid='sidebar-inbox']", READER_DEADLINE).await?;
            save_screenshot(client, &shots.join(format!("inbox-{theme}.png"))).await?;
            assert_accessible(client, &format!("the inbox ({theme})")).await?;

            let news = client
                .find(Locator::XPath(&format!(
                    "//*[@data-testid='{LIST_ROW}'][contains(., 'Your weekly digest')]"
                )))
                .await?;
            news.click().await?;
            wait_for(
                client,
                "//*[@data-testid='remote-images-bar']",
                READER_DEADLINE,
            )
            .await?;
            save_screenshot(client, &shots.join(format!("thread-{theme}.png"))).await?;
            assert_accessible(client, &format!("a thread ({theme})")).await?;

            client.goto_hash("/?q=invoice").await?;
            wait_for_count(client, "2 of 2 matches").await?;
            save_screenshot(client, &shots.join(format!("search-{theme}.png"))).await?;
            assert_accessible(client, &format!("search results ({theme})")).await?;

            client.goto_hash("/trash").await?;
            wait_for(client, "//*[@data-testid='trash']", READER_DEADLINE).await?;
            assert_accessible(client, &format!("the trash ({theme})")).await?;

            for (section, ready) in [
                ("inboxes", "inboxes-table"),
                ("security", "key-row"),
                ("data", "trash"),
                ("audit", "audit-row"),
                ("about", "about"),
            ] {
                client.goto_hash(&format!("/settings/{section}")).await?;
                wait_for(
                    client,
                    &format!("//*[@data-testid='{ready}']"),
                    READER_DEADLINE,
                )
                .await
                .with_context(|| format!("settings → {section} did not show"))?;
                if matches!(section, "security" | "audit") {
                    save_screenshot(
                        client,
                        &shots.join(format!("settings-{section}-{theme}.png")),
                    )
                    .await?;
                }
                assert_accessible(client, &format!("settings → {section} ({theme})")).await?;
            }
        }
        ensure!(tracker.hits() == 0, "the newsletter reached its tracker");
        Ok(())
    })
    .await;
    let _ = keychain.delete_credential();
    outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_shows_vault_locked_when_the_keychain_entry_is_gone() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let helpr = helpr_core::Helpr::init(&data_dir, "default")
        .await
        .context("creating the vault")?;
    let keychain = keychain_entry(&helpr)?;
    drop(helpr);
    keychain
        .delete_credential()
        .context("deleting the vault's keychain entry")?;

    with_app(
        &setup,
        work.path(),
        &data_dir,
        async |client, screenshots| {
            let locked = wait_for(client, "//*[@data-testid='locked-screen']", LIST_DEADLINE)
                .await
                .context("no locked screen for a vault whose key is gone")?;
            let code = locked.attr("data-code").await?.unwrap_or_default();
            let text = locked.text().await?;
            ensure!(
                code == "vault_locked",
                "locked screen code {code:?}, text {text:?}"
            );
            ensure!(
                text.contains("Vault locked") && text.contains("vault locked:"),
                "the locked screen does not say why: {text:?}"
            );
            client
                .find(Locator::XPath("//button[normalize-space(.)='Retry']"))
                .await
                .context("the locked screen offers no Retry")?;
            let rows = client
                .find_all(Locator::Css(&format!("[data-testid={LIST_ROW}]")))
                .await?;
            ensure!(
                rows.is_empty(),
                "{} conversation rows shown from a locked vault",
                rows.len()
            );
            save_screenshot(client, &screenshots.join("desktop-locked.png")).await?;
            assert_accessible(client, "the locked screen").await
        },
    )
    .await
}

/// Creates a vault in `data_dir` and imports the canaries (written as `.eml` files into `work`)
/// through helpr-core, which also indexes them; returns the vault's keychain entry.
async fn seed_vault(data_dir: &Path, work: &Path, canaries: &[&Canary]) -> Result<keyring::Entry> {
    let mut paths = Vec::new();
    for (i, canary) in canaries.iter().enumerate() {
        let path = work.join(format!("canary-{i}.eml"));
        std::fs::write(&path, canary.eml())?;
        paths.push(path);
    }
    let helpr = helpr_core::Helpr::init(data_dir, "default")
        .await
        .context("creating the vault")?;
    helpr
        .import(paths, |_| {})
        .await
        .context("importing the canary .eml files")?;
    let listed = helpr
        .list_messages()
        .await
        .context("listing the seeded vault")?;
    for canary in canaries {
        ensure!(
            listed.iter().any(|m| m.subject == canary.subject),
            "the imported canary {:?} is not in the vault before the app starts (got {} messages)",
            canary.subject,
            listed.len()
        );
    }
    keychain_entry(&helpr)
}

/// The vault's key in the real keychain.
fn keychain_entry(helpr: &helpr_core::Helpr) -> Result<keyring::Entry> {
    Ok(helpr_tests::vault_keychain_entry(&helpr.vault_id())?)
}

/// Waits for the canary in the list, opens it, checks the reader, and saves a screenshot.
async fn read_canary(client: &Client, canary: &Canary, screenshot: &Path) -> Result<()> {
    let row_xpath = format!(
        "//*[@data-testid='{LIST_ROW}'][contains(., '{}')]",
        canary.subject
    );
    let row = match wait_for(client, &row_xpath, LIST_DEADLINE).await {
        Ok(row) => row,
        Err(error) => {
            let page = describe_page(client).await;
            return Err(error).context(format!(
                "no conversation row with subject {:?} within {LIST_DEADLINE:?}. If the page \
                 is blank, the app may be a dev build (rebuild with --features \
                 custom-protocol). Page: {page}",
                canary.subject
            ));
        }
    };
    row.click().await.context("clicking the canary row")?;
    wait_for_thread(client, &canary.subject).await?;

    let body = client
        .find(Locator::Css("[data-testid=message-body]"))
        .await
        .context("the thread shows no plain-text body")?
        .text()
        .await?;
    ensure!(
        body.contains(&canary.body_token),
        "the thread's body lacks the canary token; body was {body:?}"
    );

    save_screenshot(client, screenshot).await
}
