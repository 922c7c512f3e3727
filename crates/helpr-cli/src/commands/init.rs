//! `helpr init`: create a vault and its keychain entry.

use std::path::Path;

use helpr_core::{CoreError, Helpr};

pub async fn run(dir: &Path, tenant: &str) -> Result<(), CoreError> {
    let helpr = Helpr::init(dir, tenant).await?;
    println!(
        "created vault {} in {} (tenant \"{}\"); its key is in the OS keychain",
        helpr.vault_id(),
        crate::output::safe(&dir.display().to_string()),
        crate::output::safe(tenant)
    );
    Ok(())
}
