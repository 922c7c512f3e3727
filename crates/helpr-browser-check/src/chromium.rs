//! The Chromium process: finds the binary, starts it headless on a fresh profile with its own
//! background traffic switched off and whatever still goes out routed to a recording proxy,
//! reads the DevTools WebSocket address it announces, and makes sure it is gone (and its profile
//! removed) when dropped. The sanitizer check and the test driver start it the same way; only
//! [`Launch`] differs.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How long Chromium may take to open its DevTools endpoint.
const START_DEADLINE: Duration = Duration::from_secs(60);
/// How long Chromium gets to exit after `Browser.close` before it is killed.
const STOP_DEADLINE: Duration = Duration::from_secs(10);
/// Lines of Chromium's stderr kept for error messages.
const STDERR_TAIL: usize = 40;

/// Debian's real binary (`/usr/bin/chromium` is a shell wrapper around it that adds flags of its own).
const DEBIAN_BINARY: &str = "/usr/lib/chromium/chromium";
const PATH_NAMES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome-stable",
    "google-chrome",
];

/// Where Chromium is: `$HELPR_CHROMIUM`, Debian's binary, or the first known name on `PATH`.
pub fn find_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("HELPR_CHROMIUM").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    if is_executable(Path::new(DEBIAN_BINARY)) {
        return Ok(PathBuf::from(DEBIAN_BINARY));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    PATH_NAMES
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| is_executable(candidate))
        .ok_or(Error::ChromiumMissing)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// How one Chromium is started.
pub(crate) struct Launch {
    /// `--proxy-server`: takes the browser's own traffic that no flag silences, and pages'
    /// unless their browser context has a proxy of its own.
    pub proxy_url: String,
    /// Whether loopback goes through that proxy too (`<-loopback>`) or directly (Chromium's
    /// default, which the test driver needs to reach a server on 127.0.0.1).
    pub proxy_loopback: bool,
    /// Appended to the command line.
    pub extra_flags: Vec<String>,
    /// The temporary profile's name prefix.
    pub profile_prefix: &'static str,
}

/// The command line. What makes Chromium talk to the network on its own is off as far as flags
/// allow; the proxy takes the rest (pages may get their own proxy per browser context).
fn flags(profile: &Path, launch: &Launch) -> Vec<String> {
    let mut flags: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-breakpad",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--no-pings",
        "--metrics-recording-only",
        "--password-store=basic",
        "--use-mock-keychain",
        "--mute-audio",
        "--disable-dev-shm-usage",
        // Pages must keep running timers and animation frames while "in the background".
        "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows",
        "--disable-renderer-backgrounding",
        // Same-process frames keep every frame's events on one DevTools session (cross-process
        // frames are still attached and watched; this only makes them rare).
        "--disable-site-isolation-trials",
        "--disable-features=IsolateOrigins,site-per-process,NetworkTimeServiceQuerying,BackForwardCache,\
         Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,\
         CertificateTransparencyComponentUpdater",
        "--remote-debugging-port=0",
        "--window-size=1280,1024",
    ]
    .iter()
    .map(|flag| flag.to_string())
    .collect();
    flags.push(format!("--proxy-server={}", launch.proxy_url));
    if launch.proxy_loopback {
        flags.push("--proxy-bypass-list=<-loopback>".into());
    }
    // Chromium honours `--ignore-certificate-errors-spki-list` only with an explicit profile.
    flags.push(format!("--user-data-dir={}", profile.display()));
    flags.extend(launch.extra_flags.iter().cloned());
    flags.push("about:blank".into());
    flags
}

pub(crate) struct Chromium {
    child: Child,
    /// The fresh profile; removed after the process is gone (fields drop after `drop`).
    _profile: tempfile::TempDir,
    stderr: Arc<Mutex<VecDeque<String>>>,
    pub websocket_url: String,
}

impl Chromium {
    pub fn launch(launch: &Launch) -> Result<Self> {
        let binary = find_binary()?;
        let profile = tempfile::Builder::new()
            .prefix(launch.profile_prefix)
            .tempdir()
            .map_err(|source| Error::Spawn {
                binary: binary.clone(),
                source,
            })?;
        let mut child = Command::new(&binary)
            .args(flags(profile.path(), launch))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| Error::Spawn {
                binary: binary.clone(),
                source,
            })?;

        // Chromium prints `DevTools listening on ws://…` on stderr; keep draining it afterwards
        // so the pipe never fills up and blocks the browser.
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let (found_tx, found_rx) = mpsc::channel();
        if let Some(pipe) = child.stderr.take() {
            let tail = Arc::clone(&stderr);
            let _ = std::thread::Builder::new()
                .name("browser-check-stderr".into())
                .spawn(move || {
                    for line in BufReader::new(pipe).lines().map_while(|l| l.ok()) {
                        if let Some(url) = line.strip_prefix("DevTools listening on ") {
                            let _ = found_tx.send(url.trim().to_string());
                        }
                        let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
                        if tail.len() == STDERR_TAIL {
                            tail.pop_front();
                        }
                        tail.push_back(line);
                    }
                });
        }
        let mut chromium = Self {
            child,
            _profile: profile,
            stderr,
            websocket_url: String::new(),
        };
        match found_rx.recv_timeout(START_DEADLINE) {
            Ok(url) => {
                chromium.websocket_url = url;
                Ok(chromium)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(chromium.launch_error(format!("nothing within {}s", START_DEADLINE.as_secs())))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = chromium.child.wait().map(|s| s.to_string());
                Err(chromium.launch_error(format!(
                    "it exited ({})",
                    status.unwrap_or_else(|e| e.to_string())
                )))
            }
        }
    }

    fn launch_error(&self, reason: String) -> Error {
        Error::Launch {
            reason,
            stderr: self.stderr_tail(),
        }
    }

    /// Chromium's last lines of output, for error messages.
    pub fn stderr_tail(&self) -> String {
        let tail = self.stderr.lock().unwrap_or_else(PoisonError::into_inner);
        tail.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Waits for the process to exit on its own (after `Browser.close`), killing it at the deadline.
    pub fn stop(&mut self) {
        let deadline = Instant::now() + STOP_DEADLINE;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
