//! `helpr doctor`: keychain reachable (the vault unlocks), integrity checks, schema, counts,
//! and the search index reconciled with the vault (what a crash left unindexed is indexed).
//! Exits non-zero when anything is wrong.

use std::path::Path;

use helpr_core::{CoreError, Helpr};

use crate::{output, Failure};

pub async fn run(dir: &Path, json: bool) -> Result<(), Failure> {
    let helpr = match Helpr::open(dir).await {
        Ok(helpr) => helpr,
        // A vault that unlocks but cannot be opened is a finding, reported as one.
        Err(e @ (CoreError::Integrity(_) | CoreError::Storage(_))) => {
            return Err(unopenable(e, json));
        }
        Err(e) => return Err(Failure::Core(e)),
    };
    let view = helpr.doctor().await.map_err(Failure::Core)?;
    let healthy = view.healthy();
    let report = &view.vault;
    let lost = view.index.repair.as_ref().map_or(0, |r| r.lost);
    let failure = || {
        CoreError::Integrity(if lost > 0 {
            helpr_core::lost_messages_warning(lost)
        } else {
            "the vault or its search index failed its checks".into()
        })
    };
    if json {
        let mut doc = serde_json::json!({
            "keychain": "ok",
            "healthy": healthy,
            "report": report,
            "index": view.index,
        });
        if !healthy {
            doc["error"] = serde_json::json!(helpr_core::ErrorPayload::from(failure()));
            output::print_json(&doc);
            return Err(Failure::Reported(failure()));
        }
        output::print_json(&doc);
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
        println!("orphans:          {}", ok(&report.orphans));
        if !report.check_errors.is_empty() {
            println!(
                "not checked:      {}",
                output::safe(&report.check_errors.join("; "))
            );
        }
        println!(
            "schema:           v{} (this helpr: v{})",
            report.schema_version, report.schema_version_known
        );
        println!(
            "counts:           {} tenants, {} inboxes, {} messages ({} in the trash), {} attachments, {} labels, {} key versions",
            report.tenants,
            report.inboxes,
            report.messages,
            report.trashed,
            report.attachments,
            report.labels,
            report.key_versions
        );
        let i = &view.index;
        match (&i.error, &i.repair) {
            (Some(e), _) => println!("search index:     {}", crate::output::safe(e)),
            (None, Some(r)) => println!(
                "search index:     {} of {} messages ({} queued changes replayed, {} missing indexed, {} stale removed, {} lost by the vault)",
                i.docs, i.vault_messages, r.replayed, r.missing_indexed, r.stale_removed, r.lost
            ),
            (None, None) => println!("search index:     {} of {} messages", i.docs, i.vault_messages),
        }
    }
    if healthy {
        Ok(())
    } else {
        Err(Failure::Core(failure()))
    }
}

/// The report of a vault the key opens but whose files do not: what failed, and where to go.
fn unopenable(e: CoreError, json: bool) -> Failure {
    let advice = "restore vault.db (and vault.db-wal) from a backup; the search index can be \
                  rebuilt with `helpr index rebuild` once the vault opens";
    if json {
        output::print_json(&serde_json::json!({
            "keychain": "ok",
            "healthy": false,
            "open_error": e.to_string(),
            "advice": advice,
            "error": helpr_core::ErrorPayload {
                code: e.code().to_string(),
                message: e.to_string(),
            },
        }));
        return Failure::Reported(e);
    }
    println!("keychain:         ok");
    println!(
        "vault:            cannot be opened: {}",
        output::safe(&e.to_string())
    );
    println!("advice:           {advice}");
    Failure::Core(e)
}
