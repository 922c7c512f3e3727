//! Connecting an inbox's Gmail account (`ConnectGmail`: owners and admins), the installed-app
//! flow (RFC 8252) with the server holding the secrets:
//!
//! 1. `POST …/gmail/connect {redirect_uri}`: the admin's desktop names its loopback; the
//!    server makes the PKCE verifier and `state`, keeps them (the verifier sealed), bound to
//!    the admin's session and the inbox, for 10 minutes and one use, and answers the
//!    authorization URL and `state`.
//! 2. The desktop opens the URL; Google sends the browser back to the loopback with a code;
//!    the desktop checks `state`.
//! 3. `POST …/gmail/connect/finish {state, code}`: the server exchanges the code with its
//!    verifier and the same redirect, asks Gmail for the account's address and history id,
//!    stores the refresh token and address sealed, and appends `GmailConnected` (no address
//!    in the log); with a push topic, it then watches the mailbox ([`super::watch`]).
//!
//! `GET …/gmail` shows the account to those who connect it; `DELETE …/gmail` stops the watch
//! (with a push topic), revokes the grant at Google, deletes it and appends
//! `GmailDisconnected`.

use std::sync::Arc;

use crate::api::path::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use helpr_gmail::api::types::Profile;
use helpr_gmail::oauth::GMAIL_SCOPE;
use helpr_gmail::OAuthError;
use helpr_policy::{decide, Action, InboxId, Object, OrgId};
use helpr_proto::error::ApiError;
use helpr_proto::gmail::{
    FinishGmailConnect, GmailAccountView, GmailAuthorization, StartGmailConnect,
};
use secrecy::{ExposeSecret as _, SecretString};

use super::broker::{bad_gateway, upstream, Upstream};
use super::sealing::{ACCOUNT, CONNECT};
use super::{decide_inbox, watch};
use crate::api::body::Body;
use crate::api::check;
use crate::app::App;
use crate::auth::session::Caller;
use crate::auth::{pkce, token};
use crate::error::Failure;
use crate::org::hub::Prepared;
use crate::org::record::Record;
use crate::store::gmail::{self as rows, AccountRow, PendingConnect};

/// How long a connection attempt waits for its code.
pub const CONNECT_LIFETIME: i64 = 10 * 60;

/// The account as its admins see it.
async fn account_view(app: &App, org: OrgId, inbox: InboxId) -> Result<GmailAccountView, Failure> {
    let row = app
        .gmail
        .sealer
        .db()
        .run(move |tx| rows::account_of(tx, inbox))
        .await?
        .filter(|r| r.org == org);
    let Some(row) = row else {
        return Ok(GmailAccountView {
            inbox,
            connected: false,
            address: None,
            reconnect_needed: false,
            history_id: None,
            connected_at: None,
        });
    };
    app.gmail.sealer.ready(org).await?;
    let address = app
        .gmail
        .sealer
        .open(org, ACCOUNT, inbox, "address", &row.address)?;
    Ok(GmailAccountView {
        inbox,
        connected: true,
        address: Some(address.as_str().to_owned()),
        reconnect_needed: row.reconnect_needed,
        history_id: Some(row.history_id),
        connected_at: Some(row.connected_at),
    })
}

/// `GET /api/v1/inboxes/{inbox}/gmail`: the inbox's account (address, health).
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/gmail", security(("session" = [])),
    params(("inbox" = i64, Path)),
    responses((status = 200, body = GmailAccountView), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn status(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
) -> Result<Json<GmailAccountView>, Failure> {
    let inbox = InboxId(inbox);
    decide_inbox(&app, &caller, inbox, Action::ConnectGmail)?;
    Ok(Json(account_view(&app, caller.org, inbox).await?))
}

/// `POST /api/v1/inboxes/{inbox}/gmail/connect`: the authorization URL for the admin's
/// browser, which comes back to `redirect_uri` (the admin's desktop's loopback).
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/gmail/connect", security(("session" = [])),
    request_body = StartGmailConnect, params(("inbox" = i64, Path)),
    responses((status = 200, body = GmailAuthorization), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 503, description = "no Gmail configuration", body = ApiError)))]
pub async fn start(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    Body(req): Body<StartGmailConnect>,
) -> Result<Json<GmailAuthorization>, Failure> {
    let inbox = InboxId(inbox);
    decide_inbox(&app, &caller, inbox, Action::ConnectGmail)?;
    let upstream = app.gmail.upstream()?;
    pkce::check_redirect(&req.redirect_uri).map_err(Failure::invalid)?;
    let request = upstream
        .oauth()?
        .authorization_request(&req.redirect_uri)
        .map_err(|_| Failure::invalid("the redirect is not a valid URL"))?;
    let org = caller.org;
    app.gmail.sealer.ready(org).await?;
    let verifier = app.gmail.sealer.seal(
        org,
        CONNECT,
        inbox,
        "verifier",
        request.verifier.expose_secret().as_bytes(),
    )?;
    let expires_at = app.hub.clock().now() + CONNECT_LIFETIME;
    let pending = PendingConnect {
        org,
        inbox,
        session: caller.session,
        redirect_uri: req.redirect_uri.clone(),
        verifier,
        expires_at,
    };
    let state_hash = token::digest(&request.state);
    app.hub
        .db()
        .run(move |tx| rows::insert_connect(tx, &state_hash, &pending))
        .await?;
    Ok(Json(GmailAuthorization {
        authorization_url: request.url,
        state: request.state,
        expires_at,
    }))
}

/// Why Google's token endpoint refused, for the admin.
fn exchange_failure(e: OAuthError) -> Failure {
    match e {
        OAuthError::CodeRejected => Failure::invalid(
            "Google refused the code (used, expired, or not from this attempt); connect again",
        ),
        OAuthError::NoRefreshToken => {
            bad_gateway("Google granted no refresh token; connect again and allow offline access")
        }
        OAuthError::InvalidClient => {
            bad_gateway("Google refused this server's OAuth client; check its Gmail configuration")
        }
        e => {
            tracing::warn!(error = %e, "Gmail code exchange");
            bad_gateway("the code could not be exchanged at Google")
        }
    }
}

/// The account's profile, asked with a fresh access token.
async fn profile(upstream: &Upstream, access: &SecretString) -> Result<Profile, Failure> {
    let url = format!(
        "{}/profile",
        upstream.config.gmail.api_url.trim_end_matches('/')
    );
    let response = upstream
        .http
        .get(url)
        .bearer_auth(access.expose_secret())
        .send()
        .await
        .map_err(|_| bad_gateway("could not reach Google"))?;
    if !response.status().is_success() {
        return Err(bad_gateway(&format!(
            "Gmail answered {} for the new account's profile",
            response.status().as_u16()
        )));
    }
    let body = response
        .bytes()
        .await
        .map_err(|_| bad_gateway("the profile broke off"))?;
    serde_json::from_slice(&body).map_err(|_| bad_gateway("the profile was not understood"))
}

/// `POST /api/v1/inboxes/{inbox}/gmail/connect/finish`: the code Google's redirect carried.
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/gmail/connect/finish", security(("session" = [])),
    request_body = FinishGmailConnect, params(("inbox" = i64, Path)),
    responses((status = 200, body = GmailAccountView), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 502, description = "Google refused or failed", body = ApiError),
        (status = 503, description = "no Gmail configuration", body = ApiError)))]
pub async fn finish(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    Body(req): Body<FinishGmailConnect>,
) -> Result<Json<GmailAccountView>, Failure> {
    let inbox = InboxId(inbox);
    decide_inbox(&app, &caller, inbox, Action::ConnectGmail)?;
    let upstream = app.gmail.upstream()?;
    let now = app.hub.clock().now();
    let state_hash = token::digest(&req.state);
    let taken = app
        .hub
        .db()
        .run(move |tx| rows::take_connect(tx, &state_hash, now))
        .await?;
    let org = caller.org;
    let pending = taken
        .filter(|p| {
            p.org == org && p.inbox == inbox && p.session == caller.session && now < p.expires_at
        })
        .ok_or_else(|| {
            Failure::invalid(
                "this connection attempt is unknown, used, expired or another session's; connect again",
            )
        })?;
    app.gmail.sealer.ready(org).await?;
    let verifier = app
        .gmail
        .sealer
        .open(org, CONNECT, inbox, "verifier", &pending.verifier)?;
    let tokens = upstream
        .oauth()?
        .exchange_code(
            &req.code,
            &SecretString::from(verifier.as_str().to_owned()),
            &pending.redirect_uri,
        )
        .await
        .map_err(exchange_failure)?;
    if !tokens.scope.iter().any(|s| s == GMAIL_SCOPE) {
        return Err(Failure::invalid(
            "the grant does not include Gmail access; connect again and allow it",
        ));
    }
    let profile = profile(upstream, &tokens.access_token).await?;
    let sealer = &app.gmail.sealer;
    let row = AccountRow {
        inbox,
        org,
        address: sealer.seal(
            org,
            ACCOUNT,
            inbox,
            "address",
            profile.email_address.as_bytes(),
        )?,
        refresh_token: sealer.seal(
            org,
            ACCOUNT,
            inbox,
            "refresh_token",
            tokens.refresh_token.expose_secret().as_bytes(),
        )?,
        history_id: profile.history_id.0,
        reconnect_needed: false,
        connected_at: now,
    };
    let mac = sealer.address_mac(&profile.email_address);
    app.change(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, Action::ConnectGmail, Object::Inbox(&rec.policy), now)?;
        let (row, mac) = (row.clone(), mac.clone());
        Ok(Prepared::with(
            Record::GmailConnected { inbox },
            Box::new(move |tx| rows::upsert_account(tx, &row, &mac)),
        ))
    })
    .await?;
    app.gmail.forget(inbox);
    if watch::enabled(&app) {
        watch::watch_logged(&app, org, inbox).await;
    }
    Ok(Json(account_view(&app, org, inbox).await?))
}

/// `DELETE /api/v1/inboxes/{inbox}/gmail`: revokes the grant at Google and forgets it.
#[utoipa::path(delete, path = "/api/v1/inboxes/{inbox}/gmail", security(("session" = [])),
    params(("inbox" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 502, description = "Google could not revoke", body = ApiError),
        (status = 503, description = "no Gmail configuration", body = ApiError)))]
pub async fn disconnect(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
) -> Result<StatusCode, Failure> {
    let inbox = InboxId(inbox);
    decide_inbox(&app, &caller, inbox, Action::ConnectGmail)?;
    let upstream = app.gmail.upstream()?;
    let org = caller.org;
    let row = app
        .hub
        .db()
        .run(move |tx| rows::account_of(tx, inbox))
        .await?
        .filter(|r| r.org == org)
        .ok_or_else(Failure::not_found)?;
    if watch::enabled(&app) {
        // A grant Google already refused has no watch to stop that this server could reach.
        if let Ok(connection) = app.gmail.connection(org, inbox).await {
            watch::stop(&app, &connection).await;
        }
    }
    revoke(&app, upstream, &row).await?;
    app.change(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, Action::ConnectGmail, Object::Inbox(&rec.policy), now)?;
        Ok(Prepared::with(
            Record::GmailDisconnected { inbox },
            Box::new(move |tx| rows::delete_account(tx, inbox)),
        ))
    })
    .await?;
    app.gmail.forget(inbox);
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes an account's grant at Google. Already gone there (revoked elsewhere, expired) is
/// done too.
pub async fn revoke(app: &App, upstream: &Upstream, row: &AccountRow) -> Result<(), Failure> {
    app.gmail.sealer.ready(row.org).await?;
    let refresh = app.gmail.sealer.open(
        row.org,
        ACCOUNT,
        row.inbox,
        "refresh_token",
        &row.refresh_token,
    )?;
    match upstream
        .oauth()?
        .revoke(&SecretString::from(refresh.as_str().to_owned()))
        .await
    {
        Ok(()) => Ok(()),
        Err(OAuthError::RevokeRefused { error, .. }) if error == "invalid_token" => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "revoking a Gmail grant");
            Err(upstream_revoke_failed())
        }
    }
}

/// After an inbox was deleted (its row with it): stops its watch (with a push topic) and
/// revokes the grant it had, when the server can still talk to Google, in the background
/// (the deletion is done either way).
pub fn revoke_deleted(app: Arc<App>, row: AccountRow) {
    tokio::spawn(async move {
        let Ok(upstream) = app.gmail.upstream() else {
            tracing::warn!(
                inbox = row.inbox.0,
                "a deleted inbox's Gmail grant could not be revoked: no Gmail configuration"
            );
            return;
        };
        if watch::enabled(&app) && app.gmail.sealer.ready(row.org).await.is_ok() {
            if let Ok(connection) = app.gmail.connect(&row) {
                watch::stop(&app, &connection).await;
            }
        }
        if revoke(&app, upstream, &row).await.is_err() {
            tracing::warn!(
                inbox = row.inbox.0,
                "a deleted inbox's Gmail grant could not be revoked"
            );
        }
    });
}

fn upstream_revoke_failed() -> Failure {
    upstream(
        StatusCode::BAD_GATEWAY,
        "Google could not revoke the grant; nothing was changed, try again",
    )
}
