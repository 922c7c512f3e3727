//! The routes and what every handler shares ([`App`]): the organizations ([`Hub`]), the
//! sign-in limits, the root key, the Gmail broker. `GET /api/v1/version` and `GET
//! /api/v1/openapi.json` need no session; the sign-in page and the token exchange make one;
//! Gmail's push carries Google's token instead; everything else under `/api/v1` needs one.
//! A desktop that names another wire version in `helpr-proto-version` is refused with
//! `unsupported_version` before any handler runs.
//!
//! Every request's body is read whole (up to [`MAX_BODY`], or a message's limit for Gmail's send) before it is routed, so that no
//! answer leaves part of a body unread: a refusal that came before the body had arrived (no
//! session, a malformed path) made hyper close the connection after answering, without saying
//! so, and the client's next request on it failed with a broken connection instead of an
//! answer. A body over the limit is refused with 413 and `Connection: close`. The cost is at
//! most [`MAX_BODY`] buffered per request, which the handlers' JSON bodies took anyway.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::CONNECTION;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use helpr_crypto::KeyStore;
use helpr_policy::User;
use helpr_proto::error::ErrorCode;
use helpr_proto::views::VersionView;
use helpr_proto::{PROTO_VERSION, VERSION_HEADER};

use crate::api::{self, body::MAX_BODY};
use crate::auth::limit::Limits;
use crate::auth::session::Caller;
use crate::auth::{page, session};
use crate::error::Failure;
use crate::gmail::broker::Broker;
use crate::gmail::{connect, proxy, push, send};
use crate::openapi;
use crate::org::hub::{Hub, Prepared};
use crate::org::state::OrgState;
use crate::secure::{self, reader, sender};
use crate::socket::connection;
use crate::socket::presence::Presence;

/// What every handler shares.
pub struct App {
    pub hub: Arc<Hub>,
    pub limits: Limits,
    pub presence: Arc<Presence>,
    /// The server's root key and the tenant keys unwrapped with it.
    pub keys: Arc<KeyStore>,
    /// The Gmail broker.
    pub gmail: Arc<Broker>,
    /// Secure email's limits on code requests and tries.
    pub secure_limits: secure::codes::Limits,
}

impl App {
    /// Reads the caller's organization: `f` gets the state, the caller as the policy sees them,
    /// and the time.
    pub fn read<T>(
        &self,
        caller: &Caller,
        f: impl FnOnce(&OrgState, &User, i64) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let now = self.hub.clock().now();
        self.hub
            .read(caller.org, |s| {
                let me = s.policy_user(caller.user).ok_or_else(|| {
                    Failure::unauthenticated("this session's user no longer exists")
                })?;
                f(s, &me, now)
            })
            .ok_or_else(Failure::not_found)?
    }

    /// Decides and appends a change to the caller's organization (see [`Hub::change`]).
    pub async fn change(
        &self,
        caller: &Caller,
        mut prepare: impl FnMut(&OrgState, &User, i64) -> Result<Prepared, Failure>,
    ) -> Result<u64, Failure> {
        self.hub
            .change(caller.org, Some(caller.user), |s, now| {
                let me = s.policy_user(caller.user).ok_or_else(|| {
                    Failure::unauthenticated("this session's user no longer exists")
                })?;
                prepare(s, &me, now)
            })
            .await
    }
}

/// Every route of the server.
pub fn router(app: Arc<App>) -> Router {
    let api = gmail_api(Router::new())
        .route("/version", get(version))
        .route("/openapi.json", get(openapi::document))
        .route("/token", post(session::exchange))
        .route("/socket", get(connection::upgrade))
        .route("/me", get(api::org::me))
        .route("/me/password", post(api::org::change_password))
        .route("/snapshot", get(api::org::snapshot))
        .route("/org", get(api::org::org))
        .route("/audit", get(api::audit::entries))
        .route("/audit/verify", get(api::audit::verify))
        .route("/users", get(api::org::users).post(api::org::create_user))
        .route(
            "/users/{user}",
            axum::routing::patch(api::org::change_user).delete(api::org::remove_user),
        )
        .route("/users/{user}/sessions", get(api::sessions::of_user))
        .route(
            "/users/{user}/sessions/{session}",
            delete(api::sessions::revoke_of_user),
        )
        .route("/sessions", get(api::sessions::mine))
        .route("/sessions/{session}", delete(api::sessions::revoke_mine))
        .route("/teams", get(api::org::teams).post(api::org::create_team))
        .route(
            "/teams/{team}",
            axum::routing::patch(api::org::change_team).delete(api::org::delete_team),
        )
        .route(
            "/inboxes",
            get(api::inboxes::list).post(api::inboxes::create),
        )
        .route(
            "/inboxes/{inbox}",
            get(api::inboxes::get)
                .patch(api::inboxes::change)
                .delete(api::inboxes::delete),
        )
        .route(
            "/inboxes/{inbox}/members/{user}",
            put(api::inboxes::set_member).delete(api::inboxes::remove_member),
        )
        .route(
            "/inboxes/{inbox}/override",
            post(api::inboxes::start_override),
        )
        .route(
            "/inboxes/{inbox}/conversations/{thread}",
            get(api::conversations::get),
        )
        .route(
            "/inboxes/{inbox}/conversations/{thread}/assignees",
            put(api::conversations::assign),
        )
        .route(
            "/inboxes/{inbox}/gmail",
            get(connect::status).delete(connect::disconnect),
        )
        .route("/inboxes/{inbox}/gmail/connect", post(connect::start))
        .route(
            "/inboxes/{inbox}/gmail/connect/finish",
            post(connect::finish),
        )
        .route(
            "/inboxes/{inbox}/gmail/send",
            post(send::send).layer(DefaultBodyLimit::max(send::MAX_SEND_BODY)),
        )
        .route("/gmail/push", post(push::receive))
        .route(
            "/inboxes/{inbox}/secure",
            get(sender::list).post(sender::create).layer(entry_limit()),
        )
        .route(
            "/inboxes/{inbox}/secure/{id}/thread",
            put(sender::bind_thread),
        )
        .route(
            "/inboxes/{inbox}/secure/{id}/entries",
            post(sender::answer).layer(entry_limit()),
        )
        .route(
            "/inboxes/{inbox}/secure/{id}/entries/{n}",
            get(sender::entry),
        )
        .route("/inboxes/{inbox}/secure/{id}/revoke", post(sender::revoke))
        .route("/inboxes/{inbox}/secure/{id}/unlock", post(sender::unlock))
        .route("/secure/{id}/code", post(reader::request_code))
        .route("/secure/{id}/verify", post(reader::verify))
        .route("/secure/{id}/thread", get(reader::thread))
        .route(
            "/secure/{id}/entries/{n}/attachments/{k}",
            get(reader::attachment),
        )
        .route(
            "/secure/{id}/reply",
            post(reader::reply).layer(entry_limit()),
        )
        .fallback(not_found)
        .layer(middleware::from_fn(check_version));
    Router::new()
        .nest("/api/v1", api)
        .route("/sign-in", get(page::show).post(page::submit))
        .route("/s/{id}", get(secure::page::show))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(read_body_first))
        .with_state(app)
}

/// The body limit of the routes that carry a secure message's entry.
fn entry_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(secure::MAX_ENTRY_BODY)
}

/// The Gmail-API-shaped proxy of one inbox ([`proxy`]), under `/inboxes/{inbox}/gmail/v1/users/me`.
fn gmail_api(api: Router<Arc<App>>) -> Router<Arc<App>> {
    const ME: &str = "/inboxes/{inbox}/gmail/v1/users/me";
    api.route(&format!("{ME}/profile"), get(proxy::profile))
        .route(
            &format!("{ME}/labels"),
            get(proxy::labels).post(proxy::create_label),
        )
        .route(&format!("{ME}/messages"), get(proxy::list_messages))
        .route(
            &format!("{ME}/messages/{{message}}"),
            get(proxy::get_message),
        )
        .route(
            &format!("{ME}/messages/{{message}}/modify"),
            post(proxy::modify),
        )
        .route(
            &format!("{ME}/messages/{{message}}/trash"),
            post(proxy::trash),
        )
        .route(
            &format!("{ME}/messages/{{message}}/untrash"),
            post(proxy::untrash),
        )
        .route(&format!("{ME}/history"), get(proxy::history))
}

/// Reads the request's whole body before anything answers it (see the module's comment).
async fn read_body_first(request: Request, next: Next) -> Response {
    use http_body_util::{BodyExt as _, LengthLimitError, Limited};

    // A message to send may be as large as Gmail takes, and so may a secure message's entry;
    // every other body is small JSON.
    let path = request.uri().path();
    let limit = if path.ends_with("/gmail/send") {
        send::MAX_SEND_BODY
    } else if secure::carries_entry(path) {
        secure::MAX_ENTRY_BODY
    } else {
        MAX_BODY
    };
    let too_large = || {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("the body is larger than {limit} bytes"),
        )
    };
    let (parts, body) = request.into_parts();
    // A body announced as too large is refused before any of it is waited for.
    let announced = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let read = match announced {
        Some(length) if length > limit as u64 => Err(too_large()),
        _ => match Limited::new(body, limit).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
            Err(_) => Err(Failure::invalid("the body could not be read")),
        },
    };
    match read {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(failure) => {
            // The rest of the body is not read: the connection cannot carry another request.
            let mut response = failure.into_response();
            let headers = response.headers_mut();
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
            headers.insert(VERSION_HEADER, HeaderValue::from(PROTO_VERSION));
            response
        }
    }
}

async fn not_found() -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "no such endpoint",
    )
}

/// Refuses a request that names another wire version; answers with this server's.
async fn check_version(request: Request, next: Next) -> Response {
    let asked = request
        .headers()
        .get(VERSION_HEADER)
        .map(|v| v.to_str().map(str::trim));
    let ours = PROTO_VERSION.to_string();
    let mut response = match asked {
        Some(Ok(v)) if v == ours => next.run(request).await,
        None => next.run(request).await,
        Some(_) => Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedVersion,
            format!("this server speaks wire version {PROTO_VERSION}; update helpr"),
        )
        .into_response(),
    };
    response.headers_mut().insert(
        VERSION_HEADER,
        HeaderValue::from_str(&ours).expect("digits"),
    );
    response
}

/// `GET /api/v1/version`.
#[utoipa::path(get, path = "/api/v1/version", responses((status = 200, body = VersionView)))]
pub async fn version() -> Json<VersionView> {
    Json(VersionView {
        proto: PROTO_VERSION,
        server: env!("CARGO_PKG_VERSION").to_owned(),
    })
}
