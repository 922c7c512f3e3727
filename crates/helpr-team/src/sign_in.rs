//! Signing in to a team server from the desktop: bind a loopback listener, open the server's
//! sign-in page in the browser with a PKCE challenge and a random `state`, wait (bounded) for
//! the redirect, check `state` first, then trade the code and the verifier for a session.
//! The password goes only to the server's page, never through helpr.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use helpr_loopback::Loopback;
use helpr_proto::auth::{TokenRequest, TokenResponse};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::client::{TeamClient, TeamError};

/// How long the browser has to come back.
pub const TIMEOUT: Duration = Duration::from_secs(300);

fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs in to `client`'s server as whoever signs in on its page. `open` receives the page's
/// URL: the desktop and CLI open the system browser; tests fetch it themselves. The listener is
/// bound before `open` is called, so the redirect cannot come too early.
pub async fn sign_in<F>(
    client: &TeamClient,
    device: &str,
    timeout: Duration,
    open: F,
) -> Result<TokenResponse, TeamError>
where
    F: FnOnce(&str) -> std::io::Result<()>,
{
    let loopback = Loopback::bind().await.map_err(TeamError::Listener)?;
    let redirect_uri = loopback.redirect_uri();
    let verifier = random();
    let state = random();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = client.address().join("/sign-in");
    url.query_pairs_mut()
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    open(url.as_str()).map_err(TeamError::Opener)?;

    let redirect = tokio::time::timeout(timeout, loopback.next_redirect())
        .await
        .map_err(|_| TeamError::TimedOut)?
        .map_err(TeamError::Listener)?;
    let code = match (redirect.single("state"), redirect.single("code")) {
        (Some(s), Some(code)) if s == state && !code.is_empty() => code.to_owned(),
        (Some(s), _) if s != state => {
            redirect.answer(false).await;
            return Err(TeamError::StateMismatch);
        }
        _ => {
            redirect.answer(false).await;
            return Err(TeamError::MissingCode);
        }
    };
    redirect.answer(true).await;
    client
        .exchange(&TokenRequest {
            code,
            code_verifier: verifier,
            redirect_uri,
            device: device.to_owned(),
        })
        .await
}
