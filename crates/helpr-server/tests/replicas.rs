//! Several servers on one PostgreSQL database: what one replica writes, the others serve once
//! told (PostgreSQL's notifications; the 2 s poll is only the fallback): organizations, changes
//! made through the API, sessions started and revoked. Replicas writing to one organization at
//! once all land, in one gapless sequence, and end in the same state. The data survives a
//! PostgreSQL crash (SIGKILL) and a server restart, and a server goes on through the crash.
//! Presence (who views and writes in a conversation) crosses replicas too.
//! Each test has a cluster of its own.

mod support;

use std::time::{Duration, Instant};

use helpr_policy::OrgId;
use helpr_proto::error::ErrorCode;
use helpr_proto::requests::CreateTeam;
use helpr_server::store::Value;
use secrecy::ExposeSecret;
use support::{Rig, OWNER_EMAIL, PASSWORD};

/// How long a replica may take to pick up another's change in these tests.
const PATIENCE: Duration = Duration::from_secs(5);

async fn cluster(fsync: bool) -> pg_scratch::Cluster {
    tokio::task::spawn_blocking(move || pg_scratch::Options::new().fsync(fsync).start())
        .await
        .unwrap()
        .unwrap()
}

async fn on_postgres(cluster: &pg_scratch::Cluster) -> Rig {
    let url = cluster.url();
    Rig::start_with(move |config| config.database = Some(url)).await
}

/// Waits (up to `patience`) until `probe` holds.
async fn until(what: &str, patience: Duration, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + patience;
    while !probe() {
        assert!(Instant::now() < deadline, "{what} within {patience:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn seq(rig: &Rig, org: OrgId) -> Option<u64> {
    rig.hub().read(org, |s| s.seq)
}

/// Waits until `replica` has applied everything `writer` has.
async fn caught_up(writer: &Rig, replica: &Rig, org: OrgId) {
    let target = seq(writer, org).expect("the writer holds the organization");
    until("the replica catching up", PATIENCE, || {
        seq(replica, org) >= Some(target)
    })
    .await;
}

fn team(name: &str) -> CreateTeam {
    CreateTeam {
        name: name.into(),
        members: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_one_replica_writes_the_other_serves() {
    let cluster = cluster(false).await;
    let a = on_postgres(&cluster).await;
    let b = a.replica().await;

    // An organization made through A, as `helpr-server create-org` does.
    let (globex, gil) = helpr_server::setup::create_org(
        a.hub(),
        "Globex",
        "Gil Owner",
        "gil@globex.test",
        PASSWORD.to_owned(),
    )
    .await
    .unwrap();
    until("the new organization on B", PATIENCE, || {
        seq(&b, globex) == seq(&a, globex)
    })
    .await;
    let gil_on_b = b.sign_in("gil@globex.test", PASSWORD).await.unwrap();
    let me = gil_on_b.me().await.unwrap();
    assert_eq!(me.user.id, gil);
    assert_eq!(gil_on_b.org().await.unwrap().name, "Globex");

    // A session started on A, and a change made through A's API, both seen through B.
    let token = a
        .sign_in_response(OWNER_EMAIL, PASSWORD)
        .await
        .unwrap()
        .session_token;
    let (on_a, on_b) = (a.with_token(&token), b.with_token(&token));
    let billing = on_a.create_team(&team("Billing")).await.unwrap();
    caught_up(&a, &b, a.org).await;
    let session = on_a.me().await.unwrap().session_id;
    assert_eq!(on_b.me().await.unwrap().session_id, session);
    assert_eq!(on_b.teams().await.unwrap(), vec![billing.clone()]);

    // And the other way: a session started on B opens A, and B's change shows on A.
    let from_b = b.owner().await;
    let support = from_b.create_team(&team("Support")).await.unwrap();
    caught_up(&b, &a, a.org).await;
    let session_b = from_b.me().await.unwrap().session_id;
    let from_b_on_a = a.with_token(from_b.token().unwrap().expose_secret());
    assert_eq!(from_b_on_a.me().await.unwrap().session_id, session_b);
    assert_eq!(on_a.teams().await.unwrap(), vec![billing, support]);

    // Revoked on A, refused on B (once B applied the revocation).
    on_a.revoke_session(session).await.unwrap();
    caught_up(&a, &b, a.org).await;
    let error = on_b.me().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unauthenticated));
    assert!(from_b.me().await.is_ok(), "other sessions go on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_writing_at_once_all_land_in_one_gapless_sequence() {
    let cluster = cluster(false).await;
    let a = on_postgres(&cluster).await;
    let b = a.replica().await;
    let (on_a, on_b) = (a.owner().await, b.owner().await);
    caught_up(&b, &a, a.org).await;
    caught_up(&a, &b, a.org).await;
    let before = seq(&a, a.org).unwrap();

    let per_replica = 12;
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..per_replica {
        for (replica, client) in [("a", &on_a), ("b", &on_b)] {
            let client = client.clone();
            writes.spawn(async move { client.create_team(&team(&format!("{replica}{i}"))).await });
        }
    }
    let mut made = Vec::new();
    while let Some(write) = writes.join_next().await {
        made.push(write.unwrap().unwrap());
    }
    let total = 2 * per_replica as u64;
    assert_eq!(made.len() as u64, total);

    // One record per team, numbered after what was there, with no gap and no repeat.
    caught_up(&a, &b, a.org).await;
    caught_up(&b, &a, a.org).await;
    let last = seq(&a, a.org).unwrap();
    assert_eq!(last, before + total);
    assert_eq!(seq(&b, a.org), Some(last));
    let org = a.org;
    let stored = a
        .hub()
        .db()
        .run(move |tx| {
            tx.query(
                "SELECT seq FROM events WHERE org = $1 ORDER BY seq",
                &[org.0.into()],
            )
        })
        .await
        .unwrap();
    let stored: Vec<Value> = stored.into_iter().map(|row| row.0[0].clone()).collect();
    let expected: Vec<Value> = (1..=last as i64).map(Value::Int).collect();
    assert_eq!(stored, expected);

    // Both replicas hold the same teams: every one made, once.
    let (teams_a, teams_b) = (on_a.teams().await.unwrap(), on_b.teams().await.unwrap());
    assert_eq!(teams_a, teams_b);
    let mut names: Vec<_> = teams_a.iter().map(|t| t.name.clone()).collect();
    names.sort();
    let mut wanted: Vec<_> = (0..per_replica)
        .flat_map(|i| [format!("a{i}"), format!("b{i}")])
        .collect();
    wanted.sort();
    assert_eq!(names, wanted);
    let mut ids: Vec<_> = made.iter().map(|t| t.id).collect();
    ids.sort();
    assert_eq!(ids, teams_a.iter().map(|t| t.id).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_data_survives_a_database_crash_and_a_server_restart() {
    let mut cluster = cluster(true).await;
    let a = on_postgres(&cluster).await;
    let b = a.replica().await;
    let owner = a.owner().await;
    let before = owner.create_team(&team("Before")).await.unwrap();

    // PostgreSQL is killed and comes back: every pooled connection and the listener's died.
    cluster = tokio::task::spawn_blocking(move || {
        cluster.restart().unwrap();
        cluster
    })
    .await
    .unwrap();

    // A goes on writing (its pool replaces the dead connections) and B hears of it.
    let after = owner.create_team(&team("After")).await.unwrap();
    caught_up(&a, &b, a.org).await;
    let on_b = b.owner().await;
    assert_eq!(
        on_b.teams().await.unwrap(),
        vec![before.clone(), after.clone()]
    );

    // Both listeners are back (the poll alone would have caught B up).
    let count = "SELECT count(*) FROM pg_stat_activity
                 WHERE application_name = 'helpr-server' AND query LIKE 'LISTEN%'";
    let db = a.hub().db().clone();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let listening = db
            .run(move |tx| tx.query_opt(count, &[]))
            .await
            .unwrap()
            .unwrap()
            .int(0)
            .unwrap();
        if listening == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "{listening} listeners back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A server started again reads it all back from the database.
    b.server.stop();
    let a = a.restart().await;
    let owner = a.owner().await;
    assert_eq!(owner.teams().await.unwrap(), vec![before, after]);
    assert_eq!(seq(&a, a.org), Some(seq_in_db(&a).await));
    drop(cluster);
}

async fn seq_in_db(rig: &Rig) -> u64 {
    let org = rig.org;
    rig.hub()
        .db()
        .run(move |tx| {
            tx.query_opt("SELECT seq FROM orgs WHERE id = $1", &[org.0.into()])?
                .expect("the organization's row")
                .int(0)
        })
        .await
        .unwrap() as u64
}

/// The case: a change made through replica A reaches a session whose socket is on
/// replica B, as an event and, for an access change, a new snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_through_one_replica_reaches_a_socket_on_the_other() {
    use helpr_proto::socket::{Change, ServerMessage};
    let cluster = cluster(false).await;
    let a = on_postgres(&cluster).await;
    let b = a.replica().await;
    let owner_on_a = a.sign_in(OWNER_EMAIL, PASSWORD).await.unwrap();
    let token = owner_on_a.token().unwrap().expose_secret().to_owned();
    // At once: a token B has not heard of yet makes it read the log before refusing.
    let owner_on_b = b.with_token(&token);
    let mut socket = helpr_team::socket::connect(&owner_on_b, None)
        .await
        .unwrap();
    async fn next(socket: &mut helpr_team::socket::Socket) -> ServerMessage {
        tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("well-formed")
    }
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Welcome { .. }
    ));
    let ServerMessage::Snapshot { snapshot } = next(&mut socket).await else {
        panic!("no snapshot")
    };
    assert!(snapshot.inboxes.is_empty());

    // Through A: an inbox open to the whole organization.
    let inbox = owner_on_a
        .create_inbox(&support::inbox(
            "Support",
            helpr_policy::Visibility::Organization,
        ))
        .await
        .unwrap();
    let mut saw_access = false;
    loop {
        match next(&mut socket).await {
            ServerMessage::Event { event } if event.change == Change::Access => saw_access = true,
            ServerMessage::Event { .. } => {}
            ServerMessage::Snapshot { snapshot } => {
                assert!(saw_access);
                assert_eq!(snapshot.inboxes[0].inbox.id, inbox.id);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    // Both replicas verify the one audit chain (they share the root key).
    for client in [&owner_on_a, &owner_on_b] {
        let verdict: helpr_proto::views::AuditVerdictView = client
            .call::<(), _>(reqwest::Method::GET, "/api/v1/audit/verify", None)
            .await
            .unwrap();
        assert!(verdict.intact && verdict.entries >= 4, "{verdict:?}");
    }
}

/// Collision detection across replicas: an agent on replica B viewing a conversation shows on
/// the owner's socket on replica A, the owner writing a reply on A shows on B, and an agent
/// whose socket closes leaves the other replica's presence too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn presence_crosses_replicas() {
    use helpr_policy::{UserId, Visibility};
    use helpr_proto::socket::{ClientMessage, ServerMessage};
    use helpr_proto::views::ConversationRef;
    use helpr_team::socket::Socket;

    /// Messages until a snapshot listing an inbox.
    async fn until_inbox(socket: &mut Socket) {
        loop {
            let message = tokio::time::timeout(PATIENCE, socket.next())
                .await
                .expect("a snapshot in time")
                .expect("open")
                .expect("well-formed");
            if matches!(&message, ServerMessage::Snapshot { snapshot } if !snapshot.inboxes.is_empty())
            {
                return;
            }
        }
    }
    /// Messages until presence in `conversation` reads `(viewing, composing)`.
    async fn until_presence(
        socket: &mut Socket,
        conversation: &ConversationRef,
        expected: (Vec<UserId>, Vec<UserId>),
    ) {
        let deadline = Instant::now() + PATIENCE;
        let mut last = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(message) = tokio::time::timeout(left, socket.next()).await else {
                panic!("presence {expected:?} within {PATIENCE:?}; last heard {last:?}");
            };
            if let ServerMessage::Presence {
                conversation: c,
                viewing,
                composing,
            } = message.expect("open").expect("well-formed")
            {
                if &c == conversation {
                    if (&viewing, &composing) == (&expected.0, &expected.1) {
                        return;
                    }
                    last = Some((viewing, composing));
                }
            }
        }
    }

    let cluster = cluster(false).await;
    let a = on_postgres(&cluster).await;
    let b = a.replica().await;
    let owner = a.sign_in(OWNER_EMAIL, PASSWORD).await.unwrap();
    let me = owner.me().await.unwrap();
    let (org, owner_id) = (me.org.id, me.user.id);
    let ada = owner
        .create_user(&support::agent("Ada", "ada@example.test"))
        .await
        .unwrap();
    let inbox = owner
        .create_inbox(&support::inbox("Support", Visibility::Organization))
        .await
        .unwrap();
    caught_up(&a, &b, org).await;
    let ada_on_b = b.sign_in("ada@example.test", PASSWORD).await.unwrap();
    let mut on_a = helpr_team::socket::connect(&owner, None).await.unwrap();
    let mut on_b = helpr_team::socket::connect(&ada_on_b, None).await.unwrap();
    until_inbox(&mut on_a).await;
    until_inbox(&mut on_b).await;
    let conversation = ConversationRef {
        inbox: inbox.id,
        thread: "18c2f0a1b2".into(),
    };

    // Ada, on B, opens the conversation: the owner's socket on A hears of it.
    on_b.send(&ClientMessage::Viewing {
        conversation: Some(conversation.clone()),
    })
    .await
    .unwrap();
    until_presence(&mut on_a, &conversation, (vec![ada.id], vec![])).await;

    // The owner, on A, opens it and writes a reply: Ada, on B, sees both.
    on_a.send(&ClientMessage::Viewing {
        conversation: Some(conversation.clone()),
    })
    .await
    .unwrap();
    on_a.send(&ClientMessage::Composing {
        conversation: conversation.clone(),
        active: true,
    })
    .await
    .unwrap();
    let both = {
        let mut both = vec![owner_id, ada.id];
        both.sort();
        both
    };
    until_presence(&mut on_b, &conversation, (both, vec![owner_id])).await;

    // Ada's socket closes: on A, only the owner is left.
    on_b.close().await;
    until_presence(&mut on_a, &conversation, (vec![owner_id], vec![owner_id])).await;
}
