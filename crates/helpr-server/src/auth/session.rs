//! Sessions: made by the token exchange (`POST /api/v1/token`), found by the hash of the
//! bearer token on every request ([`Caller`]), ended by revocation (a `session.revoke` record,
//! which every replica applies) or by age ([`LIFETIME`]).

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::Json;
use helpr_policy::{OrgId, User, UserId};
use helpr_proto::auth::{TokenRequest, TokenResponse};

use super::{pkce, token};
use crate::api::body::Body;
use crate::app::App;
use crate::error::Failure;
use crate::org::record::Record;
use crate::store::queries;

/// A session ends this long after sign-in (then the desktop signs in again).
pub const LIFETIME: i64 = 90 * 24 * 3600;
/// The longest device name kept.
const MAX_DEVICE: usize = 100;

/// The signed-in user making a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub org: OrgId,
    pub user: UserId,
    pub session: i64,
}

impl Caller {
    /// The caller as the policy sees them in the current state.
    pub fn policy_user(&self, app: &App) -> Result<User, Failure> {
        app.hub
            .read(self.org, |s| s.policy_user(self.user))
            .flatten()
            .ok_or_else(|| Failure::unauthenticated("this session's user no longer exists"))
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The live session `token` opens at `now`, or why not. A token this replica does not know
/// may be one another replica just made: the log is read once more (at most a few times a
/// second, whoever asks) before it is refused.
pub async fn authenticate(app: &App, token: &str) -> Result<Caller, Failure> {
    let hash = token::digest_hex(token);
    let key = match app.hub.session(&hash) {
        Some(key) => Some(key),
        None => {
            app.hub.refresh_soon().await;
            app.hub.session(&hash)
        }
    };
    let key =
        key.ok_or_else(|| Failure::unauthenticated("unknown or revoked session; sign in again"))?;
    let created = app
        .hub
        .read(key.org, |s| {
            s.sessions.get(&key.session).map(|s| s.created_at)
        })
        .flatten()
        .ok_or_else(|| Failure::unauthenticated("unknown or revoked session; sign in again"))?;
    if app.hub.clock().now() >= created + LIFETIME {
        return Err(Failure::unauthenticated(
            "the session expired; sign in again",
        ));
    }
    Ok(Caller {
        org: key.org,
        user: key.user,
        session: key.session,
    })
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Failure> {
        let token = bearer(parts).ok_or_else(|| {
            Failure::unauthenticated(
                "sign in first: send the session token as Authorization: Bearer",
            )
        })?;
        authenticate(app, token).await
    }
}

/// `POST /api/v1/token`: a sign-in code and its PKCE verifier for a session.
#[utoipa::path(post, path = "/api/v1/token", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = helpr_proto::error::ApiError)))]
pub async fn exchange(
    State(app): State<Arc<App>>,
    Body(request): Body<TokenRequest>,
) -> Result<Json<TokenResponse>, Failure> {
    let invalid =
        || Failure::invalid("the sign-in code is unknown, used or expired, or does not match");
    let hash = token::digest(&request.code);
    let now = app.hub.clock().now();
    let code = app
        .hub
        .db()
        .run(move |tx| queries::take_code(tx, &hash, now))
        .await?
        .ok_or_else(invalid)?;
    if code.expires_at <= now
        || code.redirect_uri != request.redirect_uri
        || !pkce::verifies(&request.code_verifier, &code.challenge)
    {
        return Err(invalid());
    }
    let device: String = request
        .device
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_DEVICE)
        .collect();
    let device = if device.trim().is_empty() {
        "unnamed device".to_owned()
    } else {
        device
    };
    let org = app
        .hub
        .org_of(code.user)
        .ok_or_else(|| Failure::invalid("the user of this code no longer exists"))?;
    let session_token = token::new_token();
    let session = app.hub.next_id().await?;
    let token_hash = token::digest_hex(&session_token);
    let user = code.user;
    app.hub
        .change(org, Some(user), |state, _| {
            if !state.users.contains_key(&user) {
                return Err(Failure::invalid("the user of this code no longer exists"));
            }
            Ok(Record::SessionStarted {
                session,
                user,
                device: device.clone(),
                token_hash: token_hash.clone(),
            }
            .into())
        })
        .await?;
    let (user_view, org_view) = app
        .hub
        .read(org, |s| (s.user_view(user), s.org_view()))
        .ok_or_else(Failure::internal)?;
    Ok(Json(TokenResponse {
        session_token,
        session_id: session,
        user: user_view.ok_or_else(Failure::internal)?,
        org: org_view,
    }))
}
