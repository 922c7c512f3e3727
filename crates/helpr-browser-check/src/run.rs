//! [`Browser`]: one Chromium, one tab, and the loop that renders a page and accounts for what it
//! did. A page's life: navigate to it (served once by the recorder), wait for its load event,
//! settle (an animation frame and a task, the interaction pass, another frame and task), wait
//! until every request the browser started has finished, settle again until nothing new happens,
//! then navigate to `about:blank` (which runs its unload handlers), wait for the requests those
//! sent, and collect the recorder's log.

use std::collections::{HashSet, VecDeque};
use std::ops::Range;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cdp::{Cdp, Event, TargetSetup};
use crate::chromium::{Chromium, Launch};
use crate::error::{Error, Result};
use crate::observed::{excerpt, is_network_url, NetworkRequest, Observed};
use crate::page::Names;
use crate::recorder::Recorder;
use crate::{Execution, ExecutionKind, Request, RequestKind, Verdict, PAGE_DEADLINE};

/// Fragments per shared page, and the most bytes of fragments on one.
const BATCH_FRAGMENTS: usize = 40;
const BATCH_BYTES: usize = 256 * 1024;
/// How long the requests a page started get to finish before the recorder is read (the
/// recorder answers at once; a lazy image Chromium never completes would otherwise stall).
const REQUEST_PATIENCE: Duration = Duration::from_secs(2);
/// Settle rounds after the first while new requests keep appearing.
const EXTRA_SETTLES: usize = 3;
/// Characters of a foreign script's source kept in its finding.
const SCRIPT_EXCERPT: usize = 160;
const BLANK: &str = "about:blank";

/// A headless Chromium wired to the recording proxy. Dropping it closes the browser and removes
/// its profile.
pub struct Browser {
    cdp: Cdp,
    names: Names,
    recorder: Recorder,
    _background: Recorder,
    chromium: Chromium,
    session: String,
    /// Page targets that are ours (the tab) or were there at launch.
    known_pages: HashSet<String>,
}

/// One page to render: a single fragment, or a run of fragments sharing a page.
#[derive(Debug, Clone)]
enum Job {
    Single(usize),
    Shared(Range<usize>),
}

/// Splits the fragments into runs that share a page (a run of one is rendered alone).
fn batches(fragments: &[String]) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut start = 0;
    while start < fragments.len() {
        let mut end = start + 1;
        let mut bytes = fragments[start].len();
        while end < fragments.len()
            && end - start < BATCH_FRAGMENTS
            && bytes + fragments[end].len() <= BATCH_BYTES
        {
            bytes += fragments[end].len();
            end += 1;
        }
        jobs.push(if end - start == 1 {
            Job::Single(start)
        } else {
            Job::Shared(start..end)
        });
        start = end;
    }
    jobs
}

impl Browser {
    /// Starts the recording proxy and Chromium, and opens the tab fragments render in.
    pub fn launch() -> Result<Self> {
        let recorder = Recorder::start()?;
        // The browser's own traffic (component updates, account checks, which no flag fully
        // silences) goes to a second recorder nobody reads; the tab lives in a browser context
        // whose proxy is the page recorder, so everything a page does, and only that, is counted.
        let background = Recorder::start()?;
        let chromium = Chromium::launch(&Launch {
            proxy_url: background.proxy_url(),
            proxy_loopback: true,
            extra_flags: Vec::new(),
            profile_prefix: "helpr-browser-check-",
        })?;
        let names = Names::new();
        let mut cdp = Cdp::connect(
            &chromium.websocket_url,
            TargetSetup {
                every_target: vec![
                    ("Runtime.addBinding", json!({ "name": names.binding })),
                    ("Runtime.enable", json!({})),
                    ("Debugger.enable", json!({})),
                    // A `debugger;` statement in a fragment must not stop the page.
                    ("Debugger.setSkipAllPauses", json!({ "skip": true })),
                    ("Network.enable", json!({})),
                ],
                documents: vec![
                    ("Page.enable", json!({})),
                    (
                        "Page.addScriptToEvaluateOnNewDocument",
                        json!({ "source": names.preamble(), "runImmediately": true }),
                    ),
                ],
                children: true,
            },
        )?;
        let deadline = Instant::now() + PAGE_DEADLINE;
        let mut known_pages = cdp.watch_targets(deadline)?;
        cdp.open_context(Some(&recorder.proxy_url()), deadline)?;
        let (target, session) = cdp.open_tab(deadline)?;
        known_pages.insert(target.clone());
        for other in known_pages.iter().filter(|id| **id != target) {
            cdp.send(None, "Target.closeTarget", json!({ "targetId": other }))?;
        }
        let mut browser = Self {
            cdp,
            names,
            recorder,
            _background: background,
            chromium,
            session,
            known_pages,
        };
        // The tab's own start-up: a blank page must show nothing at all.
        let mut start = Observed::new(BLANK.into());
        start.leaving = true;
        let ping = browser.names.trusted("0");
        browser.cdp.call(
            Some(&browser.session.clone()),
            "Runtime.evaluate",
            json!({ "expression": ping }),
            deadline,
        )?;
        browser.drain(&mut start)?;
        start.records = browser.recorder.take();
        if start.fired() {
            return Err(Error::Harness(format!(
                "a blank tab already shows activity: {:?}",
                start.into_verdict()
            )));
        }
        Ok(browser)
    }

    /// Proves the harness sees what it is there to see, in this browser, now: an unsanitized
    /// `<img src=x onerror=alert(1)>` must call `alert(1)` once and an unsanitized remote image
    /// must be requested once, or this fails.
    pub fn self_test(&mut self) -> Result<()> {
        let controls = [
            "<img src=x onerror=alert(1)>".to_string(),
            r#"<img src="http://example.com/control.png">"#.to_string(),
        ];
        let verdicts = self.check(&controls)?;
        let alerts = verdicts[0]
            .executions
            .iter()
            .filter(|e| e.kind == ExecutionKind::Call && e.detail == "alert(1)")
            .count();
        let fetches = verdicts[1]
            .requests
            .iter()
            .filter(|r| r.detail == "GET http://example.com/control.png")
            .count();
        if alerts != 1 || fetches != 1 || !verdicts[1].executions.is_empty() {
            return Err(Error::Harness(format!(
                "the controls were not seen as expected (1 alert, 1 request): {verdicts:?}"
            )));
        }
        Ok(())
    }

    /// Renders each fragment as-is in the body of a page and says what it did.
    pub fn check(&mut self, fragments: &[String]) -> Result<Vec<Verdict>> {
        let mut seen: Vec<Observed> = fragments
            .iter()
            .map(|_| Observed::new(String::new()))
            .collect();
        let mut queue: VecDeque<Job> = batches(fragments).into();
        let mut last: Option<Job> = None;
        loop {
            // Activity after a page was left (a beacon from an unload handler, say) is that
            // page's; a shared page that shows any is rendered again one fragment at a time.
            let late = self.between_pages()?;
            if late.fired() {
                match last.clone() {
                    Some(Job::Single(i)) => seen[i].merge(late),
                    Some(Job::Shared(range)) => queue.extend(range.map(Job::Single)),
                    None => {
                        return Err(Error::Harness(format!(
                            "activity before any page was shown: {:?}",
                            late.into_verdict()
                        )))
                    }
                }
            }
            let Some(job) = queue.pop_front() else { break };
            match &job {
                Job::Single(i) => {
                    seen[*i] = self.render(self.names.single_page(&fragments[*i]))?;
                }
                Job::Shared(range) => {
                    let batch: Vec<&str> = fragments[range.clone()]
                        .iter()
                        .map(String::as_str)
                        .collect();
                    let shown = self.render(self.names.batch_page(&batch))?;
                    let expected: Vec<(u64, bool)> =
                        (0..=batch.len() as u64).map(|i| (i, true)).collect();
                    if shown.fired() || shown.marks != expected {
                        for i in range.clone().rev() {
                            queue.push_front(Job::Single(i));
                        }
                    }
                }
            }
            last = Some(job);
        }
        Ok(seen.into_iter().map(Observed::into_verdict).collect())
    }

    /// Whatever happened since the last page was left.
    fn between_pages(&mut self) -> Result<Observed> {
        let mut late = Observed::new(BLANK.into());
        late.leaving = true;
        self.drain(&mut late)?;
        late.records = self.recorder.take();
        Ok(late)
    }

    /// Shows one page and returns everything it did.
    fn render(&mut self, html: String) -> Result<Observed> {
        let deadline = Instant::now() + PAGE_DEADLINE;
        let session = self.session.clone();
        let url = self.recorder.add_page(html);
        let mut seen = Observed::new(url.clone());
        let navigated = self.cdp.call(
            Some(&session),
            "Page.navigate",
            json!({ "url": url }),
            deadline,
        )?;
        if let Some(error) = navigated["errorText"].as_str() {
            return Err(Error::Harness(format!(
                "loading the test page failed: {error}"
            )));
        }
        self.wait_or_fail(&mut seen, deadline, "the load event", |s| s.loaded)?;

        let settled = self.evaluate(&self.names.settle(), deadline);
        self.drain(&mut seen)?;
        self.take_status(&mut seen, settled)?;
        for _ in 0..EXTRA_SETTLES {
            self.let_requests_finish(&mut seen, deadline)?;
            let before = (seen.network.len(), seen.executions.len());
            let again = self.evaluate(&self.names.settle_again(), deadline);
            self.drain(&mut seen)?;
            self.take_status(&mut seen, again)?;
            if (seen.network.len(), seen.executions.len()) == before {
                break;
            }
        }

        seen.leaving = true;
        seen.loaded = false;
        seen.commits = 0;
        self.cdp.call(
            Some(&session),
            "Page.navigate",
            json!({ "url": BLANK }),
            deadline,
        )?;
        self.wait_or_fail(&mut seen, deadline, "about:blank to load", |s| s.loaded)?;
        // Requests sent while the page unloaded.
        self.let_requests_finish(&mut seen, deadline)?;
        seen.records.extend(self.recorder.take());
        Ok(seen)
    }

    /// Runs a trusted script in the tab and returns its value.
    fn evaluate(&mut self, expression: &str, deadline: Instant) -> Result<Value> {
        let session = self.session.clone();
        let reply = self.cdp.call(
            Some(&session),
            "Runtime.evaluate",
            json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            deadline,
        )?;
        if let Some(details) = reply.get("exceptionDetails") {
            let text = details["exception"]["description"]
                .as_str()
                .or(details["text"].as_str())
                .unwrap_or("?");
            return Err(Error::Harness(format!("a settle step threw: {text}")));
        }
        Ok(reply["result"]["value"].clone())
    }

    /// Reads a settle step's status. A step that failed is the fragment's doing when it ran
    /// script or navigated (both already findings); otherwise the harness is broken.
    fn take_status(&mut self, seen: &mut Observed, status: Result<Value>) -> Result<()> {
        match status {
            Ok(status) => {
                seen.marks = status["marks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| (m[0].as_u64().unwrap_or(u64::MAX), m[1] == true))
                    .collect();
                seen.refreshes = status["refresh"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| c.as_str().unwrap_or_default().to_string())
                    .collect();
                Ok(())
            }
            Err(Error::Harness(_) | Error::Command { .. })
                if !seen.executions.is_empty() || !seen.navigations.is_empty() =>
            {
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// Absorbs events until `done` holds (`true`) or `deadline` passes (`false`).
    fn wait(
        &mut self,
        seen: &mut Observed,
        deadline: Instant,
        done: impl Fn(&Observed) -> bool,
    ) -> Result<bool> {
        loop {
            self.drain(seen)?;
            if done(seen) {
                return Ok(true);
            }
            match self.cdp.next_event(deadline)? {
                Some(event) => self.absorb(event, seen)?,
                None => return Ok(false),
            }
        }
    }

    /// [`Self::wait`], failing at the deadline with what the page was doing.
    fn wait_or_fail(
        &mut self,
        seen: &mut Observed,
        deadline: Instant,
        what: &str,
        done: impl Fn(&Observed) -> bool,
    ) -> Result<()> {
        if self.wait(seen, deadline, done)? {
            return Ok(());
        }
        let output: Vec<String> = self
            .chromium
            .stderr_tail()
            .lines()
            .filter(|line| !line.contains("dbus"))
            .map(str::to_string)
            .collect();
        Err(Error::Timeout(format!(
            "{what} on {} (requests still open: {:?}; Chromium's last output: {})",
            seen.page_url,
            seen.pending_urls(),
            excerpt(&output.join("\n"), 2000)
        )))
    }

    /// Waits a little for the requests the page started to finish, so those on their way reach
    /// the recorder before it is read. One that never finishes is already counted as a request,
    /// so running out of patience here hides nothing.
    fn let_requests_finish(&mut self, seen: &mut Observed, deadline: Instant) -> Result<()> {
        let patience = deadline.min(Instant::now() + REQUEST_PATIENCE);
        self.wait(seen, patience, |s| s.pending_requests() == 0)?;
        Ok(())
    }

    /// Absorbs the events already queued.
    fn drain(&mut self, seen: &mut Observed) -> Result<()> {
        while let Some(event) = self.cdp.queued_event() {
            self.absorb(event, seen)?;
        }
        if !self.cdp.setup_failures.is_empty() {
            return Err(Error::Harness(format!(
                "setting up a frame failed: {}",
                self.cdp.setup_failures.join("; ")
            )));
        }
        Ok(())
    }

    /// Accounts for one event.
    fn absorb(&mut self, event: Event, seen: &mut Observed) -> Result<()> {
        let ours = event.session.as_deref() == Some(self.session.as_str());
        let p = &event.params;
        match event.method.as_str() {
            "Debugger.scriptParsed" | "Debugger.scriptFailedToParse" => {
                let url = p["url"].as_str().unwrap_or_default();
                // The harness's own scripts, and Chromium's own error page (shown in a frame
                // whose load failed; that load is already a finding).
                if url == self.names.trusted_url || url.starts_with("chrome-error:") {
                    return Ok(());
                }
                let source = self
                    .cdp
                    .call(
                        event.session.as_deref(),
                        "Debugger.getScriptSource",
                        json!({ "scriptId": p["scriptId"] }),
                        Instant::now() + PAGE_DEADLINE,
                    )
                    .ok()
                    .and_then(|r| r["scriptSource"].as_str().map(str::to_string))
                    .unwrap_or_default();
                let failed = if event.method == "Debugger.scriptFailedToParse" {
                    " (failed to parse)"
                } else {
                    ""
                };
                seen.executions.push(Execution {
                    kind: ExecutionKind::Script,
                    detail: format!(
                        "{}{failed}: {}",
                        p["url"].as_str().unwrap_or_default(),
                        excerpt(source.trim(), SCRIPT_EXCERPT)
                    ),
                });
            }
            "Runtime.bindingCalled" if p["name"].as_str() == Some(&self.names.binding) => {
                let payload = p["payload"].as_str().unwrap_or_default();
                let (call, args) = serde_json::from_str::<(String, String)>(payload)
                    .unwrap_or_else(|_| ("?".into(), payload.to_string()));
                seen.executions.push(Execution {
                    kind: ExecutionKind::Call,
                    detail: format!("{call}({})", excerpt(&args, SCRIPT_EXCERPT)),
                });
            }
            "Page.javascriptDialogOpening" => seen.executions.push(Execution {
                kind: ExecutionKind::Dialog,
                detail: format!(
                    "{}: {}",
                    p["type"].as_str().unwrap_or("?"),
                    excerpt(p["message"].as_str().unwrap_or_default(), SCRIPT_EXCERPT)
                ),
            }),
            "Target.targetCreated" => {
                let info = &p["targetInfo"];
                let id = info["targetId"].as_str().unwrap_or_default().to_string();
                let watched = info["browserContextId"].as_str() == self.cdp.context.as_deref();
                if watched && info["type"] == "page" && !self.known_pages.contains(&id) {
                    seen.executions.push(Execution {
                        kind: ExecutionKind::Popup,
                        detail: info["url"].as_str().unwrap_or_default().to_string(),
                    });
                    self.known_pages.insert(id.clone());
                    self.cdp
                        .send(None, "Target.closeTarget", json!({ "targetId": id }))?;
                }
            }
            "Inspector.targetCrashed" | "Target.targetCrashed" => {
                return Err(Error::Harness("the renderer crashed".into()));
            }
            "Page.loadEventFired" if ours && seen.commits > 0 => seen.loaded = true,
            "Page.frameNavigated" => {
                let frame = &p["frame"];
                let url = frame["url"].as_str().unwrap_or_default();
                let main = ours && frame.get("parentId").is_none();
                if main {
                    seen.commits += 1;
                }
                let expected = if main {
                    url == seen.page_url || (seen.leaving && url == BLANK)
                } else {
                    url == BLANK || url == "about:srcdoc"
                };
                if !expected {
                    let which = if main { "the page" } else { "a frame" };
                    seen.navigations.push(Request {
                        kind: RequestKind::Navigation,
                        detail: format!("{which} → {url}"),
                    });
                }
            }
            "Page.navigatedWithinDocument" => seen.navigations.push(Request {
                kind: RequestKind::Navigation,
                detail: format!("within the document → {}", p["url"].as_str().unwrap_or("?")),
            }),
            "Page.frameRequestedNavigation" => {
                let url = p["url"].as_str().unwrap_or("?");
                // A new frame's first, empty document goes nowhere (a frame's srcdoc is content
                // of the page, checked like the rest of it).
                if url != BLANK && url != "about:srcdoc" {
                    seen.navigations.push(Request {
                        kind: RequestKind::Navigation,
                        detail: format!(
                            "requested ({}, {}) → {url}",
                            p["reason"].as_str().unwrap_or("?"),
                            p["disposition"].as_str().unwrap_or("?"),
                        ),
                    });
                }
            }
            "Network.requestWillBeSent" => {
                let url = p["request"]["url"].as_str().unwrap_or_default();
                let is_page = ours && url == seen.page_url;
                let id = p["requestId"].as_str().unwrap_or_default();
                let known = seen
                    .network
                    .iter()
                    .any(|r| r.session == event.session && r.id == id);
                if is_network_url(url) && !is_page && !known {
                    seen.network.push(NetworkRequest {
                        session: event.session.clone(),
                        id: id.to_string(),
                        method: p["request"]["method"].as_str().unwrap_or("?").to_string(),
                        url: url.to_string(),
                        done: false,
                    });
                }
            }
            "Target.detachedFromTarget" => {
                // A frame or worker that is gone will not report on its requests any more.
                let gone = p["sessionId"].as_str();
                for request in seen
                    .network
                    .iter_mut()
                    .filter(|r| r.session.as_deref() == gone)
                {
                    request.done = true;
                }
            }
            "Network.loadingFinished" | "Network.loadingFailed" => {
                let id = p["requestId"].as_str().unwrap_or_default();
                for request in seen
                    .network
                    .iter_mut()
                    .filter(|r| r.session == event.session && r.id == id)
                {
                    request.done = true;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.cdp.send(None, "Browser.close", json!({}));
        self.chromium.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_count_and_size_limits() {
        let mut fragments: Vec<String> = (0..BATCH_FRAGMENTS + 3).map(|i| i.to_string()).collect();
        fragments.push("x".repeat(BATCH_BYTES + 1));
        fragments.push("last".into());
        let jobs: Vec<String> = batches(&fragments)
            .iter()
            .map(|j| format!("{j:?}"))
            .collect();
        assert_eq!(
            jobs,
            [
                format!("Shared(0..{BATCH_FRAGMENTS})"),
                format!("Shared({BATCH_FRAGMENTS}..{})", BATCH_FRAGMENTS + 3),
                format!("Single({})", BATCH_FRAGMENTS + 3),
                format!("Single({})", BATCH_FRAGMENTS + 4),
            ]
        );
    }
}
