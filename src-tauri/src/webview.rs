//! The window's web engine, set up for a mail client that runs all day. On Linux (WebKitGTK):
//!
//! - [`before_first_webview`]: the memory pressure settings of WebKit's processes, which must be
//!   set before any webview exists, and need GTK initialised (so `main` calls it between
//!   building the app, which initialises GTK, and running it, which creates the window): a
//!   [`MEMORY_LIMIT_MB`] budget, past half of which WebKit releases caches and collects garbage,
//!   and past three quarters more strictly; never a kill;
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
//! Elsewhere both are no-ops.

use tauri::{Manager, Runtime};

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
        pressure.set_conservative_threshold(0.5);
        pressure.set_strict_threshold(0.75);
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
