//! [`TokenSource`]: the access token of one account, in memory only (DESIGN §6). It refreshes
//! from the refresh token shortly before expiry or when Gmail answered 401, one refresh at a
//! time however many requests wait. A rotated refresh token is handed to the
//! [`TokenStore`] (the vault replaces the sealed one in one transaction) before the new
//! access token is used; `invalid_grant` is reported to the store as "reconnect needed".
//!
//! [`TokenSource::fixed`] is the other kind: one bearer token that is never refreshed, for a
//! desktop that reaches Gmail through the team server's broker with its session token (the
//! server holds the inbox's Google grant; a 401 there means the session ended).

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

/// Where access tokens come from.
enum Kind {
    /// Refreshed from the refresh token in `Current`.
    Refreshing {
        oauth: Box<OAuthClient>,
        store: Arc<dyn TokenStore>,
    },
    /// This one token, always.
    Fixed(SecretString),
}

/// One account's tokens.
pub struct TokenSource {
    kind: Kind,
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
            kind: Kind::Refreshing {
                oauth: Box::new(oauth),
                store,
            },
            current: Mutex::new(Current {
                refresh,
                access: None,
                generation: 0,
            }),
        }
    }

    /// A source that always hands out `token` and never refreshes: the session token of a
    /// team server whose broker speaks Gmail's API for an inbox (`GmailApi` pointed at
    /// `https://server/api/v1/inboxes/{id}/gmail/v1/users/me`). A 401 is retried once with
    /// the same token, then reported as [`crate::ApiError::Unauthorized`].
    pub fn fixed(token: SecretString) -> Self {
        Self {
            kind: Kind::Fixed(token),
            current: Mutex::new(Current {
                refresh: SecretString::from(String::new()),
                access: None,
                generation: 0,
            }),
        }
    }

    /// A valid access token, refreshing if there is none or it is about to expire.
    pub async fn bearer(&self) -> Result<Bearer, OAuthError> {
        if let Kind::Fixed(token) = &self.kind {
            return Ok(Bearer {
                token: token.clone(),
                generation: 0,
            });
        }
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
        let Kind::Refreshing { oauth, store } = &self.kind else {
            unreachable!("a fixed token is never refreshed")
        };
        let refreshed = match oauth.refresh(&cur.refresh).await {
            Ok(r) => r,
            Err(OAuthError::ReconnectNeeded) => {
                store.reconnect_needed();
                return Err(OAuthError::ReconnectNeeded);
            }
            Err(e) => return Err(e),
        };
        if let Some(new) = refreshed.refresh_token {
            store
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

    /// The OAuth client (for revoke at disconnect); `None` for a [fixed](Self::fixed) token.
    pub fn oauth(&self) -> Option<&OAuthClient> {
        match &self.kind {
            Kind::Refreshing { oauth, .. } => Some(oauth),
            Kind::Fixed(_) => None,
        }
    }

    /// The current refresh token (for revoke at disconnect); `None` for a fixed token.
    pub async fn refresh_token(&self) -> Option<SecretString> {
        match &self.kind {
            Kind::Refreshing { .. } => Some(self.current.lock().await.refresh.clone()),
            Kind::Fixed(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    #[tokio::test]
    async fn a_fixed_token_is_handed_out_as_is_and_never_refreshed() {
        let source = TokenSource::fixed(SecretString::from("session-token".to_owned()));
        let first = source.bearer().await.unwrap();
        assert_eq!(first.token.expose_secret(), "session-token");
        source.rejected(first.generation).await;
        let again = source.bearer().await.unwrap();
        assert_eq!(again.token.expose_secret(), "session-token");
        assert!(source.oauth().is_none());
        assert!(source.refresh_token().await.is_none());
    }
}
