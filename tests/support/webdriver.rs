//! The desktop E2E tests' WebDriver side (feature `desktop-e2e`): what a test needs before it
//! starts ([`Setup`]), the app launched under tauri-driver for one check ([`with_app`]), waits
//! for what the window shows, navigation, search typing, axe-core, and failure descriptions and
//! screenshots. Shared by `tests/desktop_e2e.rs` and `tests/desktop_gmail_e2e.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::desktop::TauriDriver;

/// How long the app may take from launch to showing the imported message.
pub const LIST_DEADLINE: Duration = Duration::from_secs(60);
/// How long the reader may take to show a clicked message.
pub const READER_DEADLINE: Duration = Duration::from_secs(20);
/// How long a submitted search may take to show its hits or its error.
pub const SEARCH_DEADLINE: Duration = Duration::from_secs(20);
pub const POLL: Duration = Duration::from_millis(200);
/// How long any one WebDriver call may go unanswered (launching the app is the slowest, a few
/// seconds): past it the call fails instead of waiting forever on a window that stopped
/// answering, and the last step the test printed says where.
pub const CALL_DEADLINE: Duration = Duration::from_secs(120);
/// The rows of the conversation list and of search hits.
pub const LIST_ROW: &str = "conversation-row";
pub const SEARCH_ROW: &str = "search-row";

/// Runs axe-core (the UI's own copy, `ui/node_modules/axe-core`) on the page shown and fails on
/// any serious or critical violation, naming the rule and the first elements.
pub async fn assert_accessible(client: &Client, view: &str) -> Result<()> {
    let axe = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&axe).with_context(|| {
        format!(
            "reading {} (run `npm ci` in ui/, as cargo xtask test does)",
            axe.display()
        )
    })?;
    client
        .execute(&source, vec![])
        .await
        .context("loading axe-core into the window")?;
    let found = client
        .execute_async(
            "const done = arguments[0];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => ({ rule: v.id, impact: v.impact, help: v.help,
                              nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))))
               .catch(e => done([{ rule: 'axe failed', help: String(e) }]));",
            vec![],
        )
        .await
        .context("running axe-core")?;
    let violations = found
        .as_array()
        .with_context(|| format!("axe-core answered {found} for {view}, not a list"))?;
    ensure!(
        violations.is_empty(),
        "{} serious or critical accessibility violations in {view}: {}",
        violations.len(),
        serde_json::to_string_pretty(&violations)?
    );
    Ok(())
}

/// Navigation inside the app (its router keeps the place in the URL's hash).
#[allow(async_fn_in_trait)] // used only by this crate's tests, on one runtime
pub trait GotoHash {
    async fn goto_hash(&self, path: &str) -> Result<()>;
}

impl GotoHash for Client {
    async fn goto_hash(&self, path: &str) -> Result<()> {
        self.execute("window.location.hash = arguments[0];", vec![json!(path)])
            .await
            .with_context(|| format!("navigating to #{path}"))?;
        Ok(())
    }
}

/// What every test needs before it touches the keychain: a display, the tools and the app.
pub struct Setup {
    pub tauri_driver: PathBuf,
    pub app: PathBuf,
    pub screenshots: PathBuf,
}

impl Setup {
    /// Fails with what to do when a prerequisite is missing.
    pub fn check() -> Result<Self> {
        crate::desktop::require_display()?;
        let setup = Self {
            tauri_driver: crate::desktop::tauri_driver_binary()?,
            app: crate::desktop::desktop_binary()?,
            screenshots: crate::desktop::target_dir()?.join("e2e"),
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
pub async fn with_app(
    setup: &Setup,
    work: &Path,
    data_dir: &Path,
    check: impl AsyncFnOnce(&Client, &Path) -> Result<()>,
) -> Result<()> {
    with_app_args(setup, work, data_dir, &[], check).await
}

/// [`with_app`], with more arguments for the app after `--data-dir DIR`.
pub async fn with_app_args(
    setup: &Setup,
    work: &Path,
    data_dir: &Path,
    args: &[&str],
    check: impl AsyncFnOnce(&Client, &Path) -> Result<()>,
) -> Result<()> {
    let screenshots = &setup.screenshots;
    let driver = TauriDriver::start(&setup.tauri_driver, &work.join("tauri-driver.log"))?;
    let client = launch_app(&driver, &setup.app, data_dir, args).await?;
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

/// Starts a WebDriver session, which launches the app with `--data-dir DIR` and `args`.
pub async fn launch_app(
    driver: &TauriDriver,
    app: &Path,
    data_dir: &Path,
    args: &[&str],
) -> Result<Client> {
    let mut argv = vec![json!("--data-dir"), json!(data_dir)];
    argv.extend(args.iter().map(|a| json!(a)));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("wry"));
    capabilities.insert(
        "tauri:options".into(),
        json!({ "application": app, "args": argv }),
    );
    let mut connector = hyper_timeout::TimeoutConnector::new(HttpConnector::new());
    connector.set_read_timeout(Some(CALL_DEADLINE));
    ClientBuilder::new(connector)
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

/// Waits until the list shows a row for each of `subjects` (the app has loaded the list).
pub async fn wait_for_rows(client: &Client, subjects: &[&str]) -> Result<()> {
    for subject in subjects {
        let xpath = format!("//*[@data-testid='{LIST_ROW}'][contains(., '{subject}')]");
        if let Err(error) = wait_for(client, &xpath, LIST_DEADLINE).await {
            let page = describe_page(client).await;
            return Err(error).context(format!(
                "no conversation row with subject {subject:?} within {LIST_DEADLINE:?}. \
                 Page: {page}"
            ));
        }
    }
    Ok(())
}

/// The search box in the top bar.
pub async fn search_input(client: &Client) -> Result<fantoccini::elements::Element> {
    client
        .find(Locator::Css("[data-testid=search-input]"))
        .await
        .context("the top bar has no search box")
}

/// Types `query` into the search box, as a user would (results follow as they type).
pub async fn type_search(client: &Client, query: &str) -> Result<()> {
    let input = search_input(client).await?;
    input.click().await.context("focusing the search box")?;
    input.send_keys(query).await.context("typing the query")?;
    Ok(())
}

/// Types `query` into the search box and presses Enter.
pub async fn submit_search(client: &Client, query: &str) -> Result<()> {
    type_search(client, query).await?;
    search_input(client)
        .await?
        .send_keys(&Key::Enter.to_string())
        .await
        .context("pressing Enter in the search box")?;
    Ok(())
}

/// Puts `query` into the search box at once, as pasting it does (one `input` event, so no
/// shorter query runs on the way, however loaded the machine), and presses Enter.
pub async fn paste_search(client: &Client, query: &str) -> Result<()> {
    let input = search_input(client).await?;
    input.click().await.context("focusing the search box")?;
    client
        .execute(
            "const [field, text] = arguments;
             Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set
               .call(field, text);
             field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));",
            vec![serde_json::to_value(&input)?, json!(query)],
        )
        .await
        .context("pasting the query")?;
    input
        .send_keys(&Key::Enter.to_string())
        .await
        .context("pressing Enter in the search box")?;
    Ok(())
}

/// Waits for the conversation with `subject` in the list, clicks it, and waits until the
/// thread pane shows it.
pub async fn open_conversation(client: &Client, subject: &str) -> Result<()> {
    wait_for_rows(client, &[subject]).await?;
    client
        .find(Locator::XPath(&format!(
            "//*[@data-testid='{LIST_ROW}'][contains(., '{subject}')]"
        )))
        .await?
        .click()
        .await?;
    wait_for_thread(client, subject).await
}

/// Waits until the thread pane shows the conversation with `subject`.
pub async fn wait_for_thread(client: &Client, subject: &str) -> Result<()> {
    let xpath = format!("//*[@data-testid='thread-subject'][normalize-space(.)='{subject}']");
    if let Err(error) = wait_for(client, &xpath, READER_DEADLINE).await {
        let page = describe_page(client).await;
        return Err(error).context(format!(
            "the thread pane did not show {subject:?} within {READER_DEADLINE:?}. Page: {page}"
        ));
    }
    Ok(())
}

/// Waits until the count over the list reads exactly `expected` (e.g. "1 of 1 match").
pub async fn wait_for_count(client: &Client, expected: &str) -> Result<()> {
    let xpath = format!("//*[@data-testid='list-count'][normalize-space(.)='{expected}']");
    if let Err(error) = wait_for(client, &xpath, SEARCH_DEADLINE).await {
        let page = describe_page(client).await;
        return Err(error).context(format!(
            "the count did not read {expected:?} within {SEARCH_DEADLINE:?}. Page: {page}"
        ));
    }
    Ok(())
}

/// The subjects of the `testid` rows the list shows, top to bottom. Read from the DOM
/// (`textContent`): WebDriver's visible text of a row's subject is empty in WebKit, because the
/// subject line is an ellipsized `overflow: hidden` box wider than the pane.
pub async fn row_subjects(client: &Client, testid: &str) -> Result<Vec<String>> {
    let mut subjects = Vec::new();
    for row in client
        .find_all(Locator::Css(&format!(
            "[data-testid={testid}] .row-subject"
        )))
        .await?
    {
        let subject = row.prop("textContent").await?.unwrap_or_default();
        subjects.push(subject.trim().to_owned());
    }
    Ok(subjects)
}

pub async fn wait_for(
    client: &Client,
    xpath: &str,
    deadline: Duration,
) -> Result<fantoccini::elements::Element> {
    // The trail of steps, shown with the output of a failed test.
    eprintln!("e2e: waiting for {xpath}");
    Ok(client
        .wait()
        .at_most(deadline)
        .every(POLL)
        .for_element(Locator::XPath(xpath))
        .await?)
}

/// Clicks the open thread's Reply and waits for the composer's body.
pub async fn open_reply(client: &Client) -> Result<()> {
    wait_for(
        client,
        "//*[@data-testid='thread']//button[normalize-space(.)='Reply']",
        READER_DEADLINE,
    )
    .await?
    .click()
    .await?;
    wait_for(client, "//*[@data-testid='compose-body']", READER_DEADLINE).await?;
    Ok(())
}

/// The error banner and the visible text, for failure messages.
pub async fn describe_page(client: &Client) -> String {
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

/// Saves a PNG of the app window, after two animation frames (so what the DOM holds is painted),
/// read from the X display ([`crate::screen`]: WebDriver's own screenshot hangs on this app).
pub async fn save_screenshot(client: &Client, path: &Path) -> Result<()> {
    client
        .execute_async(
            "const done = arguments[0]; \
             requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            vec![],
        )
        .await
        .context("waiting for a painted frame")?;
    let (x, y, width, height) = client
        .get_window_rect()
        .await
        .context("asking where the window is")?;
    let png = tokio::task::spawn_blocking(move || crate::screen::capture_png(x, y, width, height))
        .await?
        .context("taking a screenshot")?;
    std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
}

/// Saves `<dir>/<name>-light.png` and `<dir>/<name>-dark.png` of what the window shows (the
/// README's screenshots), then lets the window follow the OS again.
pub async fn save_screenshots_in_both_themes(
    client: &Client,
    dir: &Path,
    name: &str,
) -> Result<()> {
    let set = "const t = arguments[0]; \
               if (t === null) document.documentElement.removeAttribute('data-theme'); \
               else document.documentElement.setAttribute('data-theme', t);";
    for theme in ["light", "dark"] {
        client.execute(set, vec![serde_json::json!(theme)]).await?;
        save_screenshot(client, &dir.join(format!("{name}-{theme}.png"))).await?;
    }
    client.execute(set, vec![serde_json::Value::Null]).await?;
    Ok(())
}

/// Types `text` into whatever has focus, key by key (WebDriver key actions: unlike an element's
/// send-keys, they leave the caret where the app put it).
pub async fn type_into_focus(client: &Client, text: &str) -> Result<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut keys = KeyActions::new("keyboard".to_owned());
    for c in text.chars() {
        keys = keys
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    client
        .perform_actions(keys)
        .await
        .context("typing into the focused element")
}
