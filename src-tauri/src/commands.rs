//! The Tauri commands the UI may invoke. Each is a one-line delegation into `helpr-core`;
//! errors cross to the UI as `helpr_core::ErrorPayload` (`{code, message}`).
//!
//! Every command here must also be listed in `build.rs` (app manifest) and granted in
//! `capabilities/default.json`, or the window is not allowed to call it.

use helpr_core::{ErrorPayload, MessageSummary, MessageView, SearchOptions, SearchPage};
use tauri::State;

use crate::vault::Vault;

/// All messages in the vault, in helpr-core's order.
#[tauri::command]
pub async fn list_messages(vault: State<'_, Vault>) -> Result<Vec<MessageSummary>, ErrorPayload> {
    Ok(vault.helpr().await?.list_messages().await?)
}

/// One message with its plain-text body and attachment metadata.
#[tauri::command]
pub async fn get_message(vault: State<'_, Vault>, id: i64) -> Result<MessageView, ErrorPayload> {
    Ok(vault.helpr().await?.get_message(id).await?)
}

/// One page of the messages matching a Gmail-like `query`, with the total number of matches.
/// A malformed query fails with `invalid_input` and a message naming the column.
#[tauri::command]
pub async fn search_messages(
    vault: State<'_, Vault>,
    query: String,
    options: SearchOptions,
) -> Result<SearchPage, ErrorPayload> {
    Ok(vault.helpr().await?.search(query, options).await?)
}
