//! OAuth 2.0 for installed apps against Google or the emulator (DESIGN §6,
//! google-protocols.md §1): [`OAuthClient`] holds the configured endpoints and client and runs
//! the three operations, one per file — `authorize` (loopback + PKCE + code exchange, also
//! as its two halves for a caller whose browser comes back elsewhere), `refresh`, `revoke`. `config` says where to talk, `helpr_loopback` receives the browser's
//! redirect, `tokens` holds what comes back, `error` says what went wrong without secrets.

mod authorize;
mod config;
mod error;
mod refresh;
mod revoke;
mod tokens;

pub use authorize::AuthorizationRequest;
pub use config::{OAuthConfig, EMAIL_SCOPE, GMAIL_SCOPE, OPENID_SCOPE, SCOPES};
pub use error::OAuthError;
pub use tokens::{Refreshed, Tokens};

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet, StandardRevocableToken,
    StandardTokenResponse, TokenUrl,
};
use secrecy::ExposeSecret as _;
use std::time::Duration;

/// How long one call to the token or revocation endpoint may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The token response with Google's `id_token` kept (oauth2's basic type drops it).
type GoogleTokenResponse = StandardTokenResponse<tokens::IdTokenField, BasicTokenType>;

/// oauth2's client with the authorization and token endpoints set. Revocation is posted by
/// hand (`revoke.rs`), so its endpoint stays unset here.
type GoogleClient = oauth2::Client<
    BasicErrorResponse,
    GoogleTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The installed-app OAuth client: one per configured Google client.
pub struct OAuthClient {
    config: OAuthConfig,
    client: GoogleClient,
    http: reqwest::Client,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// Checks the URLs and builds the HTTP client (no redirects followed: the oauth2 crate's
    /// advice against SSRF, and the token endpoint never redirects).
    pub fn new(config: OAuthConfig) -> Result<Self, OAuthError> {
        let auth_url = AuthUrl::new(config.auth_url.clone())
            .map_err(|_| OAuthError::BadUrl("authorization"))?;
        let token_url =
            TokenUrl::new(config.token_url.clone()).map_err(|_| OAuthError::BadUrl("token"))?;
        reqwest::Url::parse(&config.revocation_url)
            .map_err(|_| OAuthError::BadUrl("revocation"))?;
        let client = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                config.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(auth_url)
            .set_token_uri(token_url);
        let http = crate::http::client(config.extra_ca_pem.as_deref(), HTTP_TIMEOUT)
            .map_err(OAuthError::Network)?;
        Ok(Self {
            config,
            client,
            http,
        })
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }
}
