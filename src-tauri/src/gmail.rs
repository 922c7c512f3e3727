//! Gmail from the window: which OAuth client to sign in with, the sign-in itself (the system
//! browser opens Google's consent page; core's loopback listener takes the redirect), and sync
//! runs that stream their progress to the UI, one at a time.
//!
//! The OAuth client comes from a helpr Gmail configuration file named by `--gmail-config FILE`
//! or `$HELPR_GMAIL_CONFIG` (what `google-emulator --print-config` writes; the demo and the E2E
//! tests use it), else from the client id and secret of the user's own Google desktop OAuth
//! client, typed into Settings.

use std::path::PathBuf;

use helpr_core::{
    CoreError, ErrorPayload, GmailConfig, Helpr, SyncOptions, SyncOutcome, SyncPhase, SyncProgress,
};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;

/// Managed Tauri state: the configuration file, if any, and the one sync run at a time.
pub struct Gmail {
    config_file: Option<PathBuf>,
    syncing: tokio::sync::Mutex<()>,
}

/// What Settings needs to know before connecting.
#[derive(Debug, Clone, Serialize)]
pub struct GmailSetup {
    /// A configuration file names the OAuth client: no client id and secret to ask for.
    pub configured: bool,
}

/// The user's Google desktop OAuth client.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthClientInput {
    pub client_id: String,
    pub client_secret: String,
}

/// What the sign-in tells the window while it waits for consent.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectEvent {
    /// Google's consent page: opened in the system browser unless `opened` is false, and
    /// shown as a link either way (for a browser on another screen, or none).
    Consent { url: String, opened: bool },
}

/// One account's sync progress.
#[derive(Debug, Clone, Serialize)]
pub struct SyncEvent {
    pub address: String,
    pub phase: SyncPhase,
    pub done: u64,
    pub total: u64,
}

impl Gmail {
    pub fn new(config_file: Option<PathBuf>) -> Self {
        Self {
            config_file,
            syncing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn setup(&self) -> GmailSetup {
        GmailSetup {
            configured: self.config_file.is_some(),
        }
    }

    fn config(&self, client: Option<OAuthClientInput>) -> Result<GmailConfig, CoreError> {
        if let Some(path) = &self.config_file {
            return helpr_core::gmail::load_config(path);
        }
        let client = client
            .filter(|c| !c.client_id.trim().is_empty() && !c.client_secret.trim().is_empty())
            .ok_or_else(|| {
                CoreError::InvalidInput(
                    "give the client ID and secret of your Google desktop OAuth client".into(),
                )
            })?;
        Ok(GmailConfig::google(
            client.client_id.trim(),
            client.client_secret.trim(),
        ))
    }

    /// Signs an account in and stores it; returns its address.
    pub async fn connect(
        &self,
        helpr: Helpr,
        client: Option<OAuthClientInput>,
        events: Channel<ConnectEvent>,
    ) -> Result<String, ErrorPayload> {
        let config = self.config(client)?;
        Ok(helpr
            .connect_gmail(config, move |url| {
                let opened = helpr_core::gmail::open_in_browser(url).is_ok();
                let url = url.to_owned();
                // The window may be gone; the sign-in still completes.
                let _ = events.send(ConnectEvent::Consent { url, opened });
                Ok(())
            })
            .await?)
    }

    /// Syncs every connected account (or `address`), after any run already under way; then
    /// notifies new mail in watched inboxes. Signed in to a team, the shared inboxes granted
    /// are bound first and synced through the server (core's `sync_all`).
    pub async fn sync(
        &self,
        helpr: Helpr,
        address: Option<String>,
        progress: Channel<SyncEvent>,
    ) -> Result<Vec<SyncOutcome>, ErrorPayload> {
        let _one_at_a_time = self.syncing.lock().await;
        let report = std::sync::Arc::new(move |address: &str, p: SyncProgress| {
            let _ = progress.send(SyncEvent {
                address: address.to_owned(),
                phase: p.phase,
                done: p.done,
                total: p.total,
            });
        });
        let before = helpr.newest_message_id().await?;
        let outcomes = helpr
            .sync_all(address.as_deref(), SyncOptions::default(), report)
            .await?;
        crate::notify::new_mail(&helpr, before).await;
        Ok(outcomes)
    }
}
