//! What the server's tests share: a server on a free port with one organization, and people
//! signing in to it through its real page, as a browser would; on PostgreSQL, more servers on
//! the same database (replicas) and restarts.

#![allow(dead_code)]

use std::sync::Arc;

use helpr_policy::{OrgId, UserId};
use helpr_proto::auth::TokenResponse;
use helpr_server::org::hub::Hub;
use helpr_server::{Config, Server};
use helpr_team::testing::Browser;
use helpr_team::{ServerAddress, TeamClient, TeamError};
use secrecy::SecretString;

pub const OWNER_EMAIL: &str = "owner@example.test";
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server with one organization and its owner.
pub struct Rig {
    pub server: Server,
    pub data: tempfile::TempDir,
    pub config: Config,
    pub org: OrgId,
    pub owner: UserId,
}

impl Rig {
    pub async fn start() -> Rig {
        Rig::start_with(|_| {}).await
    }

    /// [`Rig::start`] with the local configuration changed first (`database`, say).
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Rig {
        let data = tempfile::tempdir().unwrap();
        let mut config = Config::local(data.path());
        configure(&mut config);
        let server = Server::start(config.clone()).await.unwrap();
        let (org, owner) = helpr_server::setup::create_org(
            &server.hub,
            "Acme",
            "Olive Owner",
            OWNER_EMAIL,
            PASSWORD.to_owned(),
        )
        .await
        .unwrap();
        Rig {
            server,
            data,
            config,
            org,
            owner,
        }
    }

    /// Another server on this one's database (PostgreSQL): a replica with its own data
    /// directory (so its own key file and certificate), serving the same organization.
    pub async fn replica(&self) -> Rig {
        let data = tempfile::tempdir().unwrap();
        let mut config = Config::local(data.path());
        config.database = self.config.database.clone();
        config.clock = self.config.clock.clone();
        // Replicas share the root key (the audit trail's MACs, sealed Gmail tokens).
        config.key = self.config.key.clone();
        let server = Server::start(config.clone()).await.unwrap();
        Rig {
            server,
            data,
            config,
            org: self.org,
            owner: self.owner,
        }
    }

    /// Stops the server and starts it again on the same data (on a new port).
    pub async fn restart(self) -> Rig {
        let Rig {
            server,
            data,
            config,
            org,
            owner,
        } = self;
        server.stop();
        let server = Server::start(config.clone()).await.unwrap();
        Rig {
            server,
            data,
            config,
            org,
            owner,
        }
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.server.hub
    }

    /// A client of this server with a session token (one got from any replica).
    pub fn with_token(&self, token: &str) -> TeamClient {
        self.anonymous()
            .with_token(SecretString::from(token.to_owned()))
    }

    /// A client that trusts this server's certificate, not signed in.
    pub fn anonymous(&self) -> TeamClient {
        let address = ServerAddress::parse(&format!("https://{}", self.server.addr)).unwrap();
        TeamClient::new(address, Some(&self.server.fingerprint))
    }

    /// Signs in through the page, as a browser would.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<TeamClient, TeamError> {
        let token = self.sign_in_response(email, password).await?;
        Ok(self
            .anonymous()
            .with_token(SecretString::from(token.session_token)))
    }

    pub async fn sign_in_response(
        &self,
        email: &str,
        password: &str,
    ) -> Result<TokenResponse, TeamError> {
        let anonymous = self.anonymous();
        let browser = Browser {
            http: helpr_team::pin::client(&self.server.fingerprint),
            email: email.to_owned(),
            password: password.to_owned(),
        };
        helpr_team::sign_in::sign_in(
            &anonymous,
            "test device",
            std::time::Duration::from_secs(30),
            browser.opener(),
        )
        .await
    }

    pub async fn owner(&self) -> TeamClient {
        self.sign_in(OWNER_EMAIL, PASSWORD).await.unwrap()
    }
}

/// A new inbox of `visibility`, open to no team, not assigned-only.
pub fn inbox(
    name: &str,
    visibility: helpr_policy::Visibility,
) -> helpr_proto::requests::CreateInbox {
    helpr_proto::requests::CreateInbox {
        name: name.into(),
        visibility,
        teams: vec![],
        assigned_only: false,
    }
}

/// A new agent of the organization, with the tests' password.
pub fn agent(name: &str, email: &str) -> helpr_proto::requests::CreateUser {
    helpr_proto::requests::CreateUser {
        name: name.into(),
        email: email.into(),
        role: helpr_policy::OrgRole::Agent,
        password: PASSWORD.into(),
    }
}
