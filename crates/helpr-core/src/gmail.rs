//! Gmail accounts in the application API (DESIGN §6): connect (installed-app OAuth, then the
//! sealed refresh token and configuration go into the vault), sync (helpr-gmail's engine into
//! [`store::VaultStore`]: the same pipeline, vault and index as import, after draining the
//! [`outbox`] of trash and untrash calls owed to Gmail), health per inbox, and disconnect
//! (revoke at Google, delete the sealed token). Send lives in [`crate::send`].
//!
//! The access token lives only in the [`TokenSource`] of one run. A rotated refresh token is
//! written through [`store::VaultTokens`]; `invalid_grant` marks the inbox "reconnect needed"
//! and the run fails with [`CoreError::ReconnectNeeded`].

pub(crate) mod outbox;
pub(crate) mod store;

pub use outbox::OutboxReport;

use std::sync::Arc;

use helpr_gmail::limiter::{Backoff, Quota};
use helpr_gmail::sync::{Progress, Summary};
use helpr_gmail::{
    ApiError, GmailApi, GmailConfig, OAuthClient, OAuthError, SyncEngine, SyncError, TokenSource,
};
use helpr_vault::{AccountState, GmailAccount, SyncStatus};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;

use crate::{CoreError, Helpr};

/// One Gmail inbox's health (`helpr status`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InboxHealth {
    pub inbox_id: i64,
    pub address: String,
    /// `connected`, `reconnect_needed`, `disconnected`.
    pub account: AccountState,
    /// `idle`, `listing`, `full_sync`, `incremental`, `error`.
    pub state: String,
    pub last_sync_at: Option<i64>,
    pub last_error: Option<String>,
    pub done: u64,
    pub total: u64,
    pub history_id: Option<u64>,
    pub messages: u64,
    /// Messages the pipeline could not display; they are stored (kept) all the same.
    pub rejected: u64,
    /// Trash and untrash calls helpr still owes Gmail (deletes and restores made here).
    pub outbox_pending: u64,
    /// The oldest of them's last failure (an error code), if it failed.
    pub outbox_error: Option<String>,
}

/// What one account's sync did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SyncOutcome {
    pub address: String,
    pub summary: Option<Summary>,
    /// Requests made, retried, and 401s answered by a refresh (also when it failed).
    pub stats: Option<SyncStats>,
    /// The trash and untrash calls sent before the sync, and what is still owed.
    pub outbox: Option<OutboxReport>,
    /// `{code, message}` when it failed.
    pub error: Option<crate::ErrorPayload>,
}

/// Receives each account's address and sync progress (the CLI draws a bar per inbox).
pub type SyncProgressFn = Arc<dyn Fn(&str, Progress) + Send + Sync>;

/// The API traffic of one run.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct SyncStats {
    pub requests: u64,
    pub retries: u64,
    pub refreshes_after_401: u64,
}

/// Knobs for one sync run (tests and the bench; the CLI uses the defaults).
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    pub units_per_second: u32,
    pub concurrency: usize,
    pub backoff: Backoff,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            units_per_second: helpr_gmail::limiter::GMAIL_UNITS_PER_SECOND,
            concurrency: helpr_gmail::sync::DEFAULT_CONCURRENCY,
            backoff: Backoff::default(),
        }
    }
}

impl From<OAuthError> for CoreError {
    fn from(e: OAuthError) -> Self {
        match e {
            OAuthError::ReconnectNeeded => CoreError::ReconnectNeeded(e.to_string()),
            e @ (OAuthError::BadUrl(_) | OAuthError::InvalidClient) => {
                CoreError::InvalidInput(e.to_string())
            }
            e => CoreError::Remote {
                code: "oauth",
                message: e.to_string(),
            },
        }
    }
}

impl From<SyncError> for CoreError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Api(ApiError::ReconnectNeeded) => CoreError::ReconnectNeeded(e.to_string()),
            SyncError::Store(s) => CoreError::Storage(s.0),
            e => CoreError::Remote {
                code: e.code(),
                message: e.to_string(),
            },
        }
    }
}

fn config_of(account: &GmailAccount) -> Result<GmailConfig, CoreError> {
    serde_json::from_slice(&account.config)
        .map_err(|_| CoreError::Integrity("stored Gmail configuration is not readable".into()))
}

/// Reads a helpr Gmail configuration file (what `google-emulator --print-config` writes);
/// the error names the file, not its contents.
pub fn load_config(path: &std::path::Path) -> Result<GmailConfig, CoreError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CoreError::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    GmailConfig::from_toml(&text)
        .map_err(|e| CoreError::InvalidInput(format!("{}: {e}", path.display())))
}

/// Opens `url` in the system browser without waiting for it (the OAuth sign-in).
pub fn open_in_browser(url: &str) -> std::io::Result<()> {
    open::that_detached(url)
}

impl Helpr {
    /// Runs the OAuth sign-in (`open` gets the authorization URL) and stores the account.
    /// Returns its address.
    pub async fn connect_gmail<F>(&self, config: GmailConfig, open: F) -> Result<String, CoreError>
    where
        F: FnOnce(&str) -> std::io::Result<()>,
    {
        config
            .check()
            .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let oauth = OAuthClient::new(config.oauth_config())?;
        let tokens = oauth.authorize(open).await?;
        let address = tokens.email.clone().ok_or_else(|| CoreError::Remote {
            code: "oauth",
            message: "Google did not say which account signed in (no verified email)".into(),
        })?;
        let json = serde_json::to_vec(&config)
            .map_err(|e| CoreError::Internal(format!("configuration: {e}")))?;
        let refresh = tokens.refresh_token.expose_secret().as_bytes().to_vec();
        let stored = address.clone();
        self.with_vault(move |h| {
            let inbox = h.vault.connect_gmail(h.tenant, &stored, &json, &refresh)?;
            h.audit("inbox.connect", Some(("inbox", inbox)), "gmail".into())
        })
        .await?;
        Ok(address)
    }

    pub(crate) async fn accounts(&self) -> Result<Vec<GmailAccount>, CoreError> {
        self.with_vault(|h| Ok(h.vault.gmail_accounts(h.tenant)?))
            .await
    }

    pub(crate) async fn account(&self, address: &str) -> Result<GmailAccount, CoreError> {
        self.accounts()
            .await?
            .into_iter()
            .find(|a| a.address.eq_ignore_ascii_case(address))
            .ok_or_else(|| CoreError::NotFound("no Gmail account with that address".into()))
    }

    /// Health of every Gmail inbox.
    pub async fn gmail_status(&self) -> Result<Vec<InboxHealth>, CoreError> {
        self.with_vault(|h| {
            h.vault
                .gmail_accounts(h.tenant)?
                .into_iter()
                .map(|a| {
                    let s: SyncStatus = h.vault.sync_status(a.inbox_id)?;
                    let messages = h.vault.count_messages(&helpr_vault::Scope {
                        tenant: h.tenant,
                        inboxes: vec![a.inbox_id],
                    })?;
                    let outbox = h.vault.gmail_outbox_state(a.inbox_id)?;
                    Ok(InboxHealth {
                        inbox_id: a.inbox_id,
                        address: a.address,
                        account: a.state,
                        state: s.state,
                        last_sync_at: s.last_sync_at,
                        last_error: s.last_error,
                        done: s.done,
                        total: s.total,
                        history_id: s.history_id,
                        messages,
                        rejected: s.rejected,
                        outbox_pending: outbox.pending,
                        outbox_error: outbox.last_error,
                    })
                })
                .collect()
        })
        .await
    }

    /// The configuration and token source of a connected account (sync and send).
    pub(crate) async fn token_source(
        &self,
        account: &GmailAccount,
    ) -> Result<(GmailConfig, Arc<TokenSource>), CoreError> {
        match account.state {
            AccountState::Connected => {}
            AccountState::ReconnectNeeded => {
                return Err(CoreError::ReconnectNeeded(
                    "Google refused the stored grant; run `helpr connect gmail` again".into(),
                ))
            }
            AccountState::Disconnected => {
                return Err(CoreError::InvalidInput(
                    "the account is disconnected; run `helpr connect gmail` to use it".into(),
                ))
            }
        }
        let config = config_of(account)?;
        let inbox = account.inbox_id;
        let refresh = self
            .with_vault(move |h| Ok(h.vault.gmail_refresh_token(h.tenant, inbox)?))
            .await?
            .ok_or_else(|| CoreError::ReconnectNeeded("no refresh token stored".into()))?;
        let refresh = SecretString::from(
            String::from_utf8(refresh.to_vec())
                .map_err(|_| CoreError::Integrity("stored refresh token is not text".into()))?,
        );
        let oauth = OAuthClient::new(config.oauth_config())?;
        let tokens = Arc::new(TokenSource::new(
            oauth,
            refresh,
            Arc::new(store::VaultTokens::new(self.clone(), inbox)),
        ));
        Ok((config, tokens))
    }

    /// The token source and API of a connected account.
    async fn gmail_api(
        &self,
        account: &GmailAccount,
        options: &SyncOptions,
    ) -> Result<GmailApi, CoreError> {
        // A shared inbox of the team server: Gmail through the server, as this session.
        if let Some(server_inbox) = self.team_binding(account.inbox_id).await? {
            let client = self.team_client().await?;
            return crate::team::sync::proxied_gmail_api(&client, server_inbox, options);
        }
        let (config, tokens) = self.token_source(account).await?;
        GmailApi::new(
            &config.gmail.api_url,
            config.tls.extra_ca_pem.as_deref(),
            tokens,
            Arc::new(Quota::new(options.units_per_second)),
            options.backoff,
        )
        .map_err(|e| CoreError::Internal(format!("HTTP client: {e}")))
    }

    /// Syncs every connected account (or the one at `address`). `progress` gets each
    /// account's address and progress. One account's failure is recorded in its health and
    /// outcome; the others still sync.
    pub async fn sync_gmail(
        &self,
        address: Option<&str>,
        options: SyncOptions,
        progress: SyncProgressFn,
    ) -> Result<Vec<SyncOutcome>, CoreError> {
        let accounts = match address {
            Some(a) => vec![self.account(a).await?],
            None => self
                .accounts()
                .await?
                .into_iter()
                .filter(|a| a.state != AccountState::Disconnected)
                .collect(),
        };
        if !accounts.is_empty() {
            self.with_vault(|h| h.guard_lost_ids()).await?;
        }
        let mut outcomes = Vec::new();
        for account in accounts {
            let mut outbox = None;
            let (result, stats) = match self.gmail_api(&account, &options).await {
                Ok(api) => {
                    let result = match self.drain_outbox(&api, account.inbox_id).await {
                        Ok(report) => {
                            outbox = Some(report);
                            self.sync_one(api.clone(), &account, &options, progress.clone())
                                .await
                        }
                        Err(e) => Err(e),
                    };
                    let s = api.stats();
                    let stats = SyncStats {
                        requests: s.requests.load(std::sync::atomic::Ordering::Relaxed),
                        retries: s.retries.load(std::sync::atomic::Ordering::Relaxed),
                        refreshes_after_401: s
                            .refreshes_after_401
                            .load(std::sync::atomic::Ordering::Relaxed),
                    };
                    (result, Some(stats))
                }
                Err(e) => (Err(e), None),
            };
            let inbox = account.inbox_id;
            let error = result.as_ref().err().map(crate::ErrorPayload::from);
            let recorded = error.as_ref().map(|e| format!("{}: {}", e.code, e.message));
            self.with_vault(move |h| Ok(h.vault.finish_sync(inbox, recorded.as_deref())?))
                .await?;
            outcomes.push(SyncOutcome {
                address: account.address,
                summary: result.ok(),
                stats,
                outbox,
                error,
            });
        }
        Ok(outcomes)
    }

    async fn sync_one(
        &self,
        api: GmailApi,
        account: &GmailAccount,
        options: &SyncOptions,
        progress: SyncProgressFn,
    ) -> Result<Summary, CoreError> {
        let sink = Arc::new(store::VaultStore::new(
            self.clone(),
            account.inbox_id,
            account.address.clone(),
            progress,
        ));
        let mut engine = SyncEngine::new(api, sink).with_concurrency(options.concurrency);
        Ok(engine.run().await?)
    }

    /// Revokes `account`'s grant at Google, if it still has one. A grant Google no longer knows
    /// counts as revoked; a network failure is an error (nothing is changed, so the user can
    /// retry).
    pub(crate) async fn revoke_at_google(&self, account: &GmailAccount) -> Result<(), CoreError> {
        if account.state == AccountState::Disconnected {
            return Ok(());
        }
        let inbox = account.inbox_id;
        let refresh = self
            .with_vault(move |h| Ok(h.vault.gmail_refresh_token(h.tenant, inbox)?))
            .await?;
        // A team inbox holds no grant of its own (the server's is the account's).
        if let Some(token) = refresh.filter(|t| !t.is_empty()) {
            let config = config_of(account)?;
            let oauth = OAuthClient::new(config.oauth_config())?;
            let token = SecretString::from(String::from_utf8_lossy(&token).into_owned());
            match oauth.revoke(&token).await {
                Ok(()) => {}
                Err(OAuthError::RevokeRefused { status: 400, .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Makes the next sync of `address` a full one: every message is listed again and what
    /// is missing or changed is fetched (what is stored already is kept, not fetched twice).
    pub async fn resync_gmail(&self, address: &str) -> Result<(), CoreError> {
        let inbox = self.account(address).await?.inbox_id;
        self.with_vault(move |h| {
            h.vault.reset_sync(inbox)?;
            h.audit("inbox.resync", Some(("inbox", inbox)), "gmail".into())
        })
        .await
    }

    /// Revokes the grant at Google, deletes the sealed refresh token and stops sync for
    /// `address`. The mail stays. A grant Google no longer knows counts as revoked; a network
    /// failure is an error and nothing is deleted (so the user can retry).
    pub async fn disconnect_gmail(&self, address: &str) -> Result<(), CoreError> {
        let account = self.account(address).await?;
        let inbox = account.inbox_id;
        self.revoke_at_google(&account).await?;
        self.with_vault(move |h| {
            h.vault.disconnect_gmail(h.tenant, inbox)?;
            h.audit("inbox.disconnect", Some(("inbox", inbox)), "gmail".into())
        })
        .await
    }
}
