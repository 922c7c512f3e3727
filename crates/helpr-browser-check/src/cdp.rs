//! A small synchronous Chrome DevTools Protocol client over one WebSocket, in flattened session
//! mode (one connection, every target addressed by `sessionId`).
//!
//! Some things cannot wait for the caller and are answered here, as soon as they arrive, even in
//! the middle of waiting for another reply: a JavaScript dialog (it blocks the page, so it is
//! dismissed at once), a debugger pause (resumed) and a newly attached target (it is paused until
//! it is set up, so the caller's hooks are in place before its first script). All are still
//! passed on as events.
//!
//! Both users — the sanitizer check (`run.rs`) and the test driver (`driver/`) — open their tabs
//! the same way here: a fresh browser context, a tab in it, set up by a [`TargetSetup`] of their
//! own before it runs anything.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::TcpStream;
use std::time::Instant;

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

use crate::error::{Error, Result};

/// One CDP event, with the session it came from (`None`: the browser session).
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub session: Option<String>,
    pub method: String,
    pub params: Value,
}

/// What every attached page, frame or worker of the watched context gets before it may run.
pub(crate) struct TargetSetup {
    /// Sent to every content target (domains to enable, bindings).
    pub every_target: Vec<(&'static str, Value)>,
    /// Then to pages and frames only (scripts registered for every new document).
    pub documents: Vec<(&'static str, Value)>,
    /// Whether each target attaches its own children (frames, workers) paused, so they get the
    /// same setup before they run.
    pub children: bool,
}

/// Target types that run page content. Others (`browser_ui`: the browser's own omnibox and
/// menus, built from WebUI pages) are the browser's business.
const WATCHED_TYPES: &[&str] = &[
    "page",
    "iframe",
    "worker",
    "shared_worker",
    "service_worker",
];

pub(crate) struct Cdp {
    ws: WebSocket<TcpStream>,
    next_id: u64,
    events: VecDeque<Event>,
    setup: TargetSetup,
    /// Sessions of attached targets, by target id.
    pub attached: HashMap<String, String>,
    /// Replies to commands nobody waits for (setup), by id: kept only when they are errors.
    fire_and_forget: HashMap<u64, (String, String)>,
    /// Setup commands that failed on a page or frame, as "method: message".
    pub setup_failures: Vec<String>,
    /// The browser context being watched; targets elsewhere (the browser's own UI pages) are
    /// let go as soon as they attach.
    pub context: Option<String>,
}

impl Cdp {
    pub fn connect(websocket_url: &str, setup: TargetSetup) -> Result<Self> {
        let authority = websocket_url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| Error::Connection(format!("unexpected endpoint {websocket_url}")))?;
        let stream = TcpStream::connect(authority).map_err(|e| Error::Connection(e.to_string()))?;
        stream
            .set_nodelay(true)
            .map_err(|e| Error::Connection(e.to_string()))?;
        let (ws, _) = tungstenite::client(websocket_url, stream)
            .map_err(|e| Error::Connection(e.to_string()))?;
        Ok(Self {
            ws,
            next_id: 1,
            events: VecDeque::new(),
            setup,
            attached: HashMap::new(),
            fire_and_forget: HashMap::new(),
            setup_failures: Vec::new(),
            context: None,
        })
    }

    /// Has every new target attach paused (so [`TargetSetup`] runs before its first script) and
    /// reported (`Target.targetCreated`); returns the page targets open already.
    pub fn watch_targets(&mut self, deadline: Instant) -> Result<HashSet<String>> {
        self.call(
            None,
            "Target.setDiscoverTargets",
            json!({ "discover": true }),
            deadline,
        )?;
        self.call(
            None,
            "Target.setAutoAttach",
            json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true }),
            deadline,
        )?;
        let existing = self.call(None, "Target.getTargets", json!({}), deadline)?;
        Ok(existing["targetInfos"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["type"] == "page")
            .filter_map(|t| t["targetId"].as_str().map(str::to_string))
            .collect())
    }

    /// Makes a fresh browser context (its own cookies and storage, gone when the connection
    /// closes) and watches it; `proxy` overrides the browser's proxy for it.
    pub fn open_context(&mut self, proxy: Option<&str>, deadline: Instant) -> Result<String> {
        let mut params = json!({ "disposeOnDetach": true });
        if let Some(proxy) = proxy {
            params["proxyServer"] = json!(proxy);
            params["proxyBypassList"] = json!("<-loopback>");
        }
        let context = self.call(None, "Target.createBrowserContext", params, deadline)?;
        let id = context["browserContextId"]
            .as_str()
            .ok_or_else(|| Error::Harness("Target.createBrowserContext returned no id".into()))?
            .to_string();
        self.context = Some(id.clone());
        Ok(id)
    }

    /// Opens a blank tab in the watched context and returns its target id and session once it is
    /// attached and set up. Events that arrive meanwhile stay queued.
    pub fn open_tab(&mut self, deadline: Instant) -> Result<(String, String)> {
        let context = self
            .context
            .clone()
            .ok_or_else(|| Error::Harness("a tab opened before its browser context".into()))?;
        let created = self.call(
            None,
            "Target.createTarget",
            json!({ "url": "about:blank", "browserContextId": context }),
            deadline,
        )?;
        let target = created["targetId"]
            .as_str()
            .ok_or_else(|| Error::Harness("Target.createTarget returned no target".into()))?
            .to_string();
        loop {
            if let Some(session) = self.attached.get(&target) {
                return Ok((target, session.clone()));
            }
            match self.read(deadline)? {
                Some(message) => self.dispatch(message)?,
                None => return Err(Error::Timeout("the new tab to be attached".into())),
            }
        }
    }

    /// Sends a command without waiting for its reply.
    pub fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.ws
            .send(Message::text(message.to_string()))
            .map_err(|e| Error::Connection(e.to_string()))?;
        Ok(id)
    }

    /// Sends a command and waits for its reply; events that arrive meanwhile are queued.
    pub fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        deadline: Instant,
    ) -> Result<Value> {
        let id = self.send(session, method, params)?;
        loop {
            let Some(message) = self.read(deadline)? else {
                return Err(Error::Timeout(format!("the reply to {method}")));
            };
            if message.get("id").and_then(Value::as_u64) == Some(id) {
                return match message.get("error") {
                    Some(error) => Err(Error::Command {
                        method: method.to_string(),
                        message: error["message"].as_str().unwrap_or("?").to_string(),
                    }),
                    None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
                };
            }
            self.dispatch(message)?;
        }
    }

    /// The next event, or `None` when `deadline` passes first.
    pub fn next_event(&mut self, deadline: Instant) -> Result<Option<Event>> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(Some(event));
            }
            match self.read(deadline)? {
                Some(message) => self.dispatch(message)?,
                None => return Ok(None),
            }
        }
    }

    /// The next queued event, without reading from the connection.
    pub fn queued_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// One message from the connection, or `None` at the deadline.
    fn read(&mut self, deadline: Instant) -> Result<Option<Value>> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.ws
                .get_mut()
                .set_read_timeout(Some(left))
                .map_err(|e| Error::Connection(e.to_string()))?;
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str())
                        .map(Some)
                        .map_err(|e| Error::Connection(format!("bad message: {e}")));
                }
                Ok(Message::Close(_)) => {
                    return Err(Error::Connection("Chromium closed the connection".into()))
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue
                }
                Err(e) => return Err(Error::Connection(e.to_string())),
            }
        }
    }

    /// Handles a message that is not the awaited reply: late replies, and events.
    fn dispatch(&mut self, message: Value) -> Result<()> {
        if let Some(id) = message.get("id").and_then(Value::as_u64) {
            if let Some((method, kind)) = self.fire_and_forget.remove(&id) {
                if let Some(error) = message.get("error") {
                    if kind == "page" || kind == "iframe" {
                        self.setup_failures.push(format!(
                            "{method} on a {kind}: {}",
                            error["message"].as_str().unwrap_or("?")
                        ));
                    }
                }
            }
            return Ok(());
        }
        let event = Event {
            session: message
                .get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_string),
            method: message["method"].as_str().unwrap_or_default().to_string(),
            params: message.get("params").cloned().unwrap_or(Value::Null),
        };
        match event.method.as_str() {
            "Page.javascriptDialogOpening" => {
                // Dismiss alerts, confirms and prompts; let `beforeunload` leave, so the harness
                // can always navigate on.
                let leave = event.params["type"] == "beforeunload";
                self.send(
                    event.session.as_deref(),
                    "Page.handleJavaScriptDialog",
                    json!({ "accept": leave }),
                )?;
            }
            "Target.attachedToTarget" => self.set_up(&event.params)?,
            "Debugger.paused" => {
                self.send(event.session.as_deref(), "Debugger.resume", json!({}))?;
            }
            _ => {}
        }
        self.events.push_back(event);
        Ok(())
    }

    /// Prepares a freshly attached (and paused) content target of the watched context, then lets
    /// it run; lets any other target go.
    fn set_up(&mut self, params: &Value) -> Result<()> {
        let session = params["sessionId"].as_str().unwrap_or_default().to_string();
        let target_id = params["targetInfo"]["targetId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let kind = params["targetInfo"]["type"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let context = params["targetInfo"]["browserContextId"].as_str();
        let content = WATCHED_TYPES.contains(&kind.as_str());
        if !content || context.is_none() || context != self.context.as_deref() {
            self.send(Some(&session), "Runtime.runIfWaitingForDebugger", json!({}))?;
            self.send(
                None,
                "Target.detachFromTarget",
                json!({ "sessionId": session }),
            )?;
            return Ok(());
        }
        self.attached.insert(target_id, session.clone());
        let mut commands = self.setup.every_target.clone();
        if kind == "page" || kind == "iframe" {
            commands.extend(self.setup.documents.iter().cloned());
        }
        if self.setup.children {
            commands.push((
                "Target.setAutoAttach",
                json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true }),
            ));
        }
        commands.push(("Runtime.runIfWaitingForDebugger", json!({})));
        for (method, params) in commands {
            let id = self.send(Some(&session), method, params)?;
            self.fire_and_forget
                .insert(id, (method.to_string(), kind.clone()));
        }
        Ok(())
    }
}
