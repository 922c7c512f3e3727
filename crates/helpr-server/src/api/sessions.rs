//! Sessions: everyone lists and revokes their own; owners and admins those of anyone in the
//! organization. A revoked session is refused from its next request on, on every replica.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use helpr_policy::{decide, Action, Object, UserId};
use helpr_proto::error::ApiError;
use helpr_proto::views::SessionView;

use super::path::Path;
use crate::app::App;
use crate::auth::session::Caller;
use crate::error::Failure;
use crate::org::record::Record;

/// `GET /api/v1/sessions`: my sessions.
#[utoipa::path(get, path = "/api/v1/sessions", security(("session" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = ApiError)))]
pub async fn mine(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<Vec<SessionView>>, Failure> {
    app.read(&caller, |s, _, _| {
        Ok(Json(s.session_views(caller.user, Some(caller.session))))
    })
}

/// `DELETE /api/v1/sessions/{session}`: ends one of my sessions (this one: signs out).
#[utoipa::path(delete, path = "/api/v1/sessions/{session}", security(("session" = [])),
    params(("session" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn revoke_mine(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(session): Path<i64>,
) -> Result<StatusCode, Failure> {
    app.change(&caller, |s, _, _| {
        match s.sessions.get(&session) {
            Some(rec) if rec.user == caller.user => {}
            _ => return Err(Failure::not_found()),
        }
        Ok(Record::SessionRevoked { session }.into())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/users/{user}/sessions`.
#[utoipa::path(get, path = "/api/v1/users/{user}/sessions", security(("session" = [])),
    params(("user" = i64, Path)),
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn of_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(user): Path<i64>,
) -> Result<Json<Vec<SessionView>>, Failure> {
    let user = UserId(user);
    app.read(&caller, |s, me, now| {
        decide(me, Action::ManageSessions, Object::Organization(s.id), now)?;
        if !s.users.contains_key(&user) {
            return Err(Failure::not_found());
        }
        Ok(Json(s.session_views(user, Some(caller.session))))
    })
}

/// `DELETE /api/v1/users/{user}/sessions/{session}`.
#[utoipa::path(delete, path = "/api/v1/users/{user}/sessions/{session}", security(("session" = [])),
    params(("user" = i64, Path), ("session" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn revoke_of_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((user, session)): Path<(i64, i64)>,
) -> Result<StatusCode, Failure> {
    let user = UserId(user);
    app.change(&caller, |s, me, now| {
        decide(me, Action::ManageSessions, Object::Organization(s.id), now)?;
        match s.sessions.get(&session) {
            Some(rec) if rec.user == user => {}
            _ => return Err(Failure::not_found()),
        }
        Ok(Record::SessionRevoked { session }.into())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
