//! The desktop session's notification side, for the E2E: a real notification daemon (`dunst`,
//! on the session bus and the test's display) whose history says what the app showed, and a
//! stand-in for the session's screen saver (`org.freedesktop.ScreenSaver`, `GetActive`) that
//! the test locks and unlocks, as a desktop environment would.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use dbus::blocking::Connection;
use dbus::channel::MatchingReceiver;
use dbus::message::MatchRule;

const START_DEADLINE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

/// One notification as the daemon recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub app: String,
    pub summary: String,
    pub body: String,
}

/// `dunst`, running until dropped.
pub struct Dunst {
    child: Child,
}

impl Dunst {
    /// Starts `dunst` and waits until it answers on the session bus.
    pub fn start() -> Result<Self> {
        let child = Command::new("dunst")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting dunst (Debian package `dunst`; `cargo xtask test` installs it)")?;
        let dunst = Self { child };
        let started = Instant::now();
        while dunst.history().is_err() {
            if started.elapsed() > START_DEADLINE {
                bail!("dunst did not answer on the session bus within {START_DEADLINE:?}");
            }
            std::thread::sleep(POLL);
        }
        Ok(dunst)
    }

    /// Every notification shown so far (dismissed ones too), oldest first.
    pub fn shown(&self) -> Result<Vec<Shown>> {
        // Shown notifications stay on screen until closed; closing them all moves them into
        // the history, which is what `dunstctl history` reads.
        let closed = Command::new("dunstctl").arg("close-all").status()?;
        if !closed.success() {
            bail!("dunstctl close-all failed: {closed}");
        }
        let mut shown = self.history()?;
        shown.reverse();
        Ok(shown)
    }

    /// Waits until `count` notifications were shown; returns them all.
    pub fn wait_for(&self, count: usize, deadline: Duration) -> Result<Vec<Shown>> {
        let started = Instant::now();
        loop {
            let shown = self.shown()?;
            if shown.len() >= count {
                return Ok(shown);
            }
            if started.elapsed() > deadline {
                bail!(
                    "{} notifications within {deadline:?}, not {count}: {shown:?}",
                    shown.len()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// The history, newest first.
    fn history(&self) -> Result<Vec<Shown>> {
        let out = Command::new("dunstctl").arg("history").output()?;
        if !out.status.success() {
            bail!("dunstctl history: {}", String::from_utf8_lossy(&out.stderr));
        }
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let field = |n: &serde_json::Value, key: &str| {
            n[key]["data"].as_str().unwrap_or_default().to_owned()
        };
        Ok(json["data"][0]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| Shown {
                app: field(n, "appname"),
                summary: field(n, "summary"),
                body: field(n, "body"),
            })
            .collect())
    }
}

impl Drop for Dunst {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The session's screen saver, locked or not as the test says, until dropped.
pub struct ScreenSaver {
    locked: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ScreenSaver {
    /// Owns `org.freedesktop.ScreenSaver` on the session bus and answers `GetActive`.
    pub fn start(locked: bool) -> Result<Self> {
        let bus = Connection::new_session().context("the session bus")?;
        bus.request_name("org.freedesktop.ScreenSaver", false, true, true)
            .context("owning org.freedesktop.ScreenSaver")?;
        let locked = Arc::new(AtomicBool::new(locked));
        let stop = Arc::new(AtomicBool::new(false));
        let answer = locked.clone();
        bus.start_receive(
            MatchRule::new_method_call(),
            Box::new(move |call, bus| {
                use dbus::channel::Sender;
                let reply = if call.member().as_deref() == Some("GetActive") {
                    call.method_return().append1(answer.load(Ordering::SeqCst))
                } else {
                    dbus::Message::error(
                        &call,
                        &"org.freedesktop.DBus.Error.UnknownMethod".into(),
                        c"not served by the test's screen saver",
                    )
                };
                let _ = bus.send(reply);
                true
            }),
        );
        let running = stop.clone();
        let thread = std::thread::spawn(move || {
            while !running.load(Ordering::SeqCst) {
                let _ = bus.process(POLL);
            }
        });
        Ok(Self {
            locked,
            stop,
            thread: Some(thread),
        })
    }

    pub fn set_locked(&self, locked: bool) {
        self.locked.store(locked, Ordering::SeqCst);
    }
}

impl Drop for ScreenSaver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
