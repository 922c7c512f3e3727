//! A conversation's assignment: who it is assigned to and who started it. The conversation
//! itself (its messages) comes from Gmail through the broker; here it is only an id.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use helpr_policy::{decide, inbox_access, Action, InboxId, Object, UserId};
use helpr_proto::error::ApiError;
use helpr_proto::requests::{ConversationView, SetAssignees};

use super::body::Body;
use super::check;
use super::path::Path;
use crate::app::App;
use crate::auth::session::Caller;
use crate::error::Failure;
use crate::org::record::Record;
use crate::org::state::OrgState;

/// At most this many assignees per conversation.
pub const MAX_ASSIGNEES: usize = 20;

fn view(s: &OrgState, inbox: InboxId, thread: &str) -> ConversationView {
    let c = s.conversation(inbox, thread);
    ConversationView {
        inbox,
        thread: thread.to_owned(),
        assignees: c.assignees.into_iter().collect(),
        started_by: c.started_by,
    }
}

/// `GET /api/v1/inboxes/{inbox}/conversations/{thread}`.
#[utoipa::path(get, path = "/api/v1/inboxes/{inbox}/conversations/{thread}", security(("session" = [])),
    params(("inbox" = i64, Path), ("thread" = String, Path)),
    responses((status = 200, body = ConversationView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, thread)): Path<(i64, String)>,
) -> Result<Json<ConversationView>, Failure> {
    let inbox = InboxId(inbox);
    check::thread(&thread)?;
    app.read(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        let conversation = s.conversation(inbox, &thread);
        decide(
            me,
            Action::ReadConversation,
            Object::Conversation(&rec.policy, &conversation),
            now,
        )?;
        Ok(Json(view(s, inbox, &thread)))
    })
}

/// `PUT /api/v1/inboxes/{inbox}/conversations/{thread}/assignees`: assigns the conversation to
/// exactly these users (none: unassigned). Each one added must be entitled to the inbox (an
/// override does not count).
#[utoipa::path(put, path = "/api/v1/inboxes/{inbox}/conversations/{thread}/assignees", security(("session" = [])),
    request_body = SetAssignees, params(("inbox" = i64, Path), ("thread" = String, Path)),
    responses((status = 200, body = ConversationView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn assign(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((inbox, thread)): Path<(i64, String)>,
    Body(req): Body<SetAssignees>,
) -> Result<Json<ConversationView>, Failure> {
    let inbox = InboxId(inbox);
    check::thread(&thread)?;
    let mut assignees: Vec<UserId> = req.assignees.clone();
    assignees.sort();
    assignees.dedup();
    app.change(&caller, |s, me, now| {
        let rec = check::inbox(s, inbox)?;
        let conversation = s.conversation(inbox, &thread);
        decide(
            me,
            Action::Assign,
            Object::Conversation(&rec.policy, &conversation),
            now,
        )?;
        if assignees.len() > MAX_ASSIGNEES {
            return Err(Failure::invalid(format!(
                "a conversation has at most {MAX_ASSIGNEES} assignees"
            )));
        }
        check::users_exist(s, &assignees)?;
        // Each one added must be able to open the inbox (those already assigned may stay).
        for user in assignees
            .iter()
            .filter(|u| !conversation.assignees.contains(u))
        {
            let entitled = s
                .policy_user(*user)
                .and_then(|u| inbox_access(&u, &rec.policy, now))
                .is_some_and(|a| a.via != helpr_policy::Via::Override);
            if !entitled {
                return Err(Failure::invalid(format!(
                    "user {} cannot open this inbox, so cannot be assigned in it",
                    user.0
                )));
            }
        }
        Ok(Record::Assigned {
            inbox,
            thread: thread.clone(),
            assignees: assignees.clone(),
        }
        .into())
    })
    .await?;
    app.hub
        .read(caller.org, |s| Json(view(s, inbox, &thread)))
        .ok_or_else(Failure::internal)
}
