//! [`TokenSource`]: the access token of one account, in memory only (DESIGN §6). It refreshes
//! from the refresh token shortly before expiry or when Gmail answered 401, one refresh at a
//! time however many requests wait. A rotated refresh token is handed to the
//! [`TokenStore`] (the vault replaces the sealed one in one transaction) before the new
//! access token is used; `invalid_grant` is reported to the store as "reconnect needed".

use crate::oauth::{OAuthClient, OAuthError};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

/// Refresh this long before the stated expiry.
const EARLY: Duration = Duration::from_secs(60);

/// Where a rotated refresh token goes, and who learns that the grant is gone.
pub trait TokenStore: Send + Sync {
    /// Replace the stored refresh token (atomically). An error stops the refresh from being
    /// used: better to refresh again than to lose the only valid token.
    fn replace_refresh_token(&self, new: &SecretString) -> Result<(), String>;
    /// The refresh token was refused (`invalid_grant`): mark the inbox "reconnect needed".
    fn reconnect_needed(&self);
}

struct Current {
    refresh: SecretString,
    access: Option<(SecretString, SystemTime)>,
    /// Bumped at every refresh, so a 401 on an old token does not refresh twice.
    generation: u64,
}

/// One account's tokens.
pub struct TokenSource {
    oauth: OAuthClient,
    store: Arc<dyn TokenStore>,
    current: Mutex<Current>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource").finish_non_exhaustive()
    }
}

/// An access token and the generation it came from (for [`TokenSource::rejected`]).
pub struct Bearer {
    pub token: SecretString,
    pub generation: u64,
}

impl TokenSource {
    pub fn new(oauth: OAuthClient, refresh: SecretString, store: Arc<dyn TokenStore>) -> Self {
        Self {
            oauth,
            store,
            current: Mutex::new(Current {
                refresh,
                access: None,
                generation: 0,
            }),
        }
    }

    /// A valid access token, refreshing if there is none or it is about to expire.
    pub async fn bearer(&self) -> Result<Bearer, OAuthError> {
        let mut cur = self.current.lock().await;
        if let Some((token, expires)) = &cur.access {
            if SystemTime::now() + EARLY < *expires {
                return Ok(Bearer {
                    token: token.clone(),
                    generation: cur.generation,
                });
            }
        }
        self.refresh_locked(&mut cur).await
    }

    /// The server refused the token of `generation` (401): drop it so the next
    /// [`bearer`](Self::bearer) refreshes, unless another request already did.
    pub async fn rejected(&self, generation: u64) {
        let mut cur = self.current.lock().await;
        if cur.generation == generation {
            cur.access = None;
        }
    }

    async fn refresh_locked(&self, cur: &mut Current) -> Result<Bearer, OAuthError> {
        let refreshed = match self.oauth.refresh(&cur.refresh).await {
            Ok(r) => r,
            Err(OAuthError::ReconnectNeeded) => {
                self.store.reconnect_needed();
                return Err(OAuthError::ReconnectNeeded);
            }
            Err(e) => return Err(e),
        };
        if let Some(new) = refreshed.refresh_token {
            self.store
                .replace_refresh_token(&new)
                .map_err(|_| OAuthError::BadResponse)?;
            cur.refresh = new;
        }
        cur.generation += 1;
        cur.access = Some((refreshed.access_token.clone(), refreshed.expires_at));
        Ok(Bearer {
            token: refreshed.access_token,
            generation: cur.generation,
        })
    }

    /// The OAuth client (for revoke at disconnect).
    pub fn oauth(&self) -> &OAuthClient {
        &self.oauth
    }

    /// The current refresh token (for revoke at disconnect).
    pub async fn refresh_token(&self) -> SecretString {
        self.current.lock().await.refresh.clone()
    }
}
