//! Desktop end-to-end tests: the real `helpr-desktop` app, driven over WebDriver
//! (tauri-driver + WebKitWebDriver), against a real vault (real SQLCipher, real keychain):
//! a message imported through helpr-core shows in the list and opens in the reader; a query typed
//! into the search box lists only the matching message and Escape returns to the full list; a
//! malformed query shows the `invalid_input` banner with its column and keeps the list; and a
//! vault whose keychain entry is gone opens the window anyway with a `vault_locked` error banner.
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
//! `desktop-search-error.png` a malformed query's banner).
//!
//! The `[[test]]` needs the `desktop-e2e` feature, so `cargo test --workspace` does not run it.

#[path = "desktop/driver.rs"]
mod driver;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::driver::TauriDriver;

/// How long the app may take from launch to showing the imported message.
const LIST_DEADLINE: Duration = Duration::from_secs(60);
/// How long the reader may take to show a clicked message.
const READER_DEADLINE: Duration = Duration::from_secs(20);
/// How long a submitted search may take to show its hits or its error.
const SEARCH_DEADLINE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(200);

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

            // Through the index: a field operator and a word, both only in the invoice.
            submit_search(client, "from:alice invoice").await?;
            wait_for_count(client, "1 of 1 match").await?;
            let shown = row_subjects(client).await?;
            ensure!(
                shown == [invoice.subject.clone()],
                "search `from:alice invoice` listed {shown:?}, expected only {:?}",
                invoice.subject
            );
            save_screenshot(client, &screenshots.join("desktop-search.png")).await?;

            // Escape in the search box returns to the full list.
            search_input(client)
                .await?
                .send_keys(&Key::Escape.to_string())
                .await?;
            wait_for_count(client, "2 messages").await?;
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
            submit_search(client, "subject:").await?;
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
            let shown = row_subjects(client).await?;
            ensure!(
                shown == [canary.subject.clone()],
                "the list changed after a malformed query: {shown:?}"
            );
            wait_for_count(client, "1 message").await?;
            save_screenshot(client, &screenshots.join("desktop-search-error.png")).await
        },
    )
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
            let banner = wait_for(client, "//*[@data-testid='error-banner']", LIST_DEADLINE)
                .await
                .context("no error banner for a vault whose key is gone")?;
            let code = banner.attr("data-code").await?.unwrap_or_default();
            let text = banner.text().await?;
            ensure!(
                code == "vault_locked",
                "banner code {code:?}, text {text:?}"
            );
            ensure!(
                text.contains("Vault locked") && text.contains("vault locked:"),
                "banner does not say the vault is locked: {text:?}"
            );
            let rows = client
                .find_all(Locator::Css("[data-testid=message-row]"))
                .await?;
            ensure!(
                rows.is_empty(),
                "{} message rows shown from a locked vault",
                rows.len()
            );
            save_screenshot(client, &screenshots.join("desktop-locked.png")).await
        },
    )
    .await
}

/// What every test needs before it touches the keychain: a display, the tools and the app.
struct Setup {
    tauri_driver: PathBuf,
    app: PathBuf,
    screenshots: PathBuf,
}

impl Setup {
    /// Fails with what to do when a prerequisite is missing.
    fn check() -> Result<Self> {
        driver::require_display()?;
        let setup = Self {
            tauri_driver: driver::tauri_driver_binary()?,
            app: driver::desktop_binary()?,
            screenshots: driver::target_dir()?.join("e2e"),
        };
        std::fs::create_dir_all(&setup.screenshots)
            .with_context(|| format!("creating {}", setup.screenshots.display()))?;
        Ok(setup)
    }
}

/// Runs `check` against the app started with `--data-dir data_dir`: starts `tauri-driver`
/// (logging into `work`), opens a WebDriver session, and always closes the session and stops the
/// driver afterwards. On failure it saves `<target>/e2e/desktop-failure-<uuid>.png` and adds the
/// driver's output to the error.
async fn with_app(
    setup: &Setup,
    work: &Path,
    data_dir: &Path,
    check: impl AsyncFnOnce(&Client, &Path) -> Result<()>,
) -> Result<()> {
    let screenshots = &setup.screenshots;
    let driver = TauriDriver::start(&setup.tauri_driver, &work.join("tauri-driver.log"))?;
    let client = launch_app(&driver, &setup.app, data_dir).await?;
    let outcome = check(&client, screenshots).await;
    if outcome.is_err() {
        let name = format!("desktop-failure-{}.png", uuid::Uuid::new_v4());
        if save_screenshot(&client, &screenshots.join(&name))
            .await
            .is_ok()
        {
            eprintln!("failure screenshot: {}", screenshots.join(&name).display());
        }
    }
    let closed = client.close().await;
    let driver_log = driver.log();
    drop(driver);
    outcome.with_context(|| format!("tauri-driver / WebKitWebDriver output:\n{driver_log}"))?;
    closed.context("closing the WebDriver session")?;
    Ok(())
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

/// The vault's key in the real keychain: service "helpr", account "vault-<vault id>".
fn keychain_entry(helpr: &helpr_core::Helpr) -> Result<keyring::Entry> {
    Ok(keyring::Entry::new(
        "helpr",
        &format!("vault-{}", helpr.vault_id()),
    )?)
}

/// Starts a WebDriver session, which launches the app with `--data-dir`.
async fn launch_app(driver: &TauriDriver, app: &Path, data_dir: &Path) -> Result<Client> {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("wry"));
    capabilities.insert(
        "tauri:options".into(),
        json!({ "application": app, "args": ["--data-dir", data_dir] }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url())
        .await
        .with_context(|| {
            format!(
                "starting a WebDriver session for {}; driver output:\n{}",
                app.display(),
                driver.log()
            )
        })
}

/// Waits for the canary in the list, opens it, checks the reader, and saves a screenshot.
async fn read_canary(client: &Client, canary: &Canary, screenshot: &Path) -> Result<()> {
    let row_xpath = format!(
        "//*[@data-testid='message-row'][contains(., '{}')]",
        canary.subject
    );
    let row = match wait_for(client, &row_xpath, LIST_DEADLINE).await {
        Ok(row) => row,
        Err(error) => {
            let page = describe_page(client).await;
            return Err(error).context(format!(
                "no message-row with subject {:?} within {LIST_DEADLINE:?}. If the page is \
                 blank, the app may be a dev build (rebuild with --features \
                 custom-protocol). Page: {page}",
                canary.subject
            ));
        }
    };
    row.click().await.context("clicking the canary row")?;

    let subject_xpath = format!(
        "//*[@data-testid='message-subject'][normalize-space(.)='{}']",
        canary.subject
    );
    let subject = match wait_for(client, &subject_xpath, READER_DEADLINE).await {
        Ok(subject) => subject,
        Err(error) => {
            let page = describe_page(client).await;
            return Err(error).context(format!(
                "the reader did not show subject {:?} within {READER_DEADLINE:?}. Page: {page}",
                canary.subject
            ));
        }
    };
    assert_eq!(subject.text().await?.trim(), canary.subject);

    let body = client
        .find(Locator::Css("[data-testid=message-body]"))
        .await
        .context("the reader shows no plain-text body")?
        .text()
        .await?;
    ensure!(
        body.contains(&canary.body_token),
        "the reader body lacks the canary token; body was {body:?}"
    );

    save_screenshot(client, screenshot).await
}

/// Waits until the list shows a row for each of `subjects` (the app has loaded the list).
async fn wait_for_rows(client: &Client, subjects: &[&str]) -> Result<()> {
    for subject in subjects {
        let xpath = format!("//*[@data-testid='message-row'][contains(., '{subject}')]");
        if let Err(error) = wait_for(client, &xpath, LIST_DEADLINE).await {
            let page = describe_page(client).await;
            return Err(error).context(format!(
                "no message-row with subject {subject:?} within {LIST_DEADLINE:?}. Page: {page}"
            ));
        }
    }
    Ok(())
}

/// The search box in the top bar.
async fn search_input(client: &Client) -> Result<fantoccini::elements::Element> {
    client
        .find(Locator::Css("[data-testid=search-input]"))
        .await
        .context("the top bar has no search box")
}

/// Types `query` into the search box and presses Enter, as a user would.
async fn submit_search(client: &Client, query: &str) -> Result<()> {
    let input = search_input(client).await?;
    input.click().await.context("focusing the search box")?;
    input.send_keys(query).await.context("typing the query")?;
    input
        .send_keys(&Key::Enter.to_string())
        .await
        .context("pressing Enter in the search box")?;
    Ok(())
}

/// Waits until the count in the top bar reads exactly `expected` (e.g. "1 of 1 match").
async fn wait_for_count(client: &Client, expected: &str) -> Result<()> {
    let xpath = format!("//*[@data-testid='message-count'][normalize-space(.)='{expected}']");
    if let Err(error) = wait_for(client, &xpath, SEARCH_DEADLINE).await {
        let page = describe_page(client).await;
        return Err(error).context(format!(
            "the count did not read {expected:?} within {SEARCH_DEADLINE:?}. Page: {page}"
        ));
    }
    Ok(())
}

/// The subjects of the rows the list shows, top to bottom. Read from the DOM (`textContent`):
/// WebDriver's visible text of a row's subject is empty in WebKit, because the subject line is
/// an ellipsized `overflow: hidden` box wider than the pane.
async fn row_subjects(client: &Client) -> Result<Vec<String>> {
    let mut subjects = Vec::new();
    for row in client
        .find_all(Locator::Css("[data-testid=message-row] .row-subject"))
        .await?
    {
        let subject = row.prop("textContent").await?.unwrap_or_default();
        subjects.push(subject.trim().to_owned());
    }
    Ok(subjects)
}

async fn wait_for(
    client: &Client,
    xpath: &str,
    deadline: Duration,
) -> Result<fantoccini::elements::Element> {
    Ok(client
        .wait()
        .at_most(deadline)
        .every(POLL)
        .for_element(Locator::XPath(xpath))
        .await?)
}

/// The error banner and the visible text, for failure messages.
async fn describe_page(client: &Client) -> String {
    let banner = match client
        .find(Locator::Css("[data-testid=error-banner]"))
        .await
    {
        Ok(banner) => banner.text().await.unwrap_or_default(),
        Err(_) => "(none)".to_owned(),
    };
    let text = match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(error) => format!("(no body: {error})"),
    };
    let text: String = text.chars().take(2000).collect();
    format!("error banner: {banner:?}; visible text: {text:?}")
}

/// Saves a PNG of the app window.
async fn save_screenshot(client: &Client, path: &Path) -> Result<()> {
    let png = client.screenshot().await.context("taking a screenshot")?;
    std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
}
