//! [`Tab`]: one page of the driver's browser, driven as a person would — navigate, type, click
//! (real mouse events at the element's centre, so a hidden, covered or disabled control fails
//! loudly), pick files — plus reading its state with JavaScript and counting its CSP violations.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use super::{lock, Core, LOAD_DEADLINE, RECORDER_GLOBAL};
use crate::error::{Error, Result};

/// How long [`Tab::wait_until`] listens for the browser's events between two looks at the page.
const POLL: Duration = Duration::from_millis(20);
/// Console lines quoted in a timeout's message.
const CONSOLE_TAIL: usize = 10;

/// One tab. Closed when dropped.
pub struct Tab {
    core: Arc<Mutex<Core>>,
    session: String,
    target: String,
}

impl std::fmt::Debug for Tab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tab")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Tab {
    pub(super) fn new(core: Arc<Mutex<Core>>, session: String, target: String) -> Self {
        Self {
            core,
            session,
            target,
        }
    }

    /// Navigates to `url` and waits for its load event. A URL that differs only in its fragment
    /// navigates within the document and does not wait. A network or certificate error is
    /// [`Error::Navigation`]; an HTTP error status is not an error (the page shows it).
    pub fn goto(&self, url: &str) -> Result<()> {
        let mut core = lock(&self.core);
        self.keep_heard(&mut core);
        let before = core.tab(&self.session)?.documents;
        let reply = core.call(Some(&self.session), "Page.navigate", json!({ "url": url }))?;
        if let Some(reason) = reply["errorText"].as_str().filter(|e| !e.is_empty()) {
            return Err(Error::Navigation {
                url: url.to_string(),
                reason: reason.to_string(),
            });
        }
        if reply.get("loaderId").is_none() {
            return Ok(());
        }
        self.wait_for_load(&mut core, before, url)
    }

    /// Reloads the page (its `sessionStorage` stays) and waits for its load event.
    pub fn reload(&self) -> Result<()> {
        let mut core = lock(&self.core);
        self.keep_heard(&mut core);
        let before = core.tab(&self.session)?.documents;
        core.call(Some(&self.session), "Page.reload", json!({}))?;
        self.wait_for_load(&mut core, before, "the reload")
    }

    fn wait_for_load(&self, core: &mut Core, before: u64, what: &str) -> Result<()> {
        let session = self.session.as_str();
        let loaded = core.wait(Instant::now() + LOAD_DEADLINE, |core| {
            core.tabs
                .get(session)
                .is_none_or(|t| t.gone.is_some() || (t.documents > before && t.loaded))
        })?;
        core.tab(session)?;
        if loaded {
            Ok(())
        } else {
            Err(Error::Timeout(format!(
                "the load event of {what}{}",
                console_tail(core, session)
            )))
        }
    }

    /// Evaluates `js` (an expression) in the page, awaits it if it is a promise, and returns its
    /// value as JSON (`undefined` is `null`; DOM nodes and functions do not carry over). A thrown
    /// exception or rejected promise is [`Error::Script`].
    pub fn eval(&self, js: &str) -> Result<Value> {
        let mut core = lock(&self.core);
        evaluate(&mut core, &self.session, js)
    }

    /// Waits until the expression `predicate` is truthy (awaited if a promise), looking again at
    /// every event from the browser and at least every 20 ms. An exception counts as not yet (the
    /// page may be between documents); the last one is in the timeout's message.
    pub fn wait_until(&self, predicate: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let check = format!("(async () => !!(await ({predicate})))()");
        let mut core = lock(&self.core);
        loop {
            let last = match evaluate(&mut core, &self.session, &check) {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(_) => "false".to_string(),
                Err(error @ (Error::Script(_) | Error::Command { .. })) => error.to_string(),
                Err(error) => return Err(error),
            };
            core.tab(&self.session)?;
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout(format!(
                    "`{predicate}` (last: {last}){}",
                    console_tail(&core, &self.session)
                )));
            }
            // Listen for the browser's events meanwhile: downloads and navigations go on.
            core.wait(deadline.min(now + POLL), |_| false)?;
        }
    }

    /// Focuses the input, textarea or select that `selector` matches, sets its value to `text`
    /// (through the element's own value setter, as frameworks expect) and dispatches `input` and
    /// `change`.
    pub fn fill(&self, selector: &str, text: &str) -> Result<()> {
        let script = format!(
            r#"(() => {{
  const el = document.querySelector({selector});
  if (!el) return "missing";
  el.focus();
  const proto = Object.getPrototypeOf(el);
  const setter = Object.getOwnPropertyDescriptor(proto, "value");
  if (!setter || !setter.set) throw new Error("the element has no value to fill");
  setter.set.call(el, {text});
  el.dispatchEvent(new Event("input", {{ bubbles: true }}));
  el.dispatchEvent(new Event("change", {{ bubbles: true }}));
  return "filled";
}})()"#,
            selector = js_string(selector),
            text = js_string(text),
        );
        match self.eval(&script)? {
            Value::String(s) if s == "filled" => Ok(()),
            _ => Err(Error::NoElement(selector.to_string())),
        }
    }

    /// Clicks the element `selector` matches with the mouse, at its centre, after scrolling it
    /// into view. An element that is not shown, is disabled or is covered by another one is
    /// [`Error::NotClickable`] rather than a click that silently does nothing.
    pub fn click(&self, selector: &str) -> Result<()> {
        let script = format!(
            r#"(() => {{
  const el = document.querySelector({selector});
  if (!el) return {{ missing: true }};
  el.scrollIntoView({{ block: "center", inline: "center" }});
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return {{ reason: "it is not shown" }};
  if (el.disabled === true) return {{ reason: "it is disabled" }};
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  if (hit !== el && !el.contains(hit)) {{
    return {{ reason: "another element covers it: " + (hit ? hit.outerHTML.slice(0, 120) : "none") }};
  }}
  return {{ x, y }};
}})()"#,
            selector = js_string(selector),
        );
        let mut core = lock(&self.core);
        let spot = evaluate(&mut core, &self.session, &script)?;
        if spot["missing"] == true {
            return Err(Error::NoElement(selector.to_string()));
        }
        if let Some(reason) = spot["reason"].as_str() {
            return Err(Error::NotClickable {
                selector: selector.to_string(),
                reason: reason.to_string(),
            });
        }
        let (x, y) = (spot["x"].clone(), spot["y"].clone());
        for (kind, buttons) in [("mouseMoved", 0), ("mousePressed", 1), ("mouseReleased", 0)] {
            let mut params = json!({ "type": kind, "x": x, "y": y, "buttons": buttons });
            if kind != "mouseMoved" {
                params["button"] = json!("left");
                params["clickCount"] = json!(1);
            }
            core.call(Some(&self.session), "Input.dispatchMouseEvent", params)?;
        }
        Ok(())
    }

    /// Puts `paths` in the file input `selector` matches, as a person picking them would (the
    /// page gets `input` and `change`).
    pub fn set_files<P: AsRef<Path>>(&self, selector: &str, paths: &[P]) -> Result<()> {
        let files = paths
            .iter()
            .map(|p| {
                let p = p.as_ref();
                std::path::absolute(p)
                    .map(|a| a.display().to_string())
                    .map_err(|source| Error::Io {
                        what: format!("resolving {}", p.display()),
                        source,
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut core = lock(&self.core);
        let found = core.call(
            Some(&self.session),
            "Runtime.evaluate",
            json!({ "expression": format!("document.querySelector({})", js_string(selector)) }),
        )?;
        let Some(object) = found["result"]["objectId"].as_str().map(str::to_string) else {
            return Err(Error::NoElement(selector.to_string()));
        };
        let set = core.call(
            Some(&self.session),
            "DOM.setFileInputFiles",
            json!({ "files": files, "objectId": object }),
        );
        let _ = core.call(
            Some(&self.session),
            "Runtime.releaseObject",
            json!({ "objectId": object }),
        );
        set.map(|_| ())
    }

    /// Every Content Security Policy violation since the tab opened, each once, oldest first.
    ///
    /// Two sources, per document: the `securitypolicyviolation` events the recorder (registered
    /// before any navigation, run before the page's scripts) heard, and Chromium's own reports in
    /// the `Log` domain ("Refused to … because it violates the following Content Security Policy
    /// directive"), which also cover what happens before the recorder runs or after the
    /// document is gone. A document counts as many violations as the larger of the two says; the
    /// recorder's descriptions come first.
    pub fn csp_violations(&self) -> Result<Vec<String>> {
        let mut core = lock(&self.core);
        core.drain();
        let live = read_heard(&mut core, &self.session);
        let tab = core.tab(&self.session)?;
        let current = tab.documents;
        let documents: BTreeSet<u64> = tab
            .csp_logged
            .iter()
            .chain(&tab.csp_heard)
            .map(|(d, _)| *d)
            .collect();
        let mut out = Vec::new();
        for document in documents.into_iter().chain(Some(current)) {
            let heard: Vec<&String> = match (&live, document == current) {
                (Some(live), true) => live.iter().collect(),
                _ => of_document(&tab.csp_heard, document),
            };
            let logged = of_document(&tab.csp_logged, document);
            out.extend(heard.iter().map(|s| s.to_string()));
            out.extend(logged.iter().skip(heard.len()).map(|s| s.to_string()));
            if document == current {
                break;
            }
        }
        Ok(out)
    }

    /// The visible part of the page as PNG (for screenshots a person looks at).
    pub fn screenshot(&self) -> Result<Vec<u8>> {
        let mut core = lock(&self.core);
        let shot = core.call(
            Some(&self.session),
            "Page.captureScreenshot",
            json!({ "format": "png" }),
        )?;
        let data = shot["data"].as_str().unwrap_or_default();
        STANDARD
            .decode(data)
            .map_err(|e| Error::Harness(format!("a screenshot that is not base64: {e}")))
    }

    /// Shows the page as under `prefers-color-scheme: light` or `dark`.
    pub fn set_color_scheme(&self, scheme: &str) -> Result<()> {
        let mut core = lock(&self.core);
        core.call(
            Some(&self.session),
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        )?;
        Ok(())
    }

    /// Uncaught exceptions, console errors and warnings and Chromium's error log of this tab so
    /// far (for a failing test's message).
    pub fn console(&self) -> Vec<String> {
        let core = lock(&self.core);
        core.tabs
            .get(&self.session)
            .map(|t| t.console.clone())
            .unwrap_or_default()
    }

    /// Keeps what the recorder heard in the document about to be left.
    fn keep_heard(&self, core: &mut Core) {
        if let Some(heard) = read_heard(core, &self.session) {
            if let Ok(tab) = core.tab(&self.session) {
                let document = tab.documents;
                tab.csp_heard.retain(|(d, _)| *d != document);
                tab.csp_heard
                    .extend(heard.into_iter().map(|h| (document, h)));
            }
        }
    }
}

impl Drop for Tab {
    fn drop(&mut self) {
        let mut core = lock(&self.core);
        core.tabs.remove(&self.session);
        let _ = core.cdp.send(
            None,
            "Target.closeTarget",
            json!({ "targetId": self.target }),
        );
    }
}

/// Evaluates `js` in the tab of `session`, by value, awaiting promises.
fn evaluate(core: &mut Core, session: &str, js: &str) -> Result<Value> {
    core.tab(session)?;
    let reply = core.call(
        Some(session),
        "Runtime.evaluate",
        json!({ "expression": js, "awaitPromise": true, "returnByValue": true }),
    )?;
    if let Some(details) = reply.get("exceptionDetails") {
        let text = details["exception"]["description"]
            .as_str()
            .or(details["exception"]["value"].as_str())
            .or(details["text"].as_str())
            .unwrap_or("?");
        return Err(Error::Script(text.to_string()));
    }
    Ok(reply["result"].get("value").cloned().unwrap_or(Value::Null))
}

/// What the recorder heard in the current document, if it is there to ask.
fn read_heard(core: &mut Core, session: &str) -> Option<Vec<String>> {
    let script = format!(
        "(() => {{ const r = window.{RECORDER_GLOBAL}; return r ? r.violations() : null; }})()"
    );
    match evaluate(core, session, &script) {
        Ok(Value::Array(items)) => Some(
            items
                .into_iter()
                .map(|v| v.as_str().unwrap_or("?").to_string())
                .collect(),
        ),
        _ => None,
    }
}

fn of_document(records: &[(u64, String)], document: u64) -> Vec<&String> {
    records
        .iter()
        .filter(|(d, _)| *d == document)
        .map(|(_, s)| s)
        .collect()
}

fn console_tail(core: &Core, session: &str) -> String {
    let Some(tab) = core.tabs.get(session) else {
        return String::new();
    };
    if tab.console.is_empty() {
        return String::new();
    }
    let start = tab.console.len().saturating_sub(CONSOLE_TAIL);
    format!(
        "; the page's console:\n  {}",
        tab.console[start..].join("\n  ")
    )
}

/// `text` as a JavaScript string literal.
fn js_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}
