//! The team server's API, typed. Every request says the wire version; every refusal comes back
//! as the server's `{code, message}` ([`TeamError::Api`]) for the caller to branch on.

use helpr_policy::{InboxId, TeamId, UserId};
use helpr_proto::auth::{TokenRequest, TokenResponse};
use helpr_proto::error::{ApiError, ErrorCode};
use helpr_proto::gmail::{
    FinishGmailConnect, GmailAccountView, GmailAuthorization, SendMail, SentMail, StartGmailConnect,
};
use helpr_proto::requests::{
    ChangeInbox, ChangePassword, ChangeTeam, ChangeUser, ConversationView, CreateInbox, CreateTeam,
    CreateUser, MeView, OverrideView, SetAssignees, SetMember, StartOverride,
};
use helpr_proto::snapshot::Snapshot;
use helpr_proto::views::{InboxView, OrgView, SessionView, TeamView, UserView, VersionView};
use helpr_proto::{PROTO_VERSION, VERSION_HEADER};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;

use std::sync::Arc;

use crate::address::ServerAddress;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The server refused, with its reason.
    #[error("{} ({:?}, HTTP {status})", error.message, error.code)]
    Api { status: u16, error: ApiError },
    #[error("cannot reach the team server: {0}")]
    Transport(String),
    #[error("the team server answered something unexpected: {0}")]
    Protocol(String),
    #[error("the sign-in listener failed: {0}")]
    Listener(std::io::Error),
    #[error("could not open the browser: {0}")]
    Opener(std::io::Error),
    #[error("the browser did not come back in time")]
    TimedOut,
    #[error("the browser came back from another sign-in (state mismatch)")]
    StateMismatch,
    #[error("the browser came back without a sign-in code")]
    MissingCode,
}

impl TeamError {
    /// The server's code, when it refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            TeamError::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }
}

/// A connection to one team server, signed in or not.
#[derive(Debug, Clone)]
pub struct TeamClient {
    pub(crate) address: ServerAddress,
    http: reqwest::Client,
    /// The TLS configuration that trusts the pinned certificate (`None`: plain loopback http).
    tls: Option<Arc<rustls::ClientConfig>>,
    token: Option<SecretString>,
}

impl TeamClient {
    /// A client of `address` that trusts only the certificate with `fingerprint` (`None` for a
    /// plain-http loopback address).
    pub fn new(address: ServerAddress, fingerprint: Option<&str>) -> Self {
        let tls = fingerprint.map(|f| Arc::new(crate::pin::tls_config(f)));
        let http = match &tls {
            Some(tls) => crate::pin::client_with((**tls).clone()),
            None => crate::pin::plain_client(),
        };
        TeamClient {
            address,
            http,
            tls,
            token: None,
        }
    }

    /// The TLS configuration of this client (for the socket).
    pub fn tls(&self) -> Option<Arc<rustls::ClientConfig>> {
        self.tls.clone()
    }

    /// The same server, as the session `token`.
    pub fn with_token(&self, token: SecretString) -> Self {
        TeamClient {
            token: Some(token),
            ..self.clone()
        }
    }

    pub fn address(&self) -> &ServerAddress {
        &self.address
    }

    /// The session token, if signed in (for the socket's upgrade).
    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }

    /// Sends a request and reads its JSON answer (`()` for an empty one).
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, TeamError> {
        let mut request = self
            .http
            .request(method, self.address.join(path))
            .header(VERSION_HEADER, PROTO_VERSION.to_string());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose_secret());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| TeamError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| TeamError::Transport(e.without_url().to_string()))?;
        if !status.is_success() {
            let error = serde_json::from_slice::<ApiError>(&bytes)
                .map_err(|_| TeamError::Protocol(format!("HTTP {status} without an error body")))?;
            return Err(TeamError::Api {
                status: status.as_u16(),
                error,
            });
        }
        let bytes = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(bytes).map_err(|e| TeamError::Protocol(e.to_string()))
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, TeamError> {
        self.call::<(), T>(Method::GET, path, None).await
    }

    pub(crate) async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, TeamError> {
        self.call(method, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> Result<(), TeamError> {
        self.call::<(), ()>(Method::DELETE, path, None).await
    }

    pub async fn version(&self) -> Result<VersionView, TeamError> {
        self.get("/api/v1/version").await
    }

    pub async fn exchange(&self, request: &TokenRequest) -> Result<TokenResponse, TeamError> {
        self.send(Method::POST, "/api/v1/token", request).await
    }

    pub async fn me(&self) -> Result<MeView, TeamError> {
        self.get("/api/v1/me").await
    }

    pub async fn snapshot(&self) -> Result<Snapshot, TeamError> {
        self.get("/api/v1/snapshot").await
    }

    pub async fn change_password(&self, body: &ChangePassword) -> Result<(), TeamError> {
        self.send(Method::POST, "/api/v1/me/password", body).await
    }

    pub async fn org(&self) -> Result<OrgView, TeamError> {
        self.get("/api/v1/org").await
    }

    pub async fn users(&self) -> Result<Vec<UserView>, TeamError> {
        self.get("/api/v1/users").await
    }

    pub async fn create_user(&self, body: &CreateUser) -> Result<UserView, TeamError> {
        self.send(Method::POST, "/api/v1/users", body).await
    }

    pub async fn change_user(
        &self,
        user: UserId,
        body: &ChangeUser,
    ) -> Result<UserView, TeamError> {
        self.send(Method::PATCH, &format!("/api/v1/users/{}", user.0), body)
            .await
    }

    pub async fn remove_user(&self, user: UserId) -> Result<(), TeamError> {
        self.delete(&format!("/api/v1/users/{}", user.0)).await
    }

    pub async fn teams(&self) -> Result<Vec<TeamView>, TeamError> {
        self.get("/api/v1/teams").await
    }

    pub async fn create_team(&self, body: &CreateTeam) -> Result<TeamView, TeamError> {
        self.send(Method::POST, "/api/v1/teams", body).await
    }

    pub async fn change_team(
        &self,
        team: TeamId,
        body: &ChangeTeam,
    ) -> Result<TeamView, TeamError> {
        self.send(Method::PATCH, &format!("/api/v1/teams/{}", team.0), body)
            .await
    }

    pub async fn delete_team(&self, team: TeamId) -> Result<(), TeamError> {
        self.delete(&format!("/api/v1/teams/{}", team.0)).await
    }

    pub async fn inboxes(&self) -> Result<Vec<InboxView>, TeamError> {
        self.get("/api/v1/inboxes").await
    }

    pub async fn create_inbox(&self, body: &CreateInbox) -> Result<InboxView, TeamError> {
        self.send(Method::POST, "/api/v1/inboxes", body).await
    }

    pub async fn inbox(&self, inbox: InboxId) -> Result<InboxView, TeamError> {
        self.get(&format!("/api/v1/inboxes/{}", inbox.0)).await
    }

    pub async fn change_inbox(
        &self,
        inbox: InboxId,
        body: &ChangeInbox,
    ) -> Result<InboxView, TeamError> {
        self.send(Method::PATCH, &format!("/api/v1/inboxes/{}", inbox.0), body)
            .await
    }

    pub async fn delete_inbox(&self, inbox: InboxId) -> Result<(), TeamError> {
        self.delete(&format!("/api/v1/inboxes/{}", inbox.0)).await
    }

    pub async fn set_member(
        &self,
        inbox: InboxId,
        user: UserId,
        body: &SetMember,
    ) -> Result<InboxView, TeamError> {
        let path = format!("/api/v1/inboxes/{}/members/{}", inbox.0, user.0);
        self.send(Method::PUT, &path, body).await
    }

    pub async fn remove_member(
        &self,
        inbox: InboxId,
        user: UserId,
    ) -> Result<InboxView, TeamError> {
        let path = format!("/api/v1/inboxes/{}/members/{}", inbox.0, user.0);
        self.call::<(), InboxView>(Method::DELETE, &path, None)
            .await
    }

    pub async fn start_override(
        &self,
        inbox: InboxId,
        minutes: u32,
    ) -> Result<OverrideView, TeamError> {
        let path = format!("/api/v1/inboxes/{}/override", inbox.0);
        self.send(Method::POST, &path, &StartOverride { minutes })
            .await
    }

    pub async fn conversation(
        &self,
        inbox: InboxId,
        thread: &str,
    ) -> Result<ConversationView, TeamError> {
        self.get(&format!(
            "/api/v1/inboxes/{}/conversations/{thread}",
            inbox.0
        ))
        .await
    }

    pub async fn assign(
        &self,
        inbox: InboxId,
        thread: &str,
        assignees: Vec<UserId>,
    ) -> Result<ConversationView, TeamError> {
        let path = format!(
            "/api/v1/inboxes/{}/conversations/{thread}/assignees",
            inbox.0
        );
        self.send(Method::PUT, &path, &SetAssignees { assignees })
            .await
    }

    /// The inbox's Gmail account (owners and admins).
    pub async fn gmail_account(&self, inbox: InboxId) -> Result<GmailAccountView, TeamError> {
        self.get(&format!("/api/v1/inboxes/{}/gmail", inbox.0))
            .await
    }

    /// Starts connecting the inbox's Gmail account: the authorization URL to open, for a
    /// browser that comes back to `redirect_uri` (this desktop's loopback).
    pub async fn start_gmail_connect(
        &self,
        inbox: InboxId,
        redirect_uri: &str,
    ) -> Result<GmailAuthorization, TeamError> {
        let path = format!("/api/v1/inboxes/{}/gmail/connect", inbox.0);
        let body = StartGmailConnect {
            redirect_uri: redirect_uri.to_owned(),
        };
        self.send(Method::POST, &path, &body).await
    }

    /// Hands the server the code Google's redirect carried (after checking its `state`).
    pub async fn finish_gmail_connect(
        &self,
        inbox: InboxId,
        state: &str,
        code: &str,
    ) -> Result<GmailAccountView, TeamError> {
        let path = format!("/api/v1/inboxes/{}/gmail/connect/finish", inbox.0);
        let body = FinishGmailConnect {
            state: state.to_owned(),
            code: code.to_owned(),
        };
        self.send(Method::POST, &path, &body).await
    }

    /// Disconnects the inbox's Gmail account (revoked at Google).
    pub async fn disconnect_gmail(&self, inbox: InboxId) -> Result<(), TeamError> {
        self.delete(&format!("/api/v1/inboxes/{}/gmail", inbox.0))
            .await
    }

    /// Sends a message from the inbox through the server.
    pub async fn send_gmail(&self, inbox: InboxId, body: &SendMail) -> Result<SentMail, TeamError> {
        let path = format!("/api/v1/inboxes/{}/gmail/send", inbox.0);
        self.send(Method::POST, &path, body).await
    }

    /// Where the server speaks Gmail's REST API for the inbox (`…/gmail/v1/users/me`): what a
    /// desktop's Gmail client takes as its API base, with this client's [`http`](Self::http)
    /// and the session token as its bearer.
    pub fn gmail_api_base(&self, inbox: InboxId) -> String {
        self.address
            .join(&format!("/api/v1/inboxes/{}/gmail/v1/users/me", inbox.0))
            .to_string()
    }

    /// The HTTP client this one uses (it trusts only the pinned certificate).
    pub fn http(&self) -> reqwest::Client {
        self.http.clone()
    }

    pub async fn sessions(&self) -> Result<Vec<SessionView>, TeamError> {
        self.get("/api/v1/sessions").await
    }

    pub async fn revoke_session(&self, session: i64) -> Result<(), TeamError> {
        self.delete(&format!("/api/v1/sessions/{session}")).await
    }

    pub async fn user_sessions(&self, user: UserId) -> Result<Vec<SessionView>, TeamError> {
        self.get(&format!("/api/v1/users/{}/sessions", user.0))
            .await
    }

    pub async fn revoke_user_session(&self, user: UserId, session: i64) -> Result<(), TeamError> {
        self.delete(&format!("/api/v1/users/{}/sessions/{session}", user.0))
            .await
    }
}
