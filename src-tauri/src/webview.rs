//! The window's web engine, set up for a mail client that runs all day. On Linux (WebKitGTK):
//!
//! - [`before_threads`], first thing in `main`: JavaScriptCore's options for the web process,
//!   which it reads from the environment it inherits from this one ([`JSC_OPTIONS`]): no DFG
//!   (and so no FTL) optimising compiler. The window's scripts are a list of a few dozen rows and
//!   small views; the interpreter and the baseline JIT run them in time, while the optimising
//!   tiers kept their compiled code and compiler memory for good (`cargo xtask bench desktop`,
//!   100,000 messages, 2026-12-06, one run each: PSS 30 s after scrolling 10,000 rows 343 → 318
//!   MiB, the web process's heap growth while scrolling 87 → 58 MiB; scroll frame p99 14 → 15 ms
//!   and keystroke → results p99 115 → 112 ms, within run-to-run noise; with no JIT at all the
//!   memory fell further, to 289 MiB, but frames took 32 ms at p99 and keystrokes 170 ms). A
//!   value already in the environment wins, so the tiers can be turned back on to compare;
//! - [`before_first_webview`]: the memory pressure settings of WebKit's network process, which
//!   must be set before any webview exists, and need GTK initialised (so `main` calls it between
//!   building the app, which initialises GTK, and running it, which creates the window): a
//!   [`MEMORY_LIMIT_MB`] budget, past half of which WebKit releases caches, and past three
//!   quarters more strictly; never a kill. (The web process's own settings are a construct-only
//!   property of the web context, which Tauri creates and does not expose; WebKit's default
//!   budget there is relative to the machine's memory.)
//! - [`tune`], on the main window once created: the document-viewer cache model (one page that
//!   never navigates has no use for a back-forward cache or a browser-sized memory cache), and
//!   no accelerated compositing: the window is text, a list and small frames, which WebKit paints
//!   directly into one backing store cheaper than as GL layers (`cargo xtask bench desktop`,
//!   100,000 messages, Xvfb, one run each way on 2026-12-06: PSS idle 351 → 254 MiB and after
//!   scrolling 10,000 rows 490 → 436 MiB, scroll frame p99 54 → 16 ms, the cold start to the
//!   painted list 1.24 → 0.93 s), and on machines without a working GPU it falls back to
//!   software GL anyway.
//!   WebKitWebDriver's screenshot command never answers in this mode, so the E2E run reads its
//!   screenshots from the X server (`tests/support/screen.rs`).
//!
//! Elsewhere all three are no-ops.

use tauri::{Manager, Runtime};

/// JavaScriptCore options (`JSC_<name>` variables) for the web process.
#[cfg(target_os = "linux")]
pub const JSC_OPTIONS: &[(&str, &str)] = &[("JSC_useDFGJIT", "false")];

/// Puts [`JSC_OPTIONS`] into the environment the web process will inherit, each unless set.
///
/// # Safety
/// Changes the process environment: call it first thing in `main`, before any thread exists
/// (another thread reading the environment meanwhile is undefined behaviour).
pub unsafe fn before_threads() {
    #[cfg(target_os = "linux")]
    for (name, value) in JSC_OPTIONS {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
}

/// The budget WebKit's processes are held to, in MB.
#[cfg(target_os = "linux")]
const MEMORY_LIMIT_MB: u32 = 300;

/// How often WebKit checks its processes against the budget, in seconds.
#[cfg(target_os = "linux")]
const POLL_SECONDS: f64 = 2.0;

/// Sets WebKit's memory pressure settings; call after GTK is initialised and before the first
/// webview is created.
pub fn before_first_webview() {
    #[cfg(target_os = "linux")]
    {
        let mut pressure = webkit2gtk::MemoryPressureSettings::new();
        pressure.set_memory_limit(MEMORY_LIMIT_MB);
        // Strict first: WebKit refuses a conservative threshold not below the strict one, and
        // its default strict threshold is 0.5.
        pressure.set_strict_threshold(0.75);
        pressure.set_conservative_threshold(0.5);
        pressure.set_kill_threshold(0.0);
        pressure.set_poll_interval(POLL_SECONDS);
        webkit2gtk::WebsiteDataManager::set_memory_pressure_settings(&mut pressure);
    }
}

/// Sets the cache model and compositing of the `main` window's webview.
pub fn tune<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    let Some(window) = app.get_webview_window("main") else {
        return Ok(());
    };
    #[cfg(target_os = "linux")]
    window.with_webview(|webview| {
        use webkit2gtk::{SettingsExt, WebContextExt, WebViewExt};
        let view = webview.inner();
        if let Some(context) = view.context() {
            context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings
                .set_hardware_acceleration_policy(webkit2gtk::HardwareAccelerationPolicy::Never);
        }
    })?;
    #[cfg(not(target_os = "linux"))]
    let _ = window;
    Ok(())
}
