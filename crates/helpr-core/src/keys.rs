//! Key versions of the tenant: list, rotate (O(1)), retire (resumable re-seal, then delete);
//! rotating and a finished retirement are written to the audit trail.

pub use helpr_vault::{KeyVersionInfo, RetireControl, RetireOutcome, RetireProgress};

use crate::{CoreError, Helpr};

impl Helpr {
    pub async fn list_keys(&self) -> Result<Vec<KeyVersionInfo>, CoreError> {
        self.with_vault(|h| Ok(h.vault.list_keys(h.tenant)?)).await
    }

    /// Makes a new key version active; returns it.
    pub async fn rotate_key(&self) -> Result<u32, CoreError> {
        self.with_vault(|h| {
            let version = h.vault.rotate_key(h.tenant)?;
            h.audit("key.rotate", None, format!("active version {version}"))?;
            Ok(version)
        })
        .await
    }

    /// Re-seals `version`'s records under the active key, then deletes it. `on_batch` sees
    /// progress after each committed batch and may stop; running again resumes.
    pub async fn retire_key(
        &self,
        version: u32,
        on_batch: impl FnMut(RetireProgress) -> RetireControl + Send + 'static,
    ) -> Result<RetireOutcome, CoreError> {
        self.with_vault(move |h| {
            let outcome = h.vault.retire_key(h.tenant, version, on_batch)?;
            if let RetireOutcome::Retired { resealed } = &outcome {
                h.audit(
                    "key.retire",
                    None,
                    format!("version {version}, records resealed {resealed}"),
                )?;
            }
            Ok(outcome)
        })
        .await
    }
}
