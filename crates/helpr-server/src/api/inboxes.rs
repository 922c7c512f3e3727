//! Inboxes: created and deleted by owners and admins, configured by them and by the inbox's
//! managers, with their members; and admin overrides.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use helpr_policy::{decide, Action, InboxId, Object, UserId, Visibility};
use helpr_proto::error::ApiError;
use helpr_proto::requests::{ChangeInbox, CreateInbox, OverrideView, SetMember, StartOverride};
use helpr_proto::views::InboxView;

use super::body::Body;
use super::check;
use super::path::Path;
use crate::app::App;
use crate::auth::session::Caller;
use crate::error::Failure;
use crate::org::record::Record;
use crate::org::state::OrgState;

/// The longest override, in minutes.
pub const MAX_OVERRIDE_MINUTES: u32 = 24 * 60;

fn view(app: &App, caller: &Caller, inbox: InboxId) -> Result<Json<InboxView>, Failure> {
    app.hub
        .read(caller.org, |s| s.inbox_view(inbox))
        .flatten()
        .map(Json)
        .ok_or_else(Failure::internal)
}

fn unique_name(s: &OrgState, name: &str, except: Option<InboxId>) -> Result<(), Failure> {
    if s.inboxes
        .iter()
        .any(|(id, i)| Some(*id) != except && i.name.eq_ignore_ascii_case(name))
    {
        return Err(Failure::conflict("an inbox with this name exists"));
    }
    Ok(())
}

/// An inbox open to teams names at least one; teams of another visibility are kept but unused.
fn check_teams(visibility: Visibility, teams: &[helpr_policy::TeamId]) -> Result<(), Failure> {
    if visibility == Visibility::Team && teams.is_empty() {
        return Err(Failure::invalid(
            "an inbox with team visibility must name at least one team",
        ));
    }
    Ok(())
}

/// `GET /api/v1/inboxes`: the inboxes I see, and for those who run the organization or manage
/// an inbox, the ones they configure.
#[utoipa::path(get, path = "/api/v1/inboxes", security(("session" = [])),
    responses((status = 200, body = Vec<InboxView>), (status = 401, body = ApiError)))]
pub async fn list(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<Vec<InboxView>>, Failure> {
    app.read(&caller, |s, me, now| {
        Ok(Json(
            s.inboxes
                .iter()
                .filter(|(_, rec)| {
                    let inbox = Object::Inbox(&rec.policy);
                    helpr_policy::can(me, Action::SeeInbox, inbox, now)
                        || helpr_policy::can(me, Action::ConfigureInbox, inbox, now)
                })
                .filter_map(|(id, _)| s.inbox_view(*id))
                .collect(),
        ))
    })
}

/// `POST /api/v1/inboxes`.
#[utoipa::path(post, path = "/api/v1/inboxes", security(("session" = [])), request_body = CreateInbox,
    responses((status = 201, body = InboxView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(req): Body<CreateInbox>,
) -> Result<(StatusCode, Json<InboxView>), Failure> {
    let name = check::name(&req.name, "inbox name");
    let inbox = InboxId(app.hub.next_id().await?);
    app.change(&caller, |s, me, now| {
        decide(me, Action::CreateInbox, Object::Organization(s.id), now)?;
        let name = name.clone()?;
        check_teams(req.visibility, &req.teams)?;
        check::teams_exist(s, &req.teams)?;
        unique_name(s, &name, None)?;
        Ok(Record::InboxCreated {
            inbox,
            name: name.clone(),
            visibility: req.visibility,
            teams: req.teams.clone(),
            assigned_only: req.assigned_only,
        }
        .into())
    })
    .await?;
    Ok((StatusCode::CREATED, view(&app, &caller, inbox)?))
}

/// `GET /api/v1/inboxes/{inbox}`.
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}", security(("session" = [])),
    params(("inbox" = i64, Path)),
    responses((status = 200, body = InboxView), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn get(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
) -> Result<Json<InboxView>, Failure> {
    let inbox = InboxId(inbox);
    app.read(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, Action::SeeInbox, Object::Inbox(&rec.policy), now)?;
        s.inbox_view(inbox).map(Json).ok_or_else(Failure::internal)
    })
}

/// `PATCH /api/v1/inboxes/{inbox}`.
#[utoipa::path(patch, path = "/api/v1/inboxes/{inbox}", security(("session" = [])), request_body = ChangeInbox,
    params(("inbox" = i64, Path)),
    responses((status = 200, body = InboxView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn change(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    Body(req): Body<ChangeInbox>,
) -> Result<Json<InboxView>, Failure> {
    let inbox = InboxId(inbox);
    let name = req
        .name
        .as_deref()
        .map(|n| check::name(n, "inbox name"))
        .transpose();
    app.change(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, Action::ConfigureInbox, Object::Inbox(&rec.policy), now)?;
        let name = name.clone()?;
        if let Some(teams) = &req.teams {
            check::teams_exist(s, teams)?;
        }
        let teams: Vec<_> = match &req.teams {
            Some(t) => t.clone(),
            None => rec.policy.teams.iter().copied().collect(),
        };
        // Checked when either changes (a team's deletion may have left it with none).
        if req.visibility.is_some() || req.teams.is_some() {
            check_teams(req.visibility.unwrap_or(rec.policy.visibility), &teams)?;
        }
        if let Some(name) = &name {
            unique_name(s, name, Some(inbox))?;
        }
        Ok(Record::InboxChanged {
            inbox,
            name: name.clone(),
            visibility: req.visibility,
            teams: req.teams.clone(),
            assigned_only: req.assigned_only,
        }
        .into())
    })
    .await?;
    view(&app, &caller, inbox)
}

/// `DELETE /api/v1/inboxes/{inbox}`: every desktop drops its mail.
#[utoipa::path(delete, path = "/api/v1/inboxes/{inbox}", security(("session" = [])),
    params(("inbox" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
) -> Result<StatusCode, Failure> {
    let inbox = InboxId(inbox);
    let org = caller.org;
    let gmail = app
        .hub
        .db()
        .run(move |tx| crate::store::gmail::account_of(tx, inbox))
        .await?
        .filter(|row| row.org == org);
    app.change(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, Action::DeleteInbox, Object::Inbox(&rec.policy), now)?;
        // Its sealed Gmail grant goes with it (revoked at Google below).
        Ok(crate::org::hub::Prepared::with(
            Record::InboxDeleted { inbox },
            Box::new(move |tx| crate::store::gmail::delete_account(tx, inbox)),
        ))
    })
    .await?;
    if let Some(row) = gmail {
        crate::gmail::connect::revoke_deleted(app.clone(), row);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/inboxes/{inbox}/members/{user}`: adds a member or sets their role.
#[utoipa::path(put, path = "/api/v1/inboxes/{inbox}/members/{user}", security(("session" = [])),
    request_body = SetMember, params(("inbox" = i64, Path), ("user" = i64, Path)),
    responses((status = 200, body = InboxView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn set_member(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, user)): Path<(i64, i64)>,
    Body(req): Body<SetMember>,
) -> Result<Json<InboxView>, Failure> {
    let (inbox, user) = (InboxId(inbox), UserId(user));
    app.change(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, Action::ManageMembers, Object::Inbox(&rec.policy), now)?;
        check::users_exist(s, &[user])?;
        Ok(Record::MemberSet {
            inbox,
            user,
            role: req.role,
            assigned_only: req.assigned_only,
        }
        .into())
    })
    .await?;
    view(&app, &caller, inbox)
}

/// `DELETE /api/v1/inboxes/{inbox}/members/{user}`.
#[utoipa::path(delete, path = "/api/v1/inboxes/{inbox}/members/{user}", security(("session" = [])),
    params(("inbox" = i64, Path), ("user" = i64, Path)),
    responses((status = 200, body = InboxView), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn remove_member(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, user)): Path<(i64, i64)>,
) -> Result<Json<InboxView>, Failure> {
    let (inbox, user) = (InboxId(inbox), UserId(user));
    app.change(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, Action::ManageMembers, Object::Inbox(&rec.policy), now)?;
        if !rec.policy.members.contains_key(&user) {
            return Err(Failure::not_found());
        }
        Ok(Record::MemberRemoved { inbox, user }.into())
    })
    .await?;
    view(&app, &caller, inbox)
}

/// `POST /api/v1/inboxes/{inbox}/override`: an owner or admin opens the inbox for a while
/// (written to the audit trail).
#[utoipa::path(post, path = "/api/v1/inboxes/{inbox}/override", security(("session" = [])),
    request_body = StartOverride, params(("inbox" = i64, Path)),
    responses((status = 201, body = OverrideView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn start_override(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(inbox): Path<i64>,
    Body(req): Body<StartOverride>,
) -> Result<(StatusCode, Json<OverrideView>), Failure> {
    let inbox = InboxId(inbox);
    let mut until = 0;
    app.change(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        decide(me, Action::StartOverride, Object::Inbox(&rec.policy), now)?;
        if !(1..=MAX_OVERRIDE_MINUTES).contains(&req.minutes) {
            return Err(Failure::invalid(format!(
                "an override lasts 1 to {MAX_OVERRIDE_MINUTES} minutes"
            )));
        }
        until = now + i64::from(req.minutes) * 60;
        Ok(Record::OverrideStarted {
            user: caller.user,
            inbox,
            until,
        }
        .into())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(OverrideView { inbox, until })))
}
