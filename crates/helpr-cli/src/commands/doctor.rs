//! `helpr doctor`: keychain reachable (the vault unlocks), integrity checks, schema, counts.
//! Exits non-zero when anything is wrong.

use std::path::Path;

use helpr_core::{CoreError, Helpr};

use crate::output;

pub async fn run(dir: &Path, json: bool) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let report = helpr.doctor().await?;
    if json {
        output::print_json(&serde_json::json!({
            "keychain": "ok",
            "healthy": report.healthy(),
            "report": report,
        }));
    } else {
        let ok = |errs: &Vec<String>| {
            if errs.is_empty() {
                "ok".to_string()
            } else {
                errs.join("; ")
            }
        };
        println!("keychain:         ok (vault {})", helpr.vault_id());
        println!("sqlcipher:        {}", report.cipher_version);
        println!("cipher integrity: {}", ok(&report.cipher_integrity_errors));
        println!("integrity:        {}", ok(&report.integrity_errors));
        println!(
            "schema:           v{} (this helpr: v{})",
            report.schema_version, report.schema_version_known
        );
        println!(
            "counts:           {} tenants, {} inboxes, {} messages, {} attachments, {} labels, {} key versions",
            report.tenants,
            report.inboxes,
            report.messages,
            report.attachments,
            report.labels,
            report.key_versions
        );
    }
    if report.healthy() {
        Ok(())
    } else {
        Err(CoreError::Integrity(
            "the vault failed its checks (see above)".into(),
        ))
    }
}
