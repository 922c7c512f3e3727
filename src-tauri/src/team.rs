//! Team mode in the window: signing in to a team server (the fingerprint shown first, the
//! sign-in page opened in the system browser and shown as a link), the live connection run in
//! the background while signed in, and the administration calls of Settings → Team.
//!
//! The window hears of changes through channels it hands over ([`TeamShell::watch`]): each
//! update of the connection (an access change applied, the organization changed, signed out)
//! goes to every open channel, so the sidebar drops a lost inbox without a reload. What the user
//! views and writes goes the other way, to the connection (presence); with no connection
//! running it goes nowhere.

use std::sync::{Arc, Mutex};

use helpr_core::team::listen::{TeamActivity, TeamUpdate};
use helpr_core::team::{TeamStatus, Trust};
use helpr_core::{CoreError, ErrorPayload, Helpr};
use helpr_proto::views::ConversationRef;
use serde::Serialize;
use tauri::ipc::Channel;
use tokio::sync::{mpsc, watch};

use crate::vault::Vault;

/// What the sign-in tells the window while it waits for the browser.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignInEvent {
    /// The server's sign-in page: opened in the system browser unless `opened` is false, and
    /// shown as a link either way.
    Page { url: String, opened: bool },
}

/// The running connection.
struct Running {
    stop: watch::Sender<bool>,
    activity: mpsc::Sender<TeamActivity>,
}

/// Managed Tauri state.
#[derive(Clone, Default)]
pub struct TeamShell {
    running: Arc<Mutex<Option<Running>>>,
    watchers: Arc<Mutex<Vec<Channel<TeamUpdate>>>>,
}

impl TeamShell {
    /// Starts the connection if this vault is signed in (at start-up, once the vault opens).
    pub fn start_if_signed_in(&self, vault: Vault) {
        let shell = self.clone();
        tauri::async_runtime::spawn(async move {
            let Ok(helpr) = vault.helpr().await else {
                return;
            };
            if matches!(helpr.team_status().await, Ok(Some(_))) {
                shell.start(helpr);
            }
        });
    }

    /// (Re)starts the connection.
    fn start(&self, helpr: Helpr) {
        self.stop();
        let (stop, stopped) = watch::channel(false);
        let (activity, activities) = mpsc::channel(16);
        let watchers = self.watchers.clone();
        let report = Arc::new(move |update: TeamUpdate| {
            let mut watchers = watchers.lock().expect("watchers lock");
            watchers.retain(|w| w.send(update.clone()).is_ok());
        });
        tauri::async_runtime::spawn(async move {
            if let Err(error) = helpr.team_listen(report, activities, stopped).await {
                tracing::warn!(code = %error.code(), "the team connection stopped");
            }
        });
        *self.running.lock().expect("team lock") = Some(Running { stop, activity });
    }

    fn stop(&self) {
        if let Some(running) = self.running.lock().expect("team lock").take() {
            let _ = running.stop.send(true);
        }
    }

    /// Tells the connection what the user does; dropped when none runs or it is behind (the
    /// loop tells a new connection what is current anyway).
    fn tell(&self, doing: TeamActivity) {
        if let Some(running) = self.running.lock().expect("team lock").as_ref() {
            let _ = running.activity.try_send(doing);
        }
    }

    /// The user opened `conversation`, or left it (`None`).
    pub fn viewing(&self, conversation: Option<ConversationRef>) {
        self.tell(TeamActivity::Viewing(conversation));
    }

    /// The user writes a reply to `conversation` (`active`), or stopped.
    pub fn composing(&self, conversation: ConversationRef, active: bool) {
        self.tell(TeamActivity::Composing(conversation, active));
    }

    /// The window's channel for updates.
    pub fn watch(&self, channel: Channel<TeamUpdate>) {
        self.watchers.lock().expect("watchers lock").push(channel);
    }

    /// Signs in and starts the connection.
    pub async fn sign_in(
        &self,
        helpr: Helpr,
        server: String,
        fingerprint: Option<String>,
        events: Channel<SignInEvent>,
    ) -> Result<TeamStatus, ErrorPayload> {
        // The window showed the fingerprint and the person accepted exactly that one.
        let trust = match fingerprint {
            Some(fp) => Trust::Fingerprint(fp),
            None => Trust::Ask(Box::new(|_| true)),
        };
        let device = format!("helpr desktop on {}", host_name());
        let status = helpr
            .team_sign_in(&server, trust, &device, move |url| {
                let opened = helpr_core::gmail::open_in_browser(url).is_ok();
                let _ = events.send(SignInEvent::Page {
                    url: url.to_owned(),
                    opened,
                });
                Ok(())
            })
            .await?;
        self.start(helpr);
        Ok(status)
    }

    /// Signs out and stops the connection.
    pub async fn sign_out(
        &self,
        helpr: Helpr,
    ) -> Result<helpr_core::team::apply::ApplyReport, ErrorPayload> {
        self.stop();
        Ok(helpr.team_sign_out().await?)
    }
}

/// The fingerprint of the certificate `server` presents (shown before trusting it); `None` for
/// a plain-http loopback server.
pub async fn probe(server: &str) -> Result<Option<String>, ErrorPayload> {
    let address = helpr_team::ServerAddress::parse(server)
        .map_err(|e| ErrorPayload::from(CoreError::InvalidInput(e.to_string())))?;
    Ok(helpr_core::team::probe_fingerprint(&address).await?)
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".into())
}
