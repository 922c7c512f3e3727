//! The shell's handle on the vault: opened at start-up, re-opened on demand while it is not open.
//!
//! A failed open does not stop the app. The next command tries again (the user may have unlocked
//! the keychain meanwhile) and, if that fails too, returns the error to the UI as `{code, message}`.

use std::path::PathBuf;

use helpr_core::{ErrorPayload, Helpr};
use tokio::sync::OnceCell;

/// Managed Tauri state: the data directory and, once opened, the `Helpr` instance.
pub struct Vault {
    data_dir: PathBuf,
    helpr: OnceCell<Helpr>,
}

impl Vault {
    /// Tries to open the vault in `data_dir`; a failure is logged by code only and retried later.
    pub async fn open(data_dir: PathBuf) -> Self {
        let vault = Self {
            data_dir,
            helpr: OnceCell::new(),
        };
        if let Err(error) = vault.helpr().await {
            tracing::warn!(code = %error.code, "vault not opened at start-up");
        }
        vault
    }

    /// The open vault, opening it first if needed. Concurrent callers share one open attempt.
    pub async fn helpr(&self) -> Result<Helpr, ErrorPayload> {
        let helpr = self
            .helpr
            .get_or_try_init(|| Helpr::open(&self.data_dir))
            .await?;
        Ok(helpr.clone())
    }
}
