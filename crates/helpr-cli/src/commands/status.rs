//! `helpr status [--json]`: health per Gmail inbox — account state, sync state, last sync,
//! progress, messages, rejected, last error, and the trash moves still owed to Gmail. Never
//! silent: a failed last run shows its error.

use std::path::Path;

use helpr_core::{AccountState, CoreError, Helpr};

use crate::output;

pub async fn run(dir: &Path, json: bool) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let health = helpr.gmail_status().await?;
    if json {
        output::print_json(&health);
        return Ok(());
    }
    if health.is_empty() {
        println!("no Gmail account; connect one with `helpr connect gmail`");
    }
    for h in health {
        let last = h
            .last_sync_at
            .map(output::date)
            .unwrap_or_else(|| "never".into());
        let account = match h.account {
            AccountState::Connected => "connected",
            AccountState::ReconnectNeeded => "RECONNECT NEEDED (run `helpr connect gmail`)",
            AccountState::Disconnected => "disconnected",
        };
        println!(
            "{}: {account}, {}; {} messages; last sync {last}; progress {}/{}; {} could not be displayed (kept)",
            output::safe(&h.address),
            h.state,
            h.messages,
            h.done,
            h.total,
            h.rejected
        );
        if let Some(e) = h.last_error {
            println!("  last error: {}", output::safe(&e));
        }
        if h.outbox_pending > 0 {
            println!(
                "  {} move{} to or from Gmail's Trash not sent yet{}",
                h.outbox_pending,
                if h.outbox_pending == 1 { "" } else { "s" },
                h.outbox_error
                    .map(|e| format!(" (last error: {})", output::safe(&e)))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}
