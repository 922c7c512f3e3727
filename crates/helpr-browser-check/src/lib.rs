//! Headless Chromium for tests, over the project's own DevTools client. Two users of one core
//! (`chromium.rs` starts the browser, `cdp.rs` speaks DevTools and sets each tab up before it
//! runs):
//!
//! - [`Browser`] renders HTML fragments and reports, per fragment, every script that ran and
//!   every request or navigation it caused. It exists to prove the mail sanitizer's output inert
//!   (issue 3): tests and `cargo xtask corpus` use it.
//! - [`driver`] drives real pages for integration tests: a browser that trusts a self-signed
//!   server by its key, tabs that navigate, fill, click, pick files, download, and count CSP
//!   violations (the secure-email recipient's page, issue 17).
//!
//! No product crate depends on it.
//!
//! The rest of this header is about [`Browser`].
//!
//! How it watches:
//! - **Requests**: the tab lives in a browser context whose proxy is an in-process recorder
//!   (`recorder.rs`) with `<-loopback>` as bypass list, so every request a page makes — any
//!   host, plain HTTP, HTTPS/WebSocket `CONNECT`, loopback — reaches it. The recorder serves the
//!   test page itself (once) and answers everything else with an error after writing it down.
//!   The browser's own background traffic (component updates, account checks: no flag silences
//!   all of it) goes through the global `--proxy-server` to a second recorder, so it never
//!   leaves the machine and never counts against a fragment. The browser's request events are
//!   cross-checked, so a request blocked before the wire still counts, and navigations of any
//!   frame count too.
//! - **Executions**: a trusted preamble, injected before any other script of every document,
//!   hooks `alert`/`confirm`/`prompt`/`print`/`open` and `document.write` after load; native
//!   dialogs and popups are caught by DevTools as well; and, strictest, every script the
//!   JavaScript engine compiles that the harness did not write (inline, handler attribute,
//!   `javascript:` URL, `srcdoc` frame…) counts, whether or not it calls a hooked function.
//! - **Interaction**: after load the harness fires every `on*` handler attribute (except those
//!   that fire on their own: load, error, unload…), activates every `javascript:` link, button
//!   or form, and makes lazy loading eager, so vectors that need a reader's mouse still show.
//!
//! Each fragment is rendered as-is in the `<body>` of an ordinary page, outside any sandbox:
//! this tests the sanitizer alone. For speed many fragments share a page, separated by marker
//! scripts that prove each was parsed in the body as it would be alone; if anything fires or a
//! marker is missing, the fragments of that page are rendered again one per page.

mod cdp;
mod chromium;
pub mod driver;
mod error;
mod observed;
mod page;
mod recorder;
mod run;

use std::time::Duration;

pub use error::{Error, Result};
pub use run::Browser;

/// How long one page may take from navigation to settled.
pub(crate) const PAGE_DEADLINE: Duration = Duration::from_secs(30);

/// What one fragment did in the browser. Clean means both lists are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Script that ran, one entry per hooked call, dialog, popup and foreign script compiled.
    pub executions: Vec<Execution>,
    /// Requests and navigations, other than loading the test page itself.
    pub requests: Vec<Request>,
}

impl Verdict {
    pub fn is_clean(&self) -> bool {
        self.executions.is_empty() && self.requests.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecutionKind {
    /// A hooked function was called: `alert`, `confirm`, `prompt`, `print`, `open`,
    /// `document.write`/`writeln` after load.
    Call,
    /// A native JavaScript dialog opened (a hook was bypassed).
    Dialog,
    /// A new window or tab was opened.
    Popup,
    /// The engine compiled a script the harness did not write (it ran, or tried to).
    Script,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub kind: ExecutionKind,
    /// What ran: `alert(1)`, the dialog text, the popup URL, the script source (shortened).
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// The recording proxy received it: `METHOD target`.
    Proxy,
    /// The browser started it but it never reached the proxy (blocked or failed on the way).
    Browser,
    /// A frame navigated, or was asked to, somewhere other than the test page.
    Navigation,
    /// A `<meta http-equiv=refresh>` is in the page: a navigation waiting for its timer.
    PendingRefresh,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub kind: RequestKind,
    pub detail: String,
}

/// Starts a browser, checks `fragments` and shuts the browser down. To check several sets,
/// keep a [`Browser`] instead.
pub fn check(fragments: &[String]) -> Result<Vec<Verdict>> {
    Browser::launch()?.check(fragments)
}

impl std::fmt::Display for Execution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail)
    }
}

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail)
    }
}
