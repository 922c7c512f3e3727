//! The permission matrix over real HTTPS: for every org role × inbox visibility × membership
//! (none, or a member role with or without its own assigned-only flag) × the inbox's
//! assigned-only × override (none, live, ended) × team membership × a conversation assigned to
//! the user or not, every endpoint the policy decides is asked, and each answer must be what
//! [`helpr_policy::decide`] says for the same facts: 2xx when allowed, 403 with the policy's
//! reason when refused. (The Gmail broker's one-action endpoints are asked too; this server
//! has no Gmail configuration, so allowed they answer 503, after the policy.) The sidebar list
//! and the snapshot must hold the inbox exactly when the policy opens it. Over the socket, a conversation's change and assignment must reach the
//! user exactly when the policy lets them read it.
//!
//! Each combination gets its own organization, set up by appending records to the log (as the
//! API would, without the password hashing), and a session whose token the test knows.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use helpr_policy::{
    decide, Action, Conversation, Denied, Inbox, InboxId, MemberRole, Object, OrgId, OrgRole,
    Override, TeamId, User, UserId, Visibility,
};
use helpr_proto::error::{ApiError, ErrorCode};
use helpr_proto::snapshot::{ConversationScope, Snapshot};
use helpr_proto::socket::{Change, ServerMessage};
use helpr_proto::views::InboxView;
use helpr_server::org::hub::{Hub, Prepared};
use helpr_server::org::record::Record;
use reqwest::Method;
use serde_json::json;
use support::Rig;

#[derive(Debug, Clone, Copy)]
struct Case {
    role: OrgRole,
    visibility: Visibility,
    membership: Option<(MemberRole, bool)>,
    inbox_assigned_only: bool,
    /// None, live, or ended.
    override_live: Option<bool>,
    in_team: bool,
    theirs: bool,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for role in OrgRole::ALL {
        for visibility in Visibility::ALL {
            let memberships = [None].into_iter().chain(
                MemberRole::ALL
                    .into_iter()
                    .flat_map(|r| [Some((r, false)), Some((r, true))]),
            );
            for membership in memberships {
                for inbox_assigned_only in [false, true] {
                    for override_live in [None, Some(true), Some(false)] {
                        for in_team in [false, true] {
                            for theirs in [false, true] {
                                out.push(Case {
                                    role,
                                    visibility,
                                    membership,
                                    inbox_assigned_only,
                                    override_live,
                                    in_team,
                                    theirs,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The ids of one combination's organization.
struct World {
    org: OrgId,
    subject: UserId,
    token: String,
    bystander: UserId,
    bystander_session: i64,
    other: UserId,
    team: TeamId,
    spare_team: TeamId,
    inbox: InboxId,
    spare_inbox: InboxId,
}

/// The facts the policy decides from, built by the test itself (not read from the server).
struct Facts {
    user: User,
    inbox: Inbox,
    spare_inbox: Inbox,
    conversation: Conversation,
}

async fn id(hub: &Hub) -> i64 {
    hub.next_id().await.unwrap()
}

async fn set_up(hub: &Arc<Hub>, case: Case, n: usize, owner_hash: &str) -> (World, Facts) {
    let (org, _owner) = hub
        .create_org(
            &format!("Org {n}"),
            "Owner",
            &format!("owner{n}@example.test"),
            owner_hash.to_owned(),
        )
        .await
        .unwrap();
    let w = World {
        org,
        subject: UserId(id(hub).await),
        token: helpr_server::auth::token::new_token(),
        bystander: UserId(id(hub).await),
        bystander_session: id(hub).await,
        other: UserId(id(hub).await),
        team: TeamId(id(hub).await),
        spare_team: TeamId(id(hub).await),
        inbox: InboxId(id(hub).await),
        spare_inbox: InboxId(id(hub).await),
    };
    let session = id(hub).await;
    let now = hub.clock().now();
    let until = match case.override_live {
        Some(true) => Some(now + 3600),
        Some(false) => Some(now - 1),
        None => None,
    };
    let user = |id, name: &str, role| Record::UserAdded {
        user: id,
        name: name.into(),
        email: format!("{name}{n}@example.test"),
        role,
    };
    let mut records = vec![
        user(w.subject, "subject", case.role),
        user(w.bystander, "bystander", OrgRole::Agent),
        user(w.other, "other", OrgRole::Agent),
        Record::SessionStarted {
            session,
            user: w.subject,
            device: "matrix".into(),
            token_hash: helpr_server::auth::token::digest_hex(&w.token),
        },
        Record::SessionStarted {
            session: w.bystander_session,
            user: w.bystander,
            device: "matrix".into(),
            token_hash: helpr_server::auth::token::digest_hex("bystander"),
        },
        Record::TeamCreated {
            team: w.team,
            name: "Team".into(),
            members: if case.in_team {
                vec![w.subject]
            } else {
                vec![]
            },
        },
        Record::TeamCreated {
            team: w.spare_team,
            name: "Spare".into(),
            members: vec![],
        },
        Record::InboxCreated {
            inbox: w.inbox,
            name: "Inbox".into(),
            visibility: case.visibility,
            teams: vec![w.team],
            assigned_only: case.inbox_assigned_only,
        },
        Record::InboxCreated {
            inbox: w.spare_inbox,
            name: "Spare inbox".into(),
            visibility: Visibility::Restricted,
            teams: vec![],
            assigned_only: false,
        },
        Record::MemberSet {
            inbox: w.inbox,
            user: w.bystander,
            role: MemberRole::Agent,
            assigned_only: false,
        },
    ];
    if let Some((role, flag)) = case.membership {
        records.push(Record::MemberSet {
            inbox: w.inbox,
            user: w.subject,
            role,
            assigned_only: flag,
        });
    }
    if case.theirs {
        records.push(Record::Assigned {
            inbox: w.inbox,
            thread: "t1".into(),
            assignees: vec![w.subject],
        });
    }
    if let Some(until) = until {
        records.push(Record::OverrideStarted {
            user: w.subject,
            inbox: w.inbox,
            until,
        });
    }
    hub.change(org, None, |_, _| {
        Ok(Prepared {
            records: records.clone(),
            also: None,
        })
    })
    .await
    .unwrap();

    let mut user = User::new(w.subject, org, case.role);
    if case.in_team {
        user.teams.insert(w.team);
    }
    if let Some(until) = until {
        user.overrides.push(Override {
            inbox: w.inbox,
            until,
        });
    }
    let mut inbox = Inbox::new(w.inbox, org, case.visibility, [w.team]).with_member(
        w.bystander,
        MemberRole::Agent,
        false,
    );
    inbox.assigned_only = case.inbox_assigned_only;
    if let Some((role, flag)) = case.membership {
        inbox = inbox.with_member(w.subject, role, flag);
    }
    let spare_inbox = Inbox::new(w.spare_inbox, org, Visibility::Restricted, []);
    let conversation = Conversation {
        assignees: if case.theirs {
            BTreeSet::from([w.subject])
        } else {
            BTreeSet::new()
        },
        started_by: None,
    };
    (
        w,
        Facts {
            user,
            inbox,
            spare_inbox,
            conversation,
        },
    )
}

/// One request of the matrix: the endpoint (as listed in `ENDPOINTS`), the concrete path, the
/// body, and the object it is about.
struct Ask {
    method: Method,
    endpoint: &'static str,
    path: String,
    body: Option<serde_json::Value>,
    object: Target,
    /// Allowed, this status (other than 2xx) is expected: a deliberately invalid body shows
    /// the policy let it through without paying for what a valid one costs.
    allowed_status: Option<u16>,
}

#[derive(Clone, Copy)]
enum Target {
    Org,
    Inbox,
    SpareInbox,
    Conversation,
}

/// Allowed, the Gmail broker of a server without Gmail configuration answers 503.
fn unconfigured(ask: Ask) -> Ask {
    Ask {
        allowed_status: Some(503),
        ..ask
    }
}

fn asks(w: &World, n: usize, current_assignees: &[UserId]) -> Vec<Ask> {
    use Method as M;
    let i = w.inbox.0;
    let ask = |method: Method,
               endpoint: &'static str,
               path: String,
               body: Option<serde_json::Value>,
               object| Ask {
        method,
        endpoint,
        path,
        body,
        object,
        allowed_status: None,
    };
    // Reads first, then changes that leave the subject's facts as they are, then removals.
    vec![
        ask(
            M::GET,
            "/api/v1/org",
            "/api/v1/org".into(),
            None,
            Target::Org,
        ),
        ask(
            M::GET,
            "/api/v1/users",
            "/api/v1/users".into(),
            None,
            Target::Org,
        ),
        ask(
            M::GET,
            "/api/v1/teams",
            "/api/v1/teams".into(),
            None,
            Target::Org,
        ),
        ask(
            M::GET,
            "/api/v1/audit",
            "/api/v1/audit".into(),
            None,
            Target::Org,
        ),
        ask(
            M::GET,
            "/api/v1/audit/verify",
            "/api/v1/audit/verify".into(),
            None,
            Target::Org,
        ),
        ask(
            M::GET,
            "/api/v1/inboxes/{inbox}",
            format!("/api/v1/inboxes/{i}"),
            None,
            Target::Inbox,
        ),
        ask(
            M::GET,
            "/api/v1/inboxes/{inbox}/conversations/{thread}",
            format!("/api/v1/inboxes/{i}/conversations/t1"),
            None,
            Target::Conversation,
        ),
        ask(
            M::GET,
            "/api/v1/users/{user}/sessions",
            format!("/api/v1/users/{}/sessions", w.bystander.0),
            None,
            Target::Org,
        ),
        Ask {
            // A password too short: allowed, it is refused for that, after the policy.
            allowed_status: Some(400),
            ..ask(
                M::POST,
                "/api/v1/users",
                "/api/v1/users".into(),
                Some(
                    json!({"name": "New", "email": format!("new{n}@example.test"), "role": "agent", "password": "short"}),
                ),
                Target::Org,
            )
        },
        ask(
            M::PATCH,
            "/api/v1/users/{user}",
            format!("/api/v1/users/{}", w.bystander.0),
            Some(json!({"name": "Renamed"})),
            Target::Org,
        ),
        ask(
            M::POST,
            "/api/v1/teams",
            "/api/v1/teams".into(),
            Some(json!({"name": "New team"})),
            Target::Org,
        ),
        ask(
            M::PATCH,
            "/api/v1/teams/{team}",
            format!("/api/v1/teams/{}", w.spare_team.0),
            Some(json!({"name": "Spare renamed"})),
            Target::Org,
        ),
        ask(
            M::POST,
            "/api/v1/inboxes",
            "/api/v1/inboxes".into(),
            Some(json!({"name": "New inbox", "visibility": "restricted"})),
            Target::Org,
        ),
        ask(
            M::PATCH,
            "/api/v1/inboxes/{inbox}",
            format!("/api/v1/inboxes/{i}"),
            Some(json!({"name": "Inbox renamed"})),
            Target::Inbox,
        ),
        ask(
            M::PUT,
            "/api/v1/inboxes/{inbox}/members/{user}",
            format!("/api/v1/inboxes/{i}/members/{}", w.other.0),
            Some(json!({"role": "viewer"})),
            Target::Inbox,
        ),
        ask(
            M::DELETE,
            "/api/v1/inboxes/{inbox}/members/{user}",
            format!("/api/v1/inboxes/{i}/members/{}", w.bystander.0),
            None,
            Target::Inbox,
        ),
        ask(
            M::PUT,
            "/api/v1/inboxes/{inbox}/conversations/{thread}/assignees",
            format!("/api/v1/inboxes/{i}/conversations/t1/assignees"),
            Some(json!({"assignees": current_assignees})),
            Target::Conversation,
        ),
        ask(
            M::POST,
            "/api/v1/inboxes/{inbox}/override",
            format!("/api/v1/inboxes/{}/override", w.spare_inbox.0),
            Some(json!({"minutes": 5})),
            Target::SpareInbox,
        ),
        // The Gmail broker's one-action endpoints. This server has no Gmail configuration:
        // allowed, they say so (503) after the policy; the account's view needs none.
        ask(
            M::GET,
            "/api/v1/inboxes/{inbox}/gmail",
            format!("/api/v1/inboxes/{i}/gmail"),
            None,
            Target::Inbox,
        ),
        unconfigured(ask(
            M::POST,
            "/api/v1/inboxes/{inbox}/gmail/connect",
            format!("/api/v1/inboxes/{i}/gmail/connect"),
            Some(json!({"redirect_uri": "http://127.0.0.1:9/"})),
            Target::Inbox,
        )),
        unconfigured(ask(
            M::POST,
            "/api/v1/inboxes/{inbox}/gmail/connect/finish",
            format!("/api/v1/inboxes/{i}/gmail/connect/finish"),
            Some(json!({"state": "s", "code": "c"})),
            Target::Inbox,
        )),
        unconfigured(ask(
            M::POST,
            "/api/v1/inboxes/{inbox}/gmail/send",
            format!("/api/v1/inboxes/{i}/gmail/send"),
            Some(json!({"raw": "", "thread_id": "t1"})),
            Target::Conversation,
        )),
        unconfigured(ask(
            M::GET,
            "/api/v1/inboxes/{inbox}/gmail/v1/users/me/profile",
            format!("/api/v1/inboxes/{i}/gmail/v1/users/me/profile"),
            None,
            Target::Inbox,
        )),
        unconfigured(ask(
            M::GET,
            "/api/v1/inboxes/{inbox}/gmail/v1/users/me/labels",
            format!("/api/v1/inboxes/{i}/gmail/v1/users/me/labels"),
            None,
            Target::Inbox,
        )),
        unconfigured(ask(
            M::GET,
            "/api/v1/inboxes/{inbox}/gmail/v1/users/me/messages",
            format!("/api/v1/inboxes/{i}/gmail/v1/users/me/messages"),
            None,
            Target::Inbox,
        )),
        unconfigured(ask(
            M::GET,
            "/api/v1/inboxes/{inbox}/gmail/v1/users/me/history",
            format!("/api/v1/inboxes/{i}/gmail/v1/users/me/history?startHistoryId=1"),
            None,
            Target::Inbox,
        )),
        unconfigured(ask(
            M::DELETE,
            "/api/v1/inboxes/{inbox}/gmail",
            format!("/api/v1/inboxes/{i}/gmail"),
            None,
            Target::Inbox,
        )),
        // A secure message answering the conversation: a valid one, each under its own id
        // (16 bytes as base64url: the case's number, zero-padded), so an allowed case makes it.
        ask(
            M::POST,
            "/api/v1/inboxes/{inbox}/secure",
            format!("/api/v1/inboxes/{i}/secure"),
            Some(json!({
                "id": format!("{n:0>22}"),
                "thread_id": "t1",
                "recipients": ["reader@customer.test"],
                "key_server": "A".repeat(43),
                "manifest": "A".repeat(40),
                "attachments": [],
            })),
            Target::Conversation,
        ),
        ask(
            M::GET,
            "/api/v1/inboxes/{inbox}/secure",
            format!("/api/v1/inboxes/{i}/secure?thread=t1"),
            None,
            Target::Conversation,
        ),
        ask(
            M::DELETE,
            "/api/v1/users/{user}/sessions/{session}",
            format!(
                "/api/v1/users/{}/sessions/{}",
                w.bystander.0, w.bystander_session
            ),
            None,
            Target::Org,
        ),
        ask(
            M::DELETE,
            "/api/v1/users/{user}",
            format!("/api/v1/users/{}", w.bystander.0),
            None,
            Target::Org,
        ),
        ask(
            M::DELETE,
            "/api/v1/teams/{team}",
            format!("/api/v1/teams/{}", w.spare_team.0),
            None,
            Target::Org,
        ),
        ask(
            M::DELETE,
            "/api/v1/inboxes/{inbox}",
            format!("/api/v1/inboxes/{}", w.spare_inbox.0),
            None,
            Target::SpareInbox,
        ),
    ]
}

async fn run_case(
    rig: &Rig,
    http: &reqwest::Client,
    case: Case,
    n: usize,
    owner_hash: &str,
) -> usize {
    let (w, facts) = set_up(rig.hub(), case, n, owner_hash).await;
    let now = rig.hub().clock().now();
    let base = format!("https://{}", rig.server.addr);
    let label = format!("{case:?}");
    let current: Vec<UserId> = facts.conversation.assignees.iter().copied().collect();
    let mut asked = 0;
    for ask in asks(&w, n, &current) {
        let action = helpr_server::api::ENDPOINTS
            .iter()
            .find(|e| e.method == ask.method.as_str() && e.path == ask.endpoint)
            .unwrap_or_else(|| panic!("{} {} is not in ENDPOINTS", ask.method, ask.endpoint))
            .action;
        let object = match ask.object {
            Target::Org => Object::Organization(w.org),
            Target::Inbox => Object::Inbox(&facts.inbox),
            Target::SpareInbox => Object::Inbox(&facts.spare_inbox),
            Target::Conversation => Object::Conversation(&facts.inbox, &facts.conversation),
        };
        let expected: Result<(), Denied> = decide(&facts.user, action, object, now);
        let mut request = http
            .request(ask.method.clone(), format!("{base}{}", ask.path))
            .bearer_auth(&w.token);
        if let Some(body) = &ask.body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let what = format!("{} {} for {label}: {status} {text}", ask.method, ask.path);
        match expected {
            Ok(()) => match ask.allowed_status {
                Some(s) => assert_eq!(status, s, "allowed: {what}"),
                None => assert!((200..300).contains(&status), "allowed: {what}"),
            },
            Err(reason) => {
                assert_eq!(status, 403, "refused ({reason:?}): {what}");
                let error: ApiError = serde_json::from_str(&text).unwrap();
                assert_eq!(error.code, ErrorCode::Forbidden, "{what}");
                assert_eq!(error.reason, Some(reason), "{what}");
            }
        }
        asked += 1;
    }

    // The sidebar and the snapshot: the inbox is there exactly when the policy opens it.
    let get = |path: &'static str| {
        http.get(format!("{base}{path}"))
            .bearer_auth(&w.token)
            .send()
    };
    let sees = helpr_policy::can(
        &facts.user,
        Action::SeeInbox,
        Object::Inbox(&facts.inbox),
        now,
    );
    let configures = helpr_policy::can(
        &facts.user,
        Action::ConfigureInbox,
        Object::Inbox(&facts.inbox),
        now,
    );
    let listed: Vec<InboxView> = get("/api/v1/inboxes").await.unwrap().json().await.unwrap();
    assert_eq!(
        listed.iter().any(|i| i.id == w.inbox),
        sees || configures,
        "inbox list for {label}"
    );
    let snapshot: Snapshot = get("/api/v1/snapshot").await.unwrap().json().await.unwrap();
    let entitled = snapshot.inboxes.iter().find(|e| e.inbox.id == w.inbox);
    assert_eq!(entitled.is_some(), sees, "snapshot for {label}");
    if let Some(entitled) = entitled {
        let reads = helpr_policy::can(
            &facts.user,
            Action::ReadConversation,
            Object::Conversation(&facts.inbox, &facts.conversation),
            now,
        );
        let in_scope = match &entitled.conversations {
            ConversationScope::All => true,
            ConversationScope::Only { conversations } => {
                conversations.iter().any(|c| c.thread == "t1")
            }
        };
        assert_eq!(in_scope, reads, "snapshot scope for {label}");
        assert_eq!(
            Some(entitled.access),
            helpr_policy::inbox_access(&facts.user, &facts.inbox, now),
            "snapshot access for {label}"
        );
    }
    asked + socket_events(rig, &w, &facts).await
}

/// The socket's share: a change of a conversation the subject may or may not read, an
/// assignment likewise, and then a change of the organization, which every member is told of.
/// Once that last one arrives, everything before it has been decided.
async fn socket_events(rig: &Rig, w: &World, facts: &Facts) -> usize {
    let client = rig
        .anonymous()
        .with_token(secrecy::SecretString::from(w.token.clone()));
    let mut socket = helpr_team::socket::connect(&client, None).await.unwrap();
    // Welcomed (and so subscribed) before the changes are made.
    for _ in 0..2 {
        match socket.next().await.unwrap().unwrap() {
            ServerMessage::Welcome { .. } | ServerMessage::Snapshot { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let now = rig.hub().clock().now();
    let assignees: Vec<UserId> = facts.conversation.assignees.iter().copied().collect();
    let (inbox, team) = (w.inbox, w.team);
    let sentinel = rig
        .hub()
        .change(w.org, None, |_, _| {
            Ok(Prepared {
                records: vec![
                    Record::Assigned {
                        inbox,
                        thread: "t2".into(),
                        assignees: assignees.clone(),
                    },
                    Record::ConversationsChanged {
                        inbox,
                        threads: vec!["t1".into()],
                    },
                    Record::TeamChanged {
                        team,
                        name: Some("Sentinel".into()),
                        members: None,
                    },
                ],
                also: None,
            })
        })
        .await
        .unwrap();
    let (mut assignment, mut conversations) = (false, false);
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("open")
            .expect("well-formed");
        match message {
            ServerMessage::Snapshot { .. } | ServerMessage::Presence { .. } => {}
            ServerMessage::Event { event } => match event.change {
                Change::Assignment { conversation, .. } => {
                    assert_eq!(
                        (conversation.inbox, conversation.thread.as_str()),
                        (inbox, "t2")
                    );
                    assignment = true;
                }
                Change::Conversations {
                    inbox: i,
                    conversations: c,
                } => {
                    assert_eq!(i, inbox);
                    assert_eq!(
                        c.iter().map(|c| c.thread.as_str()).collect::<Vec<_>>(),
                        ["t1"]
                    );
                    conversations = true;
                }
                Change::Organization if event.seq == sentinel => break,
                Change::Organization | Change::Access => {}
            },
            other => panic!("unexpected {other:?}"),
        }
    }
    let reads = helpr_policy::can(
        &facts.user,
        Action::ReadConversation,
        Object::Conversation(&facts.inbox, &facts.conversation),
        now,
    );
    assert_eq!(assignment, reads, "assignment event for {:?}", facts.user);
    assert_eq!(
        conversations, reads,
        "conversations event for {:?}",
        facts.user
    );
    socket.close().await;
    2
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_every_combination_as_the_policy_decides() {
    let rig = Arc::new(Rig::start().await);
    let owner_hash = helpr_server::auth::password::hash(support::PASSWORD.into())
        .await
        .unwrap();
    let http = helpr_team::pin::client(&rig.server.fingerprint);
    let all = cases();
    assert_eq!(all.len(), 3 * 3 * 7 * 2 * 3 * 2 * 2);
    let mut tasks = tokio::task::JoinSet::new();
    let mut asked = 0;
    for (n, case) in all.into_iter().enumerate() {
        let (rig, http, hash) = (rig.clone(), http.clone(), owner_hash.clone());
        tasks.spawn(async move { run_case(&rig, &http, case, n, &hash).await });
        if tasks.len() >= 8 {
            asked += tasks.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = tasks.join_next().await {
        asked += done.unwrap();
    }
    // Every endpoint and the two conversation events of the socket, for every combination.
    assert_eq!(asked, 1512 * (helpr_server::api::ENDPOINTS.len() + 2));
}
