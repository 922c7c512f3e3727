//! `helpr disconnect ADDRESS`: revokes the grant at Google, deletes the sealed refresh token
//! and stops sync for the account. Its mail stays in the vault.

use std::path::Path;

use helpr_core::{CoreError, Helpr};

pub async fn run(dir: &Path, address: &str, json: bool) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    helpr.disconnect_gmail(address).await?;
    if json {
        crate::output::print_json(&serde_json::json!({ "disconnected": address }));
    } else {
        println!(
            "disconnected {}: access revoked, token deleted, sync stopped",
            crate::output::safe(address)
        );
    }
    Ok(())
}
