//! The shell's handle on the vault: opened at start-up, in the background while the window and
//! its web engine start (the two take about as long; the first command waits for the open under
//! way rather than starting another), then asked for what the window asks first
//! ([`Helpr::prepare_workspace`]), so that those answers are ready when it asks; re-opened on
//! demand while it is not open.
//!
//! A failed open does not stop the app. The next command tries again (the user may have unlocked
//! the keychain meanwhile) and, if that fails too, returns the error to the UI as `{code, message}`.

use std::path::PathBuf;
use std::sync::Arc;

use helpr_core::{ErrorPayload, Helpr};
use tokio::sync::OnceCell;

/// Managed Tauri state: the data directory and, once opened, the `Helpr` instance.
#[derive(Clone)]
pub struct Vault {
    data_dir: Arc<PathBuf>,
    helpr: Arc<OnceCell<Helpr>>,
}

impl Vault {
    /// Starts opening the vault in `data_dir` in the background and returns at once; a failure
    /// is logged by code only and retried by the next command.
    pub fn open_in_background(data_dir: PathBuf) -> Self {
        let vault = Self {
            data_dir: Arc::new(data_dir),
            helpr: Arc::new(OnceCell::new()),
        };
        let opening = vault.clone();
        tauri::async_runtime::spawn(async move {
            match opening.helpr().await {
                Ok(helpr) => {
                    if let Err(error) = helpr.prepare_workspace().await {
                        tracing::warn!(code = %error.code(), "workspace not prepared at start-up");
                    }
                }
                Err(error) => tracing::warn!(code = %error.code, "vault not opened at start-up"),
            }
        });
        vault
    }

    /// The open vault, opening it first if needed. Concurrent callers share one open attempt.
    pub async fn helpr(&self) -> Result<Helpr, ErrorPayload> {
        let helpr = self
            .helpr
            .get_or_try_init(|| Helpr::open(self.data_dir.as_path()))
            .await?;
        Ok(helpr.clone())
    }
}
