//! Team mode: this vault signed in to a team server, which says which shared inboxes (and, for
//! assigned-only members, which conversations) the user may see. The server's word is applied
//! to the vault as it arrives: whatever it takes away is purged from the vault and the index at
//! once ([`apply`]); the live socket keeps it arriving ([`listen`]).
//!
//! Signing in pins the server's certificate by fingerprint (shown for the person to compare
//! with what the server printed, or given beforehand), then runs the browser sign-in; the
//! session token, the link and the last snapshot are kept sealed in the vault. Everything
//! already entitled works offline from the vault.
//!
//! - [`apply`]: a snapshot applied: lost inboxes and conversations purged, the rest recorded.
//! - [`listen`]: the socket loop: reconnect from the last sequence number, apply, report.
//! - [`conversations`]: local threads as the server's conversations, and their assignees.
//! - [`sync`]: shared inboxes synced through the server's Gmail proxy, as this session.
//! - [`secure`]: secure email: protected threads sealed here, their replies stored as mail.

pub mod apply;
pub mod conversations;
pub mod listen;
pub mod secure;
pub mod sync;

use std::time::Duration;

use helpr_policy::{InboxAccess, InboxId};
use helpr_proto::error::ErrorCode;
use helpr_proto::snapshot::{ConversationScope, Person, Snapshot};
use helpr_proto::views::{OrgView, UserView};
use helpr_team::{ServerAddress, TeamClient, TeamError};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::{CoreError, Helpr};

/// What the vault keeps of a sign-in (sealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamLink {
    pub server: String,
    /// The pinned certificate (`None` for a plain-http loopback server).
    pub fingerprint: Option<String>,
    pub org: OrgView,
    pub user: UserView,
    pub session_id: i64,
    pub device: String,
}

/// One shared inbox as this user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamInboxView {
    pub id: InboxId,
    pub name: String,
    pub access: InboxAccess,
    /// With assigned-only access: how many conversations are the user's.
    pub assigned_conversations: Option<usize>,
    /// The local inbox holding its mail, once synced.
    pub local_inbox: Option<i64>,
    pub override_until: Option<i64>,
}

/// `helpr team status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamStatus {
    pub server: String,
    pub fingerprint: Option<String>,
    pub org: OrgView,
    pub user: UserView,
    pub session_id: i64,
    pub device: String,
    /// The organization's sequence number last applied.
    pub last_seq: Option<u64>,
    /// The inboxes of the last snapshot (none before the first).
    pub inboxes: Vec<TeamInboxView>,
    /// The names of the people the last snapshot mentions (inbox members, assignees): what
    /// the window calls them while the server's user list is out of reach.
    pub people: Vec<Person>,
}

/// How the server's certificate is trusted at sign-in.
pub enum Trust {
    /// Only the certificate with this fingerprint (`--fingerprint`).
    Fingerprint(String),
    /// Ask: the fingerprint is shown and the answer says whether to go on.
    Ask(Box<dyn FnOnce(&str) -> bool + Send>),
}

/// The stable code of a team server refusal.
fn code(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidInput => "team_invalid_input",
        ErrorCode::TooLarge => "team_too_large",
        ErrorCode::Unauthenticated => "team_signed_out",
        ErrorCode::Forbidden => "team_forbidden",
        ErrorCode::NotFound => "team_not_found",
        ErrorCode::Conflict => "team_conflict",
        ErrorCode::RateLimited => "team_rate_limited",
        ErrorCode::UnsupportedVersion => "team_unsupported_version",
        ErrorCode::Upstream => "team_upstream",
        ErrorCode::Gone => "secure_gone",
        ErrorCode::WrongCode => "secure_wrong_code",
        ErrorCode::Internal => "team_server_failed",
    }
}

impl From<TeamError> for CoreError {
    fn from(e: TeamError) -> Self {
        match &e {
            TeamError::Api { error, .. } => CoreError::Remote {
                code: code(error.code),
                message: error.message.clone(),
            },
            TeamError::Transport(_) => CoreError::Remote {
                code: "team_unreachable",
                message: e.to_string(),
            },
            _ => CoreError::Remote {
                code: "team_protocol",
                message: e.to_string(),
            },
        }
    }
}

/// The fingerprint `address` presents (before trusting it), to show at sign-in.
pub async fn probe_fingerprint(address: &ServerAddress) -> Result<Option<String>, CoreError> {
    if !address.is_https() {
        return Ok(None);
    }
    helpr_team::pin::probe(address)
        .await
        .map(Some)
        .map_err(|e| CoreError::Remote {
            code: "team_unreachable",
            message: e.to_string(),
        })
}

/// How long the browser gets to come back from the sign-in page.
pub const SIGN_IN_TIMEOUT: Duration = helpr_team::sign_in::TIMEOUT;

impl Helpr {
    /// Signs this vault in to the team server at `server`: the certificate is pinned as
    /// `trust` says, then the browser signs in (`open` gets the page's URL). Replaces an earlier
    /// sign-in (of the same server; another server's inboxes must be signed out of first).
    pub async fn team_sign_in<F>(
        &self,
        server: &str,
        trust: Trust,
        device: &str,
        open: F,
    ) -> Result<TeamStatus, CoreError>
    where
        F: FnOnce(&str) -> std::io::Result<()>,
    {
        let address =
            ServerAddress::parse(server).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        if let Some(old) = self.team_link().await? {
            if old.0.server != address.to_string() {
                return Err(CoreError::AlreadyExists(format!(
                    "this vault is signed in to {}; sign out of it first (`helpr team sign-out`)",
                    old.0.server
                )));
            }
        }
        let presented = probe_fingerprint(&address).await?;
        let fingerprint = match (presented, trust) {
            (None, _) => None,
            (Some(seen), Trust::Fingerprint(expected)) => {
                if !seen.eq_ignore_ascii_case(expected.trim()) {
                    return Err(CoreError::InvalidInput(format!(
                        "the server presents certificate {seen}, not the one given; \
                         nothing was stored"
                    )));
                }
                Some(seen)
            }
            (Some(seen), Trust::Ask(ask)) => {
                if !ask(&seen) {
                    return Err(CoreError::InvalidInput(
                        "the server's certificate was not accepted; nothing was stored".into(),
                    ));
                }
                Some(seen)
            }
        };
        let client = TeamClient::new(address.clone(), fingerprint.as_deref());
        let version = client.version().await?;
        if version.proto != helpr_proto::PROTO_VERSION {
            return Err(CoreError::Remote {
                code: "team_unsupported_version",
                message: format!(
                    "the server speaks wire version {}, this helpr {}",
                    version.proto,
                    helpr_proto::PROTO_VERSION
                ),
            });
        }
        let token = helpr_team::sign_in::sign_in(&client, device, SIGN_IN_TIMEOUT, open).await?;
        let link = TeamLink {
            server: address.to_string(),
            fingerprint,
            org: token.org,
            user: token.user,
            session_id: token.session_id,
            device: device.to_owned(),
        };
        let bytes = serde_json::to_vec(&link).map_err(|e| CoreError::Internal(e.to_string()))?;
        let secret = token.session_token;
        self.with_vault(move |h| Ok(h.vault.set_team_link(h.tenant, &bytes, secret.as_bytes())?))
            .await?;
        self.team_status()
            .await?
            .ok_or_else(|| CoreError::Internal("the sign-in was not stored".into()))
    }

    /// The stored sign-in and session token, if any.
    async fn team_link(&self) -> Result<Option<(TeamLink, SecretString)>, CoreError> {
        let record = self
            .with_vault(|h| Ok(h.vault.team_link(h.tenant)?))
            .await?;
        record
            .map(|r| {
                let link: TeamLink = serde_json::from_slice(&r.link)
                    .map_err(|e| CoreError::Integrity(format!("stored team sign-in: {e}")))?;
                let token = String::from_utf8(r.token.to_vec())
                    .map_err(|_| CoreError::Integrity("stored team session token".into()))?;
                Ok((link, SecretString::from(token)))
            })
            .transpose()
    }

    /// The last snapshot applied and its sequence number.
    pub(crate) async fn team_snapshot(&self) -> Result<(Option<Snapshot>, Option<u64>), CoreError> {
        let record = self
            .with_vault(|h| Ok(h.vault.team_link(h.tenant)?))
            .await?;
        let Some(record) = record else {
            return Ok((None, None));
        };
        let snapshot = record
            .snapshot
            .map(|s| serde_json::from_slice(&s))
            .transpose()
            .map_err(|e| CoreError::Integrity(format!("stored team snapshot: {e}")))?;
        Ok((snapshot, record.last_seq))
    }

    /// A client of the signed-in server, as this session.
    pub async fn team_client(&self) -> Result<TeamClient, CoreError> {
        let (link, token) = self.team_link().await?.ok_or_else(|| {
            CoreError::NotFound("not signed in to a team server (`helpr team sign-in URL`)".into())
        })?;
        let address = ServerAddress::parse(&link.server)
            .map_err(|e| CoreError::Integrity(format!("stored team server: {e}")))?;
        Ok(TeamClient::new(address, link.fingerprint.as_deref()).with_token(token))
    }

    /// What this vault knows of its team: the sign-in and the last snapshot (offline).
    pub async fn team_status(&self) -> Result<Option<TeamStatus>, CoreError> {
        let Some((link, _)) = self.team_link().await? else {
            return Ok(None);
        };
        let (snapshot, last_seq) = self.team_snapshot().await?;
        let bound = self
            .with_vault(|h| Ok(h.vault.team_inboxes(h.tenant)?))
            .await?;
        let people = snapshot
            .as_ref()
            .map(|s| s.people.clone())
            .unwrap_or_default();
        let inboxes = snapshot
            .map(|s| {
                s.inboxes
                    .into_iter()
                    .map(|e| TeamInboxView {
                        id: e.inbox.id,
                        name: e.inbox.name,
                        access: e.access,
                        assigned_conversations: match &e.conversations {
                            ConversationScope::All => None,
                            ConversationScope::Only { conversations } => Some(conversations.len()),
                        },
                        local_inbox: bound
                            .iter()
                            .find(|(server, _)| *server == e.inbox.id.0)
                            .and_then(|(_, local)| *local),
                        override_until: e.override_until,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(TeamStatus {
            server: link.server,
            fingerprint: link.fingerprint,
            org: link.org,
            user: link.user,
            session_id: link.session_id,
            device: link.device,
            last_seq,
            inboxes,
            people,
        }))
    }

    /// Signs out: the session is revoked at the server (if it answers), every shared inbox's
    /// mail is purged from this vault, and the sign-in forgotten.
    pub async fn team_sign_out(&self) -> Result<apply::ApplyReport, CoreError> {
        let Some((link, _)) = self.team_link().await? else {
            return Err(CoreError::NotFound("not signed in to a team server".into()));
        };
        if let Ok(client) = self.team_client().await {
            // Unreachable or already revoked: the local sign-out goes on.
            let _ = client.revoke_session(link.session_id).await;
        }
        let report = self.team_forget_all().await?;
        self.with_vault(|h| Ok(h.vault.delete_team_link(h.tenant)?))
            .await?;
        Ok(report)
    }
}
