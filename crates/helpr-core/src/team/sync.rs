//! Shared inboxes synced through the team server. Each inbox the snapshot grants, once its
//! Gmail account is connected at the server, becomes a local Gmail inbox whose API is the
//! server's proxy (`/api/v1/inboxes/{id}/gmail/…`) and whose bearer is this vault's session:
//! the same sync engine then fetches exactly the mail the server lets this user read, and the
//! desktop never holds the account's Google credentials. Sending from such an inbox goes to the
//! server's `gmail/send` ([`Helpr::send`] asks [`Helpr::team_binding`] first). The local inbox is recorded against
//! the server's, so that losing it purges it ([`super::apply`]).

use std::sync::Arc;

use helpr_gmail::limiter::Quota;
use helpr_gmail::{GmailApi, GmailConfig, TokenSource};
use helpr_policy::InboxId;
use helpr_proto::gmail::{SendMail, SentMail};
use helpr_proto::snapshot::Snapshot;
use helpr_team::TeamClient;

use crate::{CoreError, Helpr, SyncOptions, SyncOutcome, SyncProgressFn};

impl Helpr {
    /// The server inbox a local inbox holds, if it is a team inbox.
    pub(crate) async fn team_binding(&self, inbox: i64) -> Result<Option<i64>, CoreError> {
        self.with_vault(move |h| {
            Ok(h.vault
                .team_inboxes(h.tenant)?
                .into_iter()
                .find(|(_, local)| *local == Some(inbox))
                .map(|(server, _)| server))
        })
        .await
    }

    /// Submits `raw` from the server's inbox `server_inbox` (answering `thread`, if any).
    pub(crate) async fn team_send(
        &self,
        server_inbox: i64,
        raw: &[u8],
        thread: Option<String>,
    ) -> Result<SentMail, CoreError> {
        use base64::Engine as _;
        let client = self.team_client().await?;
        let body = SendMail {
            raw: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw),
            thread_id: thread,
        };
        Ok(client.send_gmail(InboxId(server_inbox), &body).await?)
    }

    /// Syncs every inbox (or `address`): when this vault holds a team snapshot, the shared
    /// inboxes it grants are bound first ([`Helpr::team_sync`]); otherwise, or for one address,
    /// the connected accounts as they are.
    pub async fn sync_all(
        &self,
        address: Option<&str>,
        options: SyncOptions,
        progress: SyncProgressFn,
    ) -> Result<Vec<SyncOutcome>, CoreError> {
        if address.is_none() && self.team_snapshot().await?.0.is_some() {
            return self.team_sync(options, progress).await;
        }
        self.sync_gmail(address, options, progress).await
    }

    /// Makes a local inbox for every granted shared inbox whose account is connected at the
    /// server, then syncs every inbox (team inboxes through the server). Returns each one's
    /// outcome.
    pub async fn team_sync(
        &self,
        options: SyncOptions,
        progress: SyncProgressFn,
    ) -> Result<Vec<SyncOutcome>, CoreError> {
        let (snapshot, _) = self.team_snapshot().await?;
        let snapshot: Snapshot = snapshot.ok_or_else(|| {
            CoreError::NotFound(
                "no entitlements yet: connect to the team server first (`helpr team listen --once`)"
                    .into(),
            )
        })?;
        let bound = self
            .with_vault(|h| Ok(h.vault.team_inboxes(h.tenant)?))
            .await?;
        let client = self.team_client().await?;
        for entitled in snapshot.inboxes.iter().filter(|e| e.inbox.gmail_connected) {
            let server = entitled.inbox.id.0;
            if bound
                .iter()
                .any(|(s, local)| *s == server && local.is_some())
            {
                continue;
            }
            let api = proxied_gmail_api(&client, server, &options)?;
            let address = api
                .profile()
                .await
                .map_err(|e| CoreError::from(helpr_gmail::SyncError::Api(e)))?
                .email_address;
            // Never used to sign in: a team inbox's bearer is the session (see `gmail_api`).
            let mut config = GmailConfig::google("helpr-team-server", "");
            config.gmail.api_url = client.gmail_api_base(InboxId(server));
            let config =
                serde_json::to_vec(&config).map_err(|e| CoreError::Internal(e.to_string()))?;
            self.with_vault(move |h| {
                let local = h.vault.connect_gmail(h.tenant, &address, &config, b"")?;
                h.vault.bind_team_inbox(h.tenant, server, Some(local))?;
                Ok(())
            })
            .await?;
        }
        let outcomes = self.sync_gmail(None, options, progress).await?;
        // Replies to secure messages come from the server, not from Gmail. Mail synced stays
        // synced when the server cannot be reached for them; the next sync tries again.
        if let Err(e) = self.secure_sync().await {
            tracing::warn!(code = e.code(), "secure messages not synced");
        }
        Ok(outcomes)
    }
}

/// Gmail's API for the server's inbox `server_inbox`, through the server's proxy, with the
/// session as bearer (what every team-bound inbox is synced through).
pub(crate) fn proxied_gmail_api(
    client: &TeamClient,
    server_inbox: i64,
    options: &SyncOptions,
) -> Result<GmailApi, CoreError> {
    let token = client
        .token()
        .cloned()
        .ok_or_else(|| CoreError::NotFound("not signed in to the team server".into()))?;
    Ok(GmailApi::with_client(
        client.http(),
        &client.gmail_api_base(InboxId(server_inbox)),
        Arc::new(TokenSource::fixed(token)),
        Arc::new(Quota::new(options.units_per_second)),
        options.backoff,
    ))
}
