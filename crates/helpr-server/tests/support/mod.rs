//! What the server's tests share: a server on a free port with one organization, and people
//! signing in to it through its real page, as a browser would.

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
        let data = tempfile::tempdir().unwrap();
        let config = Config::local(data.path());
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

    pub fn hub(&self) -> &Arc<Hub> {
        &self.server.hub
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
