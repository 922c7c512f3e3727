//! Process plumbing for driving the desktop app over WebDriver (the E2E tests and `cargo xtask
//! bench desktop`): finds the built app and `tauri-driver`, starts `tauri-driver` on free
//! ports, and stops it (and with it WebKitWebDriver) when dropped. Also the E2E's stand-in for
//! a tracker's host ([`Tracker`]) and the newsletter that points everything at it.

use std::fs::File;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// How long `tauri-driver` may take to accept connections.
const DRIVER_START_DEADLINE: Duration = Duration::from_secs(20);
/// How long `tauri-driver` gets to stop WebKitWebDriver after SIGTERM before it is killed.
const DRIVER_STOP_DEADLINE: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(100);

/// The profile directory this test binary was built into (`<target>/debug`), from `<target>/debug/deps/<test>`.
fn profile_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the test binary")?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("test binary is not inside <target>/<profile>/deps")
}

/// The cargo target directory: `$CARGO_TARGET_DIR`, else the one this test binary was built into.
pub fn target_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let profile = profile_dir()?;
    profile
        .parent()
        .map(Path::to_path_buf)
        .context("profile directory has no parent")
}

/// The desktop app under test: `$HELPR_DESKTOP_BIN`, which `cargo xtask test` sets to the app it
/// has just built from this checkout (with the UI embedded). No fallback: a stale app an earlier
/// build left in the target dir must never stand in for it.
pub fn desktop_binary() -> Result<PathBuf> {
    crate::handed_over_binary(
        "HELPR_DESKTOP_BIN",
        "helpr-desktop",
        "npm --prefix ui ci && npm --prefix ui run build && \
         cargo build -p helpr-desktop --features custom-protocol",
    )
    .map_err(anyhow::Error::msg)
}

/// `tauri-driver` from `$PATH`, else `~/.cargo/bin/tauri-driver`.
pub fn tauri_driver_binary() -> Result<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("tauri-driver"));
    let in_cargo_home =
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo/bin/tauri-driver"));
    let in_cargo_dir =
        std::env::var_os("CARGO_HOME").map(|home| PathBuf::from(home).join("bin/tauri-driver"));
    on_path
        .chain(in_cargo_dir)
        .chain(in_cargo_home)
        .find(|candidate| candidate.is_file())
        .context(
            "tauri-driver not found on PATH or in ~/.cargo/bin; install it with \
             `cargo install tauri-driver --locked` (it also needs WebKitWebDriver, \
             Debian package webkit2gtk-driver)",
        )
}

/// Fails unless an X11 or Wayland display is available for the app window.
pub fn require_display() -> Result<()> {
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return Ok(());
    }
    bail!(
        "no display: DISPLAY is not set. Run this test under a display server, e.g. \
         `Xvfb :99 &` then `DISPLAY=:99 cargo test -p helpr-tests --features desktop-e2e \
         --test desktop_e2e` (cargo xtask does this for you)"
    )
}

/// A port that was free a moment ago (the OS picks it; the listener is closed at once).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("binding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A running `tauri-driver`; dropping it stops the driver, WebKitWebDriver and the app.
pub struct TauriDriver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl TauriDriver {
    /// Starts `tauri-driver` on free ports, logging to `log` (no system browser for the app: see
    /// `BROWSER` below), and waits until both it and the
    /// WebKitWebDriver it starts accept connections (tauri-driver listens before its native driver
    /// does; a session requested in between fails with "connection refused").
    pub fn start(binary: &Path, log: &Path) -> Result<Self> {
        let port = free_port()?;
        let native_port = free_port()?;
        let log_file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(binary)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            // The app opens Google's consent page with xdg-open, which runs `$BROWSER` when no
            // desktop environment is named. The test plays the browser: `true` opens nothing
            // (else Debian's x-www-browser, Chromium, could follow the link on its own).
            .env("BROWSER", "true")
            .env_remove("XDG_CURRENT_DESKTOP")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut driver = Self {
            child,
            port,
            log: log.to_path_buf(),
        };
        let deadline = Instant::now() + DRIVER_START_DEADLINE;
        driver.wait_until_listening(port, "tauri-driver", deadline)?;
        driver.wait_until_listening(native_port, "WebKitWebDriver", deadline)?;
        Ok(driver)
    }

    /// The WebDriver URL clients connect to.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Everything `tauri-driver` and WebKitWebDriver printed so far (for failure messages).
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    fn wait_until_listening(&mut self, port: u16, what: &str, deadline: Instant) -> Result<()> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "tauri-driver exited early ({status}); its output:\n{}",
                    self.log()
                );
            }
            if TcpStream::connect_timeout(&addr, POLL).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{what} did not listen on port {port} within {DRIVER_START_DEADLINE:?}; \
                     tauri-driver output:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would orphan it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + DRIVER_STOP_DEADLINE;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(POLL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A 1×1 GIF: what the tracker answers to every request.
pub const PIXEL: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// A listener standing in for a tracker's host: counts every connection made to it and answers
/// each with a 1×1 GIF.
pub struct Tracker {
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl Tracker {
    pub fn start() -> Result<Self> {
        let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                counted.fetch_add(1, Ordering::SeqCst);
                let mut request = [0u8; 4096];
                let _ = std::io::Read::read(&mut stream, &mut request);
                let _ = std::io::Write::write_all(
                    &mut stream,
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n",
                        PIXEL.len()
                    )
                    .as_bytes(),
                );
                let _ = std::io::Write::write_all(&mut stream, PIXEL);
            }
        });
        Ok(Self { port, hits })
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// An HTML newsletter whose every way of reaching out points at the tracker: a pixel, a remote
/// image, a stylesheet, a CSS background, a script, an inline handler and a form.
pub fn tracked_eml(port: u16, token: &str, subject: &str) -> String {
    let host = format!("http://127.0.0.1:{port}");
    format!(
        "From: News <news@example.com>\r\n\
         To: Agent <agent@example.com>\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 04 Mar 2024 14:05:00 +0000\r\n\
         Message-ID: <{token}@helpr.test>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         \r\n\
         <html><head><link rel=\"stylesheet\" href=\"{host}/style.css\">\
         <style>body {{ background: url({host}/bg.png) }}</style></head>\
         <body><p>Big sale {token}</p>\
         <img src=\"{host}/pixel.gif?u=42\" width=\"1\" height=\"1\">\
         <img src=\"{host}/banner.png\" alt=\"banner\">\
         <div style=\"background-image: url({host}/div.png)\">styled</div>\
         <script>fetch(\"{host}/script\")</script>\
         <img src=\"x\" onerror=\"fetch('{host}/onerror')\">\
         <form action=\"{host}/form\"><input name=q></form>\
         </body></html>\r\n"
    )
}
