//! Build script: lets tauri-build generate the app context and the ACL for the app's own commands.
//!
//! The app manifest lists every command the shell registers, so each one gets an `allow-*`
//! permission and a window may call only what `capabilities/default.json` grants it.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "sidebar",
        "conversations",
        "thread",
        "get_message",
        "search_messages",
        "prepare_search",
        "delete_conversations",
        "restore_conversations",
        "restore_messages",
        "trash",
        "purge_messages",
        "purge_expired",
        "grace_days",
        "set_grace_days",
        "audit_log",
        "audit_verify",
        "list_keys",
        "rotate_key",
        "retire_key",
        "stop_retire",
        "doctor",
        "about",
        "gmail_setup",
        "connect_gmail",
        "sync_inboxes",
        "resync_inbox",
        "disconnect_inbox",
        "compose",
        "save_draft",
        "drafts",
        "draft",
        "discard_draft",
        "send_draft",
        "save_attachment",
        "save_attachment_as",
        "load_remote_images",
        "allow_images_from_sender",
        "mark_conversations",
        "label_conversations",
        "notification_settings",
        "watch_inbox",
        "show_notification_content",
    ]);
    if let Err(error) =
        tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        panic!("tauri-build failed: {error:#}");
    }
}
