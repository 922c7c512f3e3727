//! A small Chromium driver for integration tests in other crates: launch a headless Chromium
//! that trusts given certificates by their key ([`spki_pin`]) and saves downloads where a test
//! can read them, open tabs ([`Tab`]), and drive pages the way a person would — navigate, fill,
//! click, pick files — while counting every Content Security Policy violation.
//!
//! It stands on the same core as the sanitizer check (`chromium.rs` starts the process, `cdp.rs`
//! speaks DevTools and sets each tab up before it runs): only the setup differs. The tabs live in
//! a fresh browser context (their own storage, no proxy), so they reach servers on loopback
//! directly; the browser's own background traffic, and any page's request to another host, goes
//! to a recording proxy nobody reads and never leaves the machine.
//!
//! ```no_run
//! use std::time::Duration;
//! use helpr_browser_check::driver::{Driver, LaunchOptions};
//!
//! let driver = Driver::launch(LaunchOptions::default())?;
//! let tab = driver.new_tab()?;
//! tab.goto("http://127.0.0.1:8080/")?;
//! tab.fill("#name", "Ada")?;
//! tab.click("button[type=submit]")?;
//! tab.wait_until("document.body.dataset.state === 'done'", Duration::from_secs(10))?;
//! assert!(tab.csp_violations()?.is_empty());
//! # Ok::<(), helpr_browser_check::Error>(())
//! ```

mod pin;
mod tab;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cdp::{Cdp, Event, TargetSetup};
use crate::chromium::{Chromium, Launch};
use crate::error::{Error, Result};
use crate::recorder::Recorder;

pub use pin::spki_pin;
pub use tab::Tab;

/// How long one DevTools command may take (a script's promise included).
const COMMAND_DEADLINE: Duration = Duration::from_secs(30);
/// How long a navigation may take to reach its load event.
const LOAD_DEADLINE: Duration = Duration::from_secs(30);
/// The global the CSP recorder defines in every document.
const RECORDER_GLOBAL: &str = "__helprDriver";

/// Runs first in every document of a tab, before the page's own scripts: writes down each
/// `securitypolicyviolation` the document sees, in a page-global array
/// ([`Tab::csp_violations`] reads it).
const CSP_RECORDER: &str = r#"(() => {
  "use strict";
  if (Object.prototype.hasOwnProperty.call(window, "__helprDriver")) return;
  const heard = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    if (!event.isTrusted) return;
    const where = (event.sourceFile || "?") + ":" + event.lineNumber;
    const mode = event.disposition === "report" ? " (report only)" : "";
    heard.push(event.effectiveDirective + " refused " + (event.blockedURI || "?") + " at " + where + mode);
  }, true);
  Object.defineProperty(window, "__helprDriver", {
    value: Object.freeze({ violations: () => heard.slice() }),
  });
})();"#;

/// How to start the browser.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Certificates to trust by their key, each as [`spki_pin`] gives it (base64 SHA-256 of the
    /// SubjectPublicKeyInfo); passed as `--ignore-certificate-errors-spki-list`. Any other
    /// certificate that does not verify is still refused: there is no blanket ignore.
    pub spki_pins: Vec<String>,
    /// Where downloads are saved; a temporary directory, removed with the driver, when `None`.
    pub download_dir: Option<PathBuf>,
}

/// A headless Chromium for tests. The browser closes and its profile is removed when the driver
/// and all its tabs are dropped.
pub struct Driver {
    core: Arc<Mutex<Core>>,
    download_dir: PathBuf,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("download_dir", &self.download_dir)
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// Starts Chromium (`$HELPR_CHROMIUM`, or Debian's) headless on a fresh profile.
    pub fn launch(options: LaunchOptions) -> Result<Self> {
        for pin in &options.spki_pins {
            pin::check_pin(pin)?;
        }
        let (download_dir, downloads_temp) = match options.download_dir {
            Some(dir) => {
                std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
                    what: format!("creating the download directory {}", dir.display()),
                    source,
                })?;
                let dir = std::path::absolute(&dir).map_err(|source| Error::Io {
                    what: format!("resolving {}", dir.display()),
                    source,
                })?;
                (dir, None)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("helpr-driver-downloads-")
                    .tempdir()
                    .map_err(|source| Error::Io {
                        what: "creating a download directory".into(),
                        source,
                    })?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        let background = Recorder::start()?;
        let mut extra_flags = Vec::new();
        if !options.spki_pins.is_empty() {
            extra_flags.push(format!(
                "--ignore-certificate-errors-spki-list={}",
                options.spki_pins.join(",")
            ));
        }
        let chromium = Chromium::launch(&Launch {
            proxy_url: background.proxy_url(),
            proxy_loopback: false,
            extra_flags,
            profile_prefix: "helpr-driver-",
        })?;
        let mut cdp = Cdp::connect(
            &chromium.websocket_url,
            TargetSetup {
                every_target: vec![("Runtime.enable", json!({}))],
                documents: vec![
                    ("Page.enable", json!({})),
                    ("Log.enable", json!({})),
                    (
                        "Page.addScriptToEvaluateOnNewDocument",
                        json!({ "source": CSP_RECORDER, "runImmediately": true }),
                    ),
                ],
                children: false,
            },
        )?;
        let deadline = Instant::now() + COMMAND_DEADLINE;
        // The window Chromium opened at start stays, blank, in the default context: closing
        // the last page could end a browser whose tabs all come and go.
        cdp.watch_targets(deadline)?;
        let context = cdp.open_context(None, deadline)?;
        cdp.call(
            None,
            "Browser.setDownloadBehavior",
            json!({
                "behavior": "allowAndName",
                "browserContextId": context,
                "downloadPath": download_dir,
                "eventsEnabled": true,
            }),
            deadline,
        )?;
        let core = Core {
            cdp,
            tabs: HashMap::new(),
            downloads: Vec::new(),
            chromium,
            _downloads_temp: downloads_temp,
            _background: background,
        };
        Ok(Self {
            core: Arc::new(Mutex::new(core)),
            download_dir,
        })
    }

    /// Opens a blank tab, set up (CSP recorder in place) before anything runs in it. Each tab has
    /// its own `sessionStorage`; all share the context's cookies and `localStorage`.
    pub fn new_tab(&self) -> Result<Tab> {
        let mut core = lock(&self.core);
        let (target, session) = core.cdp.open_tab(Instant::now() + COMMAND_DEADLINE)?;
        core.tabs
            .insert(session.clone(), TabState::new(target.clone()));
        core.drain();
        Ok(Tab::new(Arc::clone(&self.core), session, target))
    }

    /// Where downloads are saved, each as a file named by its download id.
    pub fn download_dir(&self) -> &Path {
        &self.download_dir
    }

    /// Waits for a download whose suggested file name is `name` to finish, and returns the file.
    /// Each finished download is returned once: the same name downloaded twice needs two calls.
    pub fn wait_for_download(&self, name: &str, timeout: Duration) -> Result<PathBuf> {
        let mut core = lock(&self.core);
        let finished = |core: &Core| {
            core.downloads
                .iter()
                .any(|d| d.name == name && !d.claimed && d.state != "inProgress")
        };
        if !core.wait(Instant::now() + timeout, finished)? {
            let seen: Vec<String> = core
                .downloads
                .iter()
                .map(|d| format!("{} ({})", d.name, d.state))
                .collect();
            return Err(Error::Timeout(format!(
                "the download of {name} to finish (downloads seen: {seen:?})"
            )));
        }
        let download = core
            .downloads
            .iter_mut()
            .find(|d| d.name == name && !d.claimed && d.state != "inProgress")
            .expect("the wait found it");
        download.claimed = true;
        if download.state == "completed" {
            Ok(self.download_dir.join(&download.guid))
        } else {
            Err(Error::Download {
                name: name.to_string(),
                state: download.state.clone(),
            })
        }
    }
}

fn lock(core: &Mutex<Core>) -> MutexGuard<'_, Core> {
    // A test that panicked while driving leaves plain data behind; keep using it.
    core.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The browser, its connection and what its events have told so far.
pub(crate) struct Core {
    cdp: Cdp,
    /// Open tabs, by session.
    tabs: HashMap<String, TabState>,
    downloads: Vec<DownloadState>,
    chromium: Chromium,
    _downloads_temp: Option<tempfile::TempDir>,
    _background: Recorder,
}

/// What one tab's events have told.
#[derive(Debug, Default)]
pub(crate) struct TabState {
    target: String,
    /// Documents the main frame committed, the blank one it opened with included.
    documents: u64,
    /// The current document's load event fired.
    loaded: bool,
    /// Chromium's own reports of CSP violations (the `Log` domain), with their document.
    csp_logged: Vec<(u64, String)>,
    /// The recorder's records of documents read before they were left, with their document.
    csp_heard: Vec<(u64, String)>,
    /// Uncaught exceptions, console errors and warnings, and Chromium's error log entries.
    console: Vec<String>,
    /// Why the tab is gone, once it is (crashed, closed).
    gone: Option<String>,
}

impl TabState {
    fn new(target: String) -> Self {
        Self {
            target,
            documents: 1,
            ..Self::default()
        }
    }
}

#[derive(Debug)]
struct DownloadState {
    guid: String,
    name: String,
    /// `inProgress`, `completed` or `canceled`, as DevTools says.
    state: String,
    claimed: bool,
}

impl Core {
    /// Sends a command to `session` (or the browser) and waits for its reply.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value> {
        let reply = self
            .cdp
            .call(session, method, params, Instant::now() + COMMAND_DEADLINE);
        self.drain();
        reply
    }

    /// Absorbs the events already queued.
    fn drain(&mut self) {
        while let Some(event) = self.cdp.queued_event() {
            self.absorb(event);
        }
    }

    /// Absorbs events until `done` holds (`true`) or `deadline` passes (`false`).
    fn wait(&mut self, deadline: Instant, done: impl Fn(&Core) -> bool) -> Result<bool> {
        loop {
            self.drain();
            if done(self) {
                return Ok(true);
            }
            match self.cdp.next_event(deadline)? {
                Some(event) => self.absorb(event),
                None => return Ok(false),
            }
        }
    }

    /// Accounts for one event.
    fn absorb(&mut self, event: Event) {
        let p = &event.params;
        let Some(session) = event.session.as_deref() else {
            self.absorb_browser_event(&event.method, p);
            return;
        };
        let Some(tab) = self.tabs.get_mut(session) else {
            return;
        };
        match event.method.as_str() {
            "Page.frameNavigated" if p["frame"].get("parentId").is_none() => {
                tab.documents += 1;
                tab.loaded = false;
            }
            "Page.loadEventFired" => tab.loaded = true,
            "Log.entryAdded" => {
                let entry = &p["entry"];
                let text = entry["text"].as_str().unwrap_or_default();
                if text.contains("Content Security Policy") {
                    tab.csp_logged.push((tab.documents, text.to_string()));
                }
                if entry["level"] == "error" {
                    let url = entry["url"].as_str().unwrap_or_default();
                    tab.console
                        .push(format!("log: {text} {url}").trim_end().to_string());
                }
            }
            "Runtime.exceptionThrown" => {
                let details = &p["exceptionDetails"];
                let text = details["exception"]["description"]
                    .as_str()
                    .or(details["text"].as_str())
                    .unwrap_or("?");
                tab.console.push(format!("uncaught: {text}"));
            }
            "Runtime.consoleAPICalled" => {
                let kind = p["type"].as_str().unwrap_or_default();
                if matches!(kind, "error" | "warning" | "assert") {
                    let args: Vec<String> = p["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| match &a["value"] {
                            Value::String(s) => s.clone(),
                            Value::Null => a["description"].as_str().unwrap_or("?").to_string(),
                            other => other.to_string(),
                        })
                        .collect();
                    tab.console
                        .push(format!("console.{kind}: {}", args.join(" ")));
                }
            }
            "Inspector.targetCrashed" => tab.gone = Some("the tab crashed".into()),
            _ => {}
        }
    }

    fn absorb_browser_event(&mut self, method: &str, p: &Value) {
        match method {
            "Browser.downloadWillBegin" => self.downloads.push(DownloadState {
                guid: p["guid"].as_str().unwrap_or_default().to_string(),
                name: p["suggestedFilename"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                state: "inProgress".into(),
                claimed: false,
            }),
            "Browser.downloadProgress" => {
                let guid = p["guid"].as_str().unwrap_or_default();
                let state = p["state"].as_str().unwrap_or_default();
                if let Some(download) = self.downloads.iter_mut().find(|d| d.guid == guid) {
                    download.state = state.to_string();
                }
            }
            "Target.targetCrashed" | "Target.targetDestroyed" => {
                let target = p["targetId"].as_str().unwrap_or_default();
                let why = if method == "Target.targetCrashed" {
                    "the tab crashed"
                } else {
                    "the tab was closed"
                };
                for tab in self.tabs.values_mut().filter(|t| t.target == target) {
                    tab.gone.get_or_insert_with(|| why.to_string());
                }
            }
            "Target.detachedFromTarget" => {
                let session = p["sessionId"].as_str().unwrap_or_default();
                if let Some(tab) = self.tabs.get_mut(session) {
                    tab.gone
                        .get_or_insert_with(|| "DevTools lost the tab".to_string());
                }
            }
            _ => {}
        }
    }

    /// The tab's state, or why it cannot be driven any more.
    fn tab(&mut self, session: &str) -> Result<&mut TabState> {
        let tab = self
            .tabs
            .get_mut(session)
            .ok_or_else(|| Error::Harness("the tab is closed".into()))?;
        match &tab.gone {
            Some(why) => Err(Error::Harness(why.clone())),
            None => Ok(tab),
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        let _ = self.cdp.send(None, "Browser.close", json!({}));
        self.chromium.stop();
    }
}
