//! The organization's audit trail, for its owners and admins: the entries, a page at a time,
//! with the keyed hashes resolved to the users, teams, inboxes and sessions that still exist;
//! and the chain verified.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use helpr_policy::{decide, Action, Object, UserId};
use helpr_proto::error::ApiError;
use helpr_proto::views::{AuditEntryView, AuditVerdictView};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::App;
use crate::audit;
use crate::auth::session::Caller;
use crate::error::Failure;

/// The largest page.
pub const MAX_PAGE: i64 = 1_000;

/// `?after=N&limit=M`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Page {
    /// Entries after this number (default 0: from the start).
    pub after: Option<i64>,
    /// At most this many (default and maximum 1,000).
    pub limit: Option<i64>,
}

fn allowed(app: &App, caller: &Caller) -> Result<(), Failure> {
    app.read(caller, |s, me, now| {
        Ok(decide(
            me,
            Action::ViewAudit,
            Object::Organization(s.id),
            now,
        )?)
    })
}

/// `GET /api/v1/audit`.
#[utoipa::path(get, path = "/api/v1/audit", security(("session" = [])), params(Page),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn entries(
    State(app): State<Arc<App>>,
    caller: Caller,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntryView>>, Failure> {
    allowed(&app, &caller)?;
    let Query(page) = page.map_err(|e| Failure::invalid(e.body_text()))?;
    let after = page.after.unwrap_or(0).max(0);
    let limit = page.limit.unwrap_or(MAX_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Failure::invalid(format!("limit is 1 to {MAX_PAGE}")));
    }
    let org = caller.org;
    let rows = app
        .hub
        .db()
        .run(move |tx| audit::entries(tx, org, after, limit))
        .await?;
    let keys = app.hub.keys().clone();
    let known = app
        .hub
        .read(org, |s| audit::resolver(&keys, s))
        .unwrap_or_default();
    let resolve = |r: &Option<String>| r.as_ref().and_then(|r| known.get(r)).copied();
    Ok(Json(
        rows.into_iter()
            .map(|e| AuditEntryView {
                n: e.n,
                seq: e.seq,
                at: e.at,
                actor: resolve(&e.actor_ref).map(UserId),
                object_id: resolve(&e.object_ref),
                actor_ref: e.actor_ref,
                action: e.action,
                object_kind: e.object_kind,
                object_ref: e.object_ref,
                detail: e.detail,
            })
            .collect(),
    ))
}

/// `GET /api/v1/audit/verify`.
#[utoipa::path(get, path = "/api/v1/audit/verify", security(("session" = [])),
    responses((status = 200, body = AuditVerdictView), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
pub async fn verify(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<AuditVerdictView>, Failure> {
    allowed(&app, &caller)?;
    let (org, keys) = (caller.org, app.hub.keys().clone());
    let verdict = app
        .hub
        .db()
        .run(move |tx| audit::verify(tx, &keys, org))
        .await?;
    Ok(Json(AuditVerdictView {
        entries: verdict.entries,
        intact: verdict.intact,
        problems: verdict.problems,
    }))
}
