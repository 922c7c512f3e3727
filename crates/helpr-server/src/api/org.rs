//! Who I am (`/me`), what I am entitled to (`/snapshot`), the organization, its users and its
//! teams.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use helpr_policy::{decide, Action, Object, OrgRole, TeamId, UserId};
use helpr_proto::error::ApiError;
use helpr_proto::requests::{
    ChangePassword, ChangeTeam, ChangeUser, CreateTeam, CreateUser, MeView,
};
use helpr_proto::snapshot::Snapshot;
use helpr_proto::views::{OrgView, TeamView, UserView};

use super::body::Body;
use super::check;
use super::path::Path;
use crate::app::App;
use crate::auth::password;
use crate::auth::session::Caller;
use crate::error::Failure;
use crate::org::hub::Prepared;
use crate::org::record::Record;
use crate::org::state::OrgState;
use crate::store::queries;

type Answer<T> = Result<Json<T>, Failure>;

/// `GET /api/v1/me`.
#[utoipa::path(get, path = "/api/v1/me", security(("session" = [])),
    responses((status = 200, body = MeView), (status = 401, body = ApiError)))]
pub async fn me(State(app): State<Arc<App>>, caller: Caller) -> Answer<MeView> {
    app.read(&caller, |s, _, _| {
        Ok(Json(MeView {
            user: s.user_view(caller.user).ok_or_else(Failure::internal)?,
            org: s.org_view(),
            session_id: caller.session,
        }))
    })
}

/// `GET /api/v1/snapshot`: every inbox open to me, as of the organization's sequence number.
#[utoipa::path(get, path = "/api/v1/snapshot", security(("session" = [])),
    responses((status = 200, body = Snapshot), (status = 401, body = ApiError)))]
pub async fn snapshot(State(app): State<Arc<App>>, caller: Caller) -> Answer<Snapshot> {
    app.read(&caller, |s, _, now| {
        s.snapshot(caller.user, now)
            .map(Json)
            .ok_or_else(Failure::internal)
    })
}

/// `POST /api/v1/me/password`.
#[utoipa::path(post, path = "/api/v1/me/password", security(("session" = [])),
    request_body = ChangePassword,
    responses((status = 204), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn change_password(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(req): Body<ChangePassword>,
) -> Result<StatusCode, Failure> {
    password::check_new(&req.new)?;
    let email = app.read(&caller, |s, _, _| {
        Ok(s.users.get(&caller.user).map(|u| u.email.clone()))
    })?;
    let email = email.ok_or_else(Failure::internal)?;
    let stored = app
        .hub
        .db()
        .run(move |tx| queries::credential_by_email(tx, &email))
        .await?
        .ok_or_else(Failure::internal)?;
    if !password::verify(req.current, stored.hash).await {
        return Err(Failure::invalid("the current password is wrong"));
    }
    let hash = password::hash(req.new).await?;
    let user = caller.user;
    app.hub
        .db()
        .run(move |tx| queries::set_password(tx, user, &hash))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/org`.
#[utoipa::path(get, path = "/api/v1/org", security(("session" = [])),
    responses((status = 200, body = OrgView), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn org(State(app): State<Arc<App>>, caller: Caller) -> Answer<OrgView> {
    app.read(&caller, |s, me, now| {
        decide(
            me,
            Action::ViewOrganization,
            Object::Organization(s.id),
            now,
        )?;
        Ok(Json(s.org_view()))
    })
}

/// `GET /api/v1/users`.
#[utoipa::path(get, path = "/api/v1/users", security(("session" = [])),
    responses((status = 200, body = Vec<UserView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn users(State(app): State<Arc<App>>, caller: Caller) -> Answer<Vec<UserView>> {
    app.read(&caller, |s, me, now| {
        decide(
            me,
            Action::ViewOrganization,
            Object::Organization(s.id),
            now,
        )?;
        Ok(Json(
            s.users.keys().filter_map(|id| s.user_view(*id)).collect(),
        ))
    })
}

/// Owners may be made and changed only by owners; the last owner stays one.
fn check_owner_change(
    s: &OrgState,
    me: &helpr_policy::User,
    now: i64,
    target: Option<UserId>,
    new_role: Option<OrgRole>,
) -> Result<(), Failure> {
    let target_is_owner = target
        .and_then(|t| s.users.get(&t))
        .is_some_and(|u| u.role == OrgRole::Owner);
    if target_is_owner || new_role == Some(OrgRole::Owner) {
        decide(me, Action::ManageOwners, Object::Organization(s.id), now)?;
    }
    let owners = s
        .users
        .values()
        .filter(|u| u.role == OrgRole::Owner)
        .count();
    if target_is_owner && new_role != Some(OrgRole::Owner) && owners <= 1 {
        return Err(Failure::conflict(
            "the organization's last owner stays an owner; make someone else owner first",
        ));
    }
    Ok(())
}

/// `POST /api/v1/users`.
#[utoipa::path(post, path = "/api/v1/users", security(("session" = [])), request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(req): Body<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), Failure> {
    // Decided before the body is checked and the (slow) hashing; decided again on the state the
    // record is appended to.
    app.read(&caller, |s, me, now| {
        decide(me, Action::ManageUsers, Object::Organization(s.id), now)?;
        check_owner_change(s, me, now, None, Some(req.role))
    })?;
    let name = check::name(&req.name, "name")?;
    let email = check::email(&req.email)?;
    password::check_new(&req.password)?;
    let hash = password::hash(req.password).await?;
    let user = UserId(app.hub.next_id().await?);
    let org = caller.org;
    app.change(&caller, |s, me, now| {
        decide(me, Action::ManageUsers, Object::Organization(s.id), now)?;
        check_owner_change(s, me, now, None, Some(req.role))?;
        let (email, hash) = (email.clone(), hash.clone());
        Ok(Prepared::with(
            Record::UserAdded {
                user,
                name: name.clone(),
                email: email.clone(),
                role: req.role,
            },
            Box::new(move |tx| queries::insert_credential(tx, user, org, &email, &hash)),
        ))
    })
    .await
    .map_err(|f| {
        if f.body.code == helpr_proto::error::ErrorCode::Conflict {
            Failure::conflict("a user with this email address exists")
        } else {
            f
        }
    })?;
    let view = app.hub.read(org, |s| s.user_view(user)).flatten();
    Ok((
        StatusCode::CREATED,
        Json(view.ok_or_else(Failure::internal)?),
    ))
}

/// `PATCH /api/v1/users/{user}`.
#[utoipa::path(patch, path = "/api/v1/users/{user}", security(("session" = [])), request_body = ChangeUser,
    params(("user" = i64, Path)),
    responses((status = 200, body = UserView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn change_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(user): Path<i64>,
    Body(req): Body<ChangeUser>,
) -> Answer<UserView> {
    let user = UserId(user);
    let name = req
        .name
        .as_deref()
        .map(|n| check::name(n, "name"))
        .transpose();
    app.change(&caller, |s, me, now| {
        decide(me, Action::ManageUsers, Object::Organization(s.id), now)?;
        let name = name.clone()?;
        if !s.users.contains_key(&user) {
            return Err(Failure::not_found());
        }
        check_owner_change(
            s,
            me,
            now,
            Some(user),
            Some(req.role.unwrap_or(s.users[&user].role)),
        )?;
        Ok(Record::UserChanged {
            user,
            name: name.clone(),
            role: req.role,
        }
        .into())
    })
    .await?;
    app.hub
        .read(caller.org, |s| s.user_view(user))
        .flatten()
        .map(Json)
        .ok_or_else(Failure::internal)
}

/// `DELETE /api/v1/users/{user}`: the user leaves the organization; their sessions end.
#[utoipa::path(delete, path = "/api/v1/users/{user}", security(("session" = [])),
    params(("user" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn remove_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(user): Path<i64>,
) -> Result<StatusCode, Failure> {
    let user = UserId(user);
    app.change(&caller, |s, me, now| {
        decide(me, Action::ManageUsers, Object::Organization(s.id), now)?;
        if !s.users.contains_key(&user) {
            return Err(Failure::not_found());
        }
        check_owner_change(s, me, now, Some(user), None)?;
        Ok(Prepared::with(
            Record::UserRemoved { user },
            Box::new(move |tx| queries::delete_credential(tx, user)),
        ))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/teams`.
#[utoipa::path(get, path = "/api/v1/teams", security(("session" = [])),
    responses((status = 200, body = Vec<TeamView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn teams(State(app): State<Arc<App>>, caller: Caller) -> Answer<Vec<TeamView>> {
    app.read(&caller, |s, me, now| {
        decide(
            me,
            Action::ViewOrganization,
            Object::Organization(s.id),
            now,
        )?;
        Ok(Json(
            s.teams.keys().filter_map(|id| s.team_view(*id)).collect(),
        ))
    })
}

fn unique_team_name(s: &OrgState, name: &str, except: Option<TeamId>) -> Result<(), Failure> {
    if s.teams
        .iter()
        .any(|(id, t)| Some(*id) != except && t.name.eq_ignore_ascii_case(name))
    {
        return Err(Failure::conflict("a team with this name exists"));
    }
    Ok(())
}

/// `POST /api/v1/teams`.
#[utoipa::path(post, path = "/api/v1/teams", security(("session" = [])), request_body = CreateTeam,
    responses((status = 201, body = TeamView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create_team(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(req): Body<CreateTeam>,
) -> Result<(StatusCode, Json<TeamView>), Failure> {
    let name = check::name(&req.name, "team name");
    let team = TeamId(app.hub.next_id().await?);
    app.change(&caller, |s, me, now| {
        decide(me, Action::ManageTeams, Object::Organization(s.id), now)?;
        let name = name.clone()?;
        check::users_exist(s, &req.members)?;
        unique_team_name(s, &name, None)?;
        Ok(Record::TeamCreated {
            team,
            name: name.clone(),
            members: req.members.clone(),
        }
        .into())
    })
    .await?;
    let view = app.hub.read(caller.org, |s| s.team_view(team)).flatten();
    Ok((
        StatusCode::CREATED,
        Json(view.ok_or_else(Failure::internal)?),
    ))
}

/// `PATCH /api/v1/teams/{team}`.
#[utoipa::path(patch, path = "/api/v1/teams/{team}", security(("session" = [])), request_body = ChangeTeam,
    params(("team" = i64, Path)),
    responses((status = 200, body = TeamView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn change_team(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(team): Path<i64>,
    Body(req): Body<ChangeTeam>,
) -> Answer<TeamView> {
    let team = TeamId(team);
    let name = req
        .name
        .as_deref()
        .map(|n| check::name(n, "team name"))
        .transpose();
    app.change(&caller, |s, me, now| {
        decide(me, Action::ManageTeams, Object::Organization(s.id), now)?;
        let name = name.clone()?;
        if !s.teams.contains_key(&team) {
            return Err(Failure::not_found());
        }
        if let Some(members) = &req.members {
            check::users_exist(s, members)?;
        }
        if let Some(name) = &name {
            unique_team_name(s, name, Some(team))?;
        }
        Ok(Record::TeamChanged {
            team,
            name: name.clone(),
            members: req.members.clone(),
        }
        .into())
    })
    .await?;
    app.hub
        .read(caller.org, |s| s.team_view(team))
        .flatten()
        .map(Json)
        .ok_or_else(Failure::internal)
}

/// `DELETE /api/v1/teams/{team}`: inboxes open to it close to its members (unless otherwise open).
#[utoipa::path(delete, path = "/api/v1/teams/{team}", security(("session" = [])),
    params(("team" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_team(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(team): Path<i64>,
) -> Result<StatusCode, Failure> {
    let team = TeamId(team);
    app.change(&caller, |s, me, now| {
        decide(me, Action::ManageTeams, Object::Organization(s.id), now)?;
        if !s.teams.contains_key(&team) {
            return Err(Failure::not_found());
        }
        Ok(Record::TeamDeleted { team }.into())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
