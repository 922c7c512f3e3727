//! helpr-desktop: the Tauri 2 shell around `helpr-core`, showing the React UI from `ui/`.
//!
//! This file owns start-up: it picks the data directory, starts opening the vault in the
//! background (a failure is kept and reported by every command, so the window still opens and
//! shows e.g. "vault locked: …"; see [`vault`]), sets up the web engine ([`webview`]), and
//! registers the commands from [`commands`].
//!
//! Data directory: `--data-dir DIR` (or `--data-dir=DIR`), else `$HELPR_DATA_DIR`, else
//! `helpr_core::Helpr::default_data_dir()`. Gmail's OAuth client: `--gmail-config FILE`, else
//! `$HELPR_GMAIL_CONFIG`, else typed into Settings (see [`gmail`]). Saved attachments:
//! `--download-dir DIR`, else `$HELPR_DOWNLOAD_DIR`, else the OS's downloads folder ([`files`]). Other arguments are ignored: WebKitWebDriver starts
//! the app with its own flags (`--automation`).
//!
//! Builds (run from the workspace root):
//! - development, UI from the Vite dev server at `devUrl`:
//!   `npm --prefix ui run dev` and `cargo run -p helpr-desktop`
//! - production-mode (UI embedded from `ui/dist`, as the E2E test needs):
//!   `npm --prefix ui ci && npm --prefix ui run build &&
//!    cargo build -p helpr-desktop --features custom-protocol`
//!   Tauri 2 switches from `devUrl` to the embedded `frontendDist` exactly when the `tauri` crate's
//!   `custom-protocol` feature is on (its build script then turns `cfg(dev)` off). This package's
//!   own `custom-protocol` feature turns it on, so that `cargo xtask test` can select it in one
//!   `--workspace` build (`--features helpr-desktop/custom-protocol`).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod args;
mod cid;
mod commands;
mod files;
mod gmail;
mod notify;
mod stop;
mod team;
mod vault;
mod webview;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::vault::Vault;

fn main() {
    // SAFETY: the first statements of `main`; no other thread exists yet.
    #[cfg(target_os = "linux")]
    unsafe {
        helpr_core::session_bus::use_runtime_bus_if_unset()
    };
    unsafe { webview::before_threads() };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let data_dir = args::data_dir(
        std::env::args_os().skip(1),
        std::env::var_os("HELPR_DATA_DIR"),
    )
    .unwrap_or_else(helpr_core::Helpr::default_data_dir);
    let gmail_config = args::gmail_config(
        std::env::args_os().skip(1),
        std::env::var_os("HELPR_GMAIL_CONFIG"),
    );
    let download_dir = args::download_dir(
        std::env::args_os().skip(1),
        std::env::var_os("HELPR_DOWNLOAD_DIR"),
    );
    let vault = Vault::open_in_background(data_dir);
    let team = team::TeamShell::default();
    team.start_if_signed_in(vault.clone());

    let result = cid::register(tauri::Builder::default())
        .manage(team.clone())
        .manage(vault)
        .manage(stop::StopFlag::default())
        .manage(gmail::Gmail::new(gmail_config))
        .manage(files::Downloads::new(download_dir))
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| Ok(webview::tune(app)?))
        .invoke_handler(tauri::generate_handler![
            commands::sidebar,
            commands::conversations,
            commands::thread,
            commands::get_message,
            commands::search_messages,
            commands::prepare_search,
            commands::delete_conversations,
            commands::restore_conversations,
            commands::restore_messages,
            commands::trash,
            commands::purge_messages,
            commands::purge_expired,
            commands::grace_days,
            commands::set_grace_days,
            commands::audit_log,
            commands::audit_verify,
            commands::list_keys,
            commands::rotate_key,
            commands::retire_key,
            commands::stop_retire,
            commands::doctor,
            commands::about,
            commands::gmail_setup,
            commands::connect_gmail,
            commands::sync_inboxes,
            commands::resync_inbox,
            commands::disconnect_inbox,
            commands::compose,
            commands::save_draft,
            commands::drafts,
            commands::draft,
            commands::discard_draft,
            commands::send_draft,
            commands::save_attachment,
            commands::save_attachment_as,
            commands::load_remote_images,
            commands::allow_images_from_sender,
            commands::mark_conversations,
            commands::label_conversations,
            commands::notification_settings,
            commands::watch_inbox,
            commands::show_notification_content,
            commands::team_status,
            commands::team_probe,
            commands::team_sign_in,
            commands::team_sign_out,
            commands::team_watch,
            commands::team_conversation,
            commands::team_assignments,
            commands::team_viewing,
            commands::team_composing,
            commands::team_users,
            commands::team_create_user,
            commands::team_change_user,
            commands::team_remove_user,
            commands::team_teams,
            commands::team_create_team,
            commands::team_change_team,
            commands::team_delete_team,
            commands::team_inboxes,
            commands::team_create_inbox,
            commands::team_change_inbox,
            commands::team_delete_inbox,
            commands::team_set_member,
            commands::team_remove_member,
            commands::secure_status,
            commands::secure_sync,
            commands::secure_revoke,
            commands::secure_unlock
        ])
        .build(tauri::generate_context!());
    match result {
        // Building made the event loop (and initialised GTK); the window comes once it runs.
        Ok(app) => {
            webview::before_first_webview();
            app.run(|_, _| {});
        }
        Err(error) => {
            eprintln!("helpr-desktop: {error}");
            std::process::exit(1);
        }
    }
}
