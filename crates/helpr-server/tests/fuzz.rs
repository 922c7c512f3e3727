//! API fuzzing from the OpenAPI document. schemathesis (PyPI, pinned with everything it pulls
//! in by `fuzz/requirements.txt`; `cargo xtask test` installs it into a venv and hands its
//! executable over in `HELPR_SCHEMATHESIS`) reads `GET /api/v1/openapi.json` of a real server
//! and sends every operation generated requests, valid and invalid, as a signed-in admin and
//! as a signed-in agent (the session token as `Authorization: Bearer`, the server's own
//! certificate as the only one trusted). Every answer must be no 5xx and conform to the
//! document: a documented status, the documented content type, a body its schema accepts.
//!
//! The server runs with its Gmail broker and push on, the google-emulator playing Google.
//!
//! The organization is populated first (users, a team, inboxes open to the agent in each way,
//! an assigned conversation), and schemathesis is given their ids as dictionaries it draws path
//! and body ids from half the time, so the requests reach real objects rather than only 404s.
//!
//! Then the organization's log is replayed from the start, and every change a user made is asked
//! of [`helpr_policy::decide`] on the state it was appended to: a change the policy refuses its
//! author means the API let one through. The owner must still be the owner.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use helpr_policy::{
    decide, Action, Denied, InboxId, MemberRole, Object, OrgRole, TeamId, UserId, Visibility,
};
use helpr_proto::requests::{CreateInbox, CreateTeam, CreateUser, SetMember};
use helpr_server::org::record::{Record, Stored};
use helpr_server::org::state::OrgState;
use helpr_server::store::queries;
use support::{Rig, PASSWORD};

/// The variable `cargo xtask test` names the venv's `schemathesis` in.
const SCHEMATHESIS_VAR: &str = "HELPR_SCHEMATHESIS";

/// Test cases per operation and phase: enough to reach every refusal and most successes of
/// the 28 operations (about 3,300 requests per caller), few enough that both runs take about
/// half a minute side by side on two cores.
const MAX_EXAMPLES: u32 = 100;

/// Set to a seed from a failed run's report to run the same requests again.
const SEED_VAR: &str = "HELPR_FUZZ_SEED";

/// What schemathesis checks every answer for.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_fuzzing_meets_the_document_and_the_policy() {
    fuzz_as(Caller::Admin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_fuzzing_meets_the_document_and_changes_nothing_the_policy_refuses() {
    fuzz_as(Caller::Agent).await;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Admin,
    Agent,
}

/// Populates an organization, signs `caller` in, fuzzes the API with their token, and checks
/// the organization's log against the policy.
async fn fuzz_as(caller: Caller) {
    // Served as deployed with Gmail: the broker and push on, Google played by the emulator
    // (without them the Gmail endpoints answer 503 by design, which is not what is fuzzed).
    let emu = google_emulator::Emulator::start_with_oauth(
        google_emulator::Config::default(),
        google_emulator::OAuthConfig {
            auto_approve: true,
            account: google_emulator::Account::new("shared@acme.test"),
            ..google_emulator::OAuthConfig::default()
        },
    )
    .await
    .unwrap();
    let gmail = helpr_gmail::GmailConfig::from_toml(&emu.helpr_config_toml()).unwrap();
    let push = helpr_gmail::PushConfig {
        jwks_url: emu.https_jwks_url(),
        audience: "https://team.helpr.test/api/v1/gmail/push".to_owned(),
        service_account: google_emulator::push::DEFAULT_PUSH_SERVICE_ACCOUNT.to_owned(),
    };
    let rig = Rig::start_with(|config| {
        config.gmail = Some(gmail);
        config.gmail_push = Some(push);
    })
    .await;
    let cast = populate(&rig).await;
    let (email, me) = match caller {
        Caller::Admin => ("admin@example.test", cast.admin),
        Caller::Agent => ("agent@example.test", cast.agent),
    };
    let session = rig.sign_in_response(email, PASSWORD).await.unwrap();
    // An admin may remove or demote themselves, which would leave the rest of the run refused:
    // their own id is not offered (random ids may still hit it). An agent's own id is, as the
    // likeliest target of an escalation.
    let users: Vec<UserId> = match caller {
        Caller::Admin => cast.users.iter().copied().filter(|u| *u != me).collect(),
        Caller::Agent => cast.users.clone(),
    };
    // Any session but the one fuzzing (revoking it would end the run).
    let sessions: Vec<i64> = rig
        .hub()
        .read(rig.org, |s| {
            s.sessions
                .keys()
                .copied()
                .filter(|id| *id != session.session_id)
                .collect()
        })
        .unwrap();
    let who = format!("{caller:?}").to_lowercase();
    fuzz(
        &rig,
        &who,
        config(&session.session_token, &cast, &users, &sessions),
    )
    .await;

    let (state, refused) = replay(&rig).await;
    assert!(
        refused.is_empty(),
        "the API let changes through that the policy refuses:\n{}",
        refused.join("\n")
    );
    assert_eq!(
        state.users.get(&rig.owner).map(|u| u.role),
        Some(OrgRole::Owner),
        "the owner is no longer the owner"
    );
    let live = rig
        .hub()
        .read(rig.org, |s| s.users.get(&rig.owner).map(|u| u.role))
        .flatten();
    assert_eq!(
        live,
        Some(OrgRole::Owner),
        "the server's state: the owner is no longer the owner"
    );
    let (made, total) = changes_by(&rig, me).await;
    if caller == Caller::Agent {
        // The same, said plainly: an agent changes nothing organization-wide.
        let org_wide: Vec<_> = made
            .keys()
            .filter(|action| {
                [
                    "user.",
                    "team.",
                    "inbox.create",
                    "inbox.delete",
                    "override.",
                ]
                .iter()
                .any(|prefix| action.starts_with(prefix))
            })
            .collect();
        assert!(
            org_wide.is_empty(),
            "the agent made organization-wide changes: {org_wide:?}"
        );
    }
    println!(
        "the {who} made {} of the log's {total} changes, each one the policy allows: {made:?}",
        made.values().sum::<usize>()
    );
}

/// How many records of each kind `user` made, and how many records the log holds.
async fn changes_by(rig: &Rig, user: UserId) -> (BTreeMap<&'static str, usize>, usize) {
    let org = rig.org;
    let rows = rig
        .hub()
        .db()
        .run(move |tx| queries::events_since(tx, org, 0))
        .await
        .unwrap();
    let mut made = BTreeMap::new();
    for row in &rows {
        let stored: Stored = serde_json::from_str(&row.body).unwrap();
        if stored.actor == Some(user) {
            *made.entry(stored.record.action()).or_default() += 1;
        }
    }
    (made, rows.len())
}

/// The replay's judge is not lenient: what an agent may not do is refused, what they may is
/// allowed (no schemathesis needed).
#[test]
fn the_replay_refuses_an_agent_what_the_policy_refuses() {
    let (owner, agent, inbox, managed, team) =
        (UserId(2), UserId(3), InboxId(10), InboxId(11), TeamId(12));
    let mut state = OrgState::new(helpr_policy::OrgId(1));
    let records = [
        Record::UserAdded {
            user: owner,
            name: "Olive".into(),
            email: "o@example.test".into(),
            role: OrgRole::Owner,
        },
        Record::UserAdded {
            user: agent,
            name: "Avery".into(),
            email: "a@example.test".into(),
            role: OrgRole::Agent,
        },
        Record::InboxCreated {
            inbox,
            name: "Everyone".into(),
            visibility: Visibility::Organization,
            teams: vec![],
            assigned_only: false,
        },
        Record::InboxCreated {
            inbox: managed,
            name: "Billing".into(),
            visibility: Visibility::Restricted,
            teams: vec![],
            assigned_only: false,
        },
        Record::MemberSet {
            inbox: managed,
            user: agent,
            role: MemberRole::Manager,
            assigned_only: false,
        },
    ];
    for (seq, record) in records.iter().enumerate() {
        state.apply(seq as u64 + 1, 0, record);
    }
    let change_inbox = |inbox| Record::InboxChanged {
        inbox,
        name: Some("Mine".into()),
        visibility: None,
        teams: None,
        assigned_only: None,
    };
    let refused = [
        Record::TeamCreated {
            team,
            name: "Mine".into(),
            members: vec![agent],
        },
        Record::UserChanged {
            user: agent,
            name: None,
            role: Some(OrgRole::Admin),
        },
        Record::UserRemoved { user: owner },
        change_inbox(inbox),
        Record::OverrideStarted {
            user: agent,
            inbox,
            until: 60,
        },
    ];
    for record in refused {
        assert!(allowed(&state, agent, &record, 0).is_err(), "{record:?}");
    }
    let fine = [
        change_inbox(managed),
        Record::Assigned {
            inbox,
            thread: "t".into(),
            assignees: vec![agent],
        },
    ];
    for record in fine {
        assert_eq!(allowed(&state, agent, &record, 0), Ok(()), "{record:?}");
    }
}

/// The `schemathesis` the gate handed over, or a failure that says how to get one.
fn schemathesis() -> PathBuf {
    let how = format!(
        "run `cargo xtask test`, which makes target/fuzz-venv and sets it, or by hand: \
         `python3 -m venv target/fuzz-venv && target/fuzz-venv/bin/pip install -r \
         crates/helpr-server/fuzz/requirements.txt && {SCHEMATHESIS_VAR}=$PWD/target/fuzz-venv/bin/schemathesis \
         cargo test -p helpr-server --test fuzz`"
    );
    match std::env::var_os(SCHEMATHESIS_VAR) {
        Some(path) if Path::new(&path).is_file() => PathBuf::from(path),
        Some(path) => panic!(
            "{SCHEMATHESIS_VAR}={} names no file: the API fuzzing test needs schemathesis; {how}",
            Path::new(&path).display()
        ),
        None => {
            panic!("{SCHEMATHESIS_VAR} is not set: the API fuzzing test needs schemathesis; {how}")
        }
    }
}

/// The organization the fuzzing runs in: who is in it, and the ids schemathesis draws from.
struct Cast {
    admin: UserId,
    agent: UserId,
    users: Vec<UserId>,
    teams: Vec<TeamId>,
    inboxes: Vec<i64>,
    threads: Vec<String>,
}

/// Populates the rig's organization through the API, as its owner (and the agent, for an
/// assignment): an admin, the agent and another agent; a team of both agents; an inbox open to
/// everyone, one open to the team, one the agent manages and one the agent is not in; a
/// conversation assigned in the team's inbox.
async fn populate(rig: &Rig) -> Cast {
    let owner = rig.owner().await;
    let user = |name: &str, email: &str, role| CreateUser {
        name: name.into(),
        email: email.into(),
        role,
        password: PASSWORD.into(),
    };
    let admin = owner
        .create_user(&user("Ada Admin", "admin@example.test", OrgRole::Admin))
        .await
        .unwrap()
        .id;
    let agent = owner
        .create_user(&user("Avery Agent", "agent@example.test", OrgRole::Agent))
        .await
        .unwrap()
        .id;
    let other = owner
        .create_user(&user("Bo Agent", "bo@example.test", OrgRole::Agent))
        .await
        .unwrap()
        .id;
    let team = owner
        .create_team(&CreateTeam {
            name: "Support".into(),
            members: vec![agent, other],
        })
        .await
        .unwrap()
        .id;
    let inbox = |name: &str, visibility, teams: Vec<TeamId>| CreateInbox {
        name: name.into(),
        visibility,
        teams,
        assigned_only: false,
    };
    let everyone = owner
        .create_inbox(&inbox("Everyone", Visibility::Organization, vec![]))
        .await
        .unwrap()
        .id;
    let support = owner
        .create_inbox(&inbox("Support", Visibility::Team, vec![team]))
        .await
        .unwrap()
        .id;
    let managed = owner
        .create_inbox(&inbox("Billing", Visibility::Restricted, vec![]))
        .await
        .unwrap()
        .id;
    let closed = owner
        .create_inbox(&inbox("Legal", Visibility::Restricted, vec![]))
        .await
        .unwrap()
        .id;
    let member = |role| SetMember {
        role,
        assigned_only: false,
    };
    owner
        .set_member(managed, agent, &member(MemberRole::Manager))
        .await
        .unwrap();
    owner
        .set_member(closed, other, &member(MemberRole::Agent))
        .await
        .unwrap();
    let as_agent = rig.sign_in("agent@example.test", PASSWORD).await.unwrap();
    as_agent
        .assign(support, "thread-1", vec![other])
        .await
        .unwrap();
    Cast {
        admin,
        agent,
        users: vec![rig.owner, admin, agent, other],
        teams: vec![team],
        inboxes: [everyone, support, managed, closed]
            .iter()
            .map(|i| i.0)
            .collect(),
        threads: vec!["thread-1".into(), "thread-2".into()],
    }
}

/// schemathesis's configuration: the caller's token, and the organization's ids as dictionaries
/// that path parameters and id lists in bodies are drawn from half the time. `users` and
/// `sessions` are the ones this caller may be handed.
fn config(token: &str, cast: &Cast, users: &[UserId], sessions: &[i64]) -> String {
    let list = |values: Vec<String>| values.join(", ");
    let ids = |ids: &[i64]| list(ids.iter().map(i64::to_string).collect());
    let users: Vec<i64> = users.iter().map(|u| u.0).collect();
    let teams: Vec<i64> = cast.teams.iter().map(|t| t.0).collect();
    let threads = list(cast.threads.iter().map(|t| format!("{t:?}")).collect());
    let mut out = String::new();
    writeln!(out, "[headers]\nAuthorization = \"Bearer {token}\"\n").unwrap();
    for (name, values) in [
        ("users", ids(&users)),
        ("teams", ids(&teams)),
        ("inboxes", ids(&cast.inboxes)),
        ("sessions", ids(sessions)),
        ("threads", threads),
    ] {
        writeln!(out, "[dictionaries.{name}]\nvalues = [{values}]\n").unwrap();
    }
    out.push_str("[parameters]\n");
    for (key, dictionary) in [
        ("path.user", "users"),
        ("path.team", "teams"),
        ("path.inbox", "inboxes"),
        ("path.session", "sessions"),
        ("path.thread", "threads"),
        ("body.members[*]", "users"),
        ("body.assignees[*]", "users"),
        ("body.teams[*]", "teams"),
    ] {
        writeln!(
            out,
            "\"{key}\" = {{ dictionary = \"{dictionary}\", probability = 0.5 }}"
        )
        .unwrap();
    }
    out
}

/// Runs schemathesis against the rig with `config`; fails the test with its report unless
/// every check passed.
async fn fuzz(rig: &Rig, who: &str, config: String) {
    let exe = schemathesis();
    let work = tempfile::tempdir().unwrap();
    let config_file = work.path().join("schemathesis.toml");
    std::fs::write(&config_file, config).unwrap();
    let base = format!("https://{}", rig.server.addr);
    let mut cmd = Command::new(&exe);
    cmd.current_dir(work.path())
        .arg("--config-file")
        .arg(&config_file)
        .arg("--no-color")
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--url", &base])
        .arg("--tls-verify")
        .arg(rig.data.path().join("tls").join("server.crt"))
        .args(["--checks", CHECKS])
        .args(["--max-examples", &MAX_EXAMPLES.to_string()])
        .args(["--workers", "1", "--generation-database", "none"])
        .args([
            "--report",
            "har,ndjson",
            "--report-dir",
            &format!("/tmp/st-report-{who}"),
        ])
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if let Some(seed) = std::env::var_os(SEED_VAR) {
        cmd.arg("--seed").arg(seed);
    }
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", exe.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "schemathesis as the {who} found answers that break the OpenAPI document ({}); \
         {SEED_VAR}=SEED (the report's last `Seed:`) runs the same requests again:\n{report}",
        output.status
    );
    let summary: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("generated") || l.starts_with("Seed:") || l.contains(" in "))
        .collect();
    println!(
        "schemathesis as the {who}: passed in {:.1}s\n{}",
        started.elapsed().as_secs_f64(),
        summary.join("\n")
    );
}

/// Replays the organization's log and asks the policy about every change a user made, on the
/// state before it; returns the state at the end and a line for each change it refuses.
async fn replay(rig: &Rig) -> (OrgState, Vec<String>) {
    let org = rig.org;
    let rows = rig
        .hub()
        .db()
        .run(move |tx| queries::events_since(tx, org, 0))
        .await
        .unwrap();
    let mut state = OrgState::new(org);
    let mut refused = Vec::new();
    for row in rows {
        let stored: Stored = serde_json::from_str(&row.body).unwrap();
        if let Some(actor) = stored.actor {
            if let Err(why) = allowed(&state, actor, &stored.record, row.at) {
                refused.push(format!(
                    "event {}: user {} ({:?}) made {:?}, which the policy refuses: {why}",
                    row.seq,
                    actor.0,
                    state.users.get(&actor).map(|u| u.role),
                    stored.record
                ));
            }
        }
        state.apply(row.seq, row.at, &stored.record);
    }
    (state, refused)
}

/// Whether the policy lets `actor` make `record` on `state` at `now`.
fn allowed(state: &OrgState, actor: UserId, record: &Record, now: i64) -> Result<(), String> {
    let me = state
        .policy_user(actor)
        .ok_or("the author is not in the organization")?;
    let org = Object::Organization(state.id);
    let ask = |action: Action, object: Object<'_>| -> Result<(), String> {
        decide(&me, action, object, now).map_err(|d: Denied| format!("{action:?}: {d:?}"))
    };
    let inbox = |id: InboxId| {
        state
            .inboxes
            .get(&id)
            .map(|rec| &rec.policy)
            .ok_or_else(|| format!("inbox {} does not exist", id.0))
    };
    let is_owner = |user: &UserId| state.users.get(user).map(|u| u.role) == Some(OrgRole::Owner);
    match record {
        Record::OrgCreated { .. } => Err("an organization is made by the server only".into()),
        Record::UserAdded { role, .. } => {
            ask(Action::ManageUsers, org)?;
            if *role == OrgRole::Owner {
                ask(Action::ManageOwners, org)?;
            }
            Ok(())
        }
        Record::UserChanged { user, role, .. } => {
            ask(Action::ManageUsers, org)?;
            if is_owner(user) || *role == Some(OrgRole::Owner) {
                ask(Action::ManageOwners, org)?;
            }
            Ok(())
        }
        Record::UserRemoved { user } => {
            ask(Action::ManageUsers, org)?;
            if is_owner(user) {
                ask(Action::ManageOwners, org)?;
            }
            Ok(())
        }
        Record::TeamCreated { .. } | Record::TeamChanged { .. } | Record::TeamDeleted { .. } => {
            ask(Action::ManageTeams, org)
        }
        Record::InboxCreated { .. } => ask(Action::CreateInbox, org),
        Record::InboxChanged { inbox: id, .. } => {
            ask(Action::ConfigureInbox, Object::Inbox(inbox(*id)?))
        }
        Record::InboxDeleted { inbox: id } => ask(Action::DeleteInbox, Object::Inbox(inbox(*id)?)),
        Record::MemberSet { inbox: id, .. } | Record::MemberRemoved { inbox: id, .. } => {
            ask(Action::ManageMembers, Object::Inbox(inbox(*id)?))
        }
        Record::OverrideStarted {
            user, inbox: id, ..
        } => {
            if *user != actor {
                return Err("an override is started by its own user only".into());
            }
            ask(Action::StartOverride, Object::Inbox(inbox(*id)?))
        }
        Record::Assigned {
            inbox: id, thread, ..
        } => {
            let conversation = state.conversation(*id, thread);
            ask(
                Action::Assign,
                Object::Conversation(inbox(*id)?, &conversation),
            )
        }
        Record::GmailConnected { inbox: id } | Record::GmailDisconnected { inbox: id } => {
            ask(Action::ConnectGmail, Object::Inbox(inbox(*id)?))
        }
        Record::ConversationStarted { .. } | Record::ConversationsChanged { .. } => {
            Err("no API call of a user makes this".into())
        }
        Record::SessionStarted { user, .. } => match *user == actor {
            true => Ok(()),
            false => Err("a session is started by its own user only".into()),
        },
        Record::SessionRevoked { session } => match state.sessions.get(session) {
            Some(s) if s.user == actor => Ok(()),
            Some(_) => ask(Action::ManageSessions, org),
            None => Err(format!("session {session} does not exist")),
        },
    }
}
