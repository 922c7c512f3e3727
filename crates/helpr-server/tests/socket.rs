//! The socket: live access changes reach the affected desktop at once with a new snapshot
//! (and not the others'), a reconnecting desktop gets what it missed from its last sequence
//! number (across a server restart too), a revoked session's socket is closed, and presence
//! goes only to those who may read the conversation.

mod support;

use std::time::Duration;

use helpr_policy::{InboxId, MemberRole, UserId, Visibility};
use helpr_proto::error::ErrorCode;
use helpr_proto::requests::SetMember;
use helpr_proto::snapshot::Snapshot;
use helpr_proto::socket::{Change, ClientMessage, ServerMessage};
use helpr_proto::views::ConversationRef;
use helpr_server::Server;
use helpr_team::socket::{connect, Socket};
use helpr_team::TeamClient;
use support::{Rig, PASSWORD};

/// The next message, failing the test after 10 s of silence.
async fn next(socket: &mut Socket) -> ServerMessage {
    tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a message within 10 s")
        .expect("the socket is open")
        .expect("a well-formed message")
}

/// Welcome and the first snapshot.
async fn welcomed(socket: &mut Socket) -> (u64, bool, Snapshot) {
    let ServerMessage::Welcome { seq, replayed } = next(socket).await else {
        panic!("no welcome")
    };
    let ServerMessage::Snapshot { snapshot } = next(socket).await else {
        panic!("no snapshot")
    };
    (seq, replayed, snapshot)
}

/// Messages until (and with) the first snapshot.
async fn until_snapshot(socket: &mut Socket) -> (Vec<ServerMessage>, Snapshot) {
    let mut seen = Vec::new();
    loop {
        match next(socket).await {
            ServerMessage::Snapshot { snapshot } => return (seen, snapshot),
            other => seen.push(other),
        }
    }
}

fn inbox_ids(snapshot: &Snapshot) -> Vec<InboxId> {
    snapshot.inboxes.iter().map(|e| e.inbox.id).collect()
}

struct Team {
    rig: Rig,
    owner: TeamClient,
    ada: (UserId, TeamClient),
    bob: (UserId, TeamClient),
    vip: InboxId,
}

async fn team() -> Team {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    let mut agents = Vec::new();
    for email in ["ada@example.test", "bob@example.test"] {
        let user = owner
            .create_user(&support::agent(email, email))
            .await
            .unwrap();
        agents.push((user.id, rig.sign_in(email, PASSWORD).await.unwrap()));
    }
    let vip = owner
        .create_inbox(&support::inbox("VIP", Visibility::Restricted))
        .await
        .unwrap()
        .id;
    for (user, _) in &agents {
        owner
            .set_member(
                vip,
                *user,
                &SetMember {
                    role: MemberRole::Agent,
                    assigned_only: false,
                },
            )
            .await
            .unwrap();
    }
    let bob = agents.pop().unwrap();
    let ada = agents.pop().unwrap();
    Team {
        rig,
        owner,
        ada,
        bob,
        vip,
    }
}

#[tokio::test]
async fn removing_a_member_reaches_their_socket_with_a_snapshot_and_not_the_others() {
    let t = team().await;
    let mut ada = connect(&t.ada.1, None).await.unwrap();
    let mut bob = connect(&t.bob.1, None).await.unwrap();
    let (_, replayed, first) = welcomed(&mut ada).await;
    assert!(!replayed);
    assert_eq!(inbox_ids(&first), vec![t.vip]);
    let (_, _, bobs) = welcomed(&mut bob).await;
    // The snapshot names the people it mentions (VIP's members), so they read offline.
    let people = |s: &Snapshot| {
        s.people
            .iter()
            .map(|p| (p.id, p.name.clone()))
            .collect::<Vec<_>>()
    };
    let (ada_name, bob_name) = ("ada@example.test".to_owned(), "bob@example.test".to_owned());
    assert_eq!(
        people(&bobs),
        vec![(t.ada.0, ada_name.clone()), (t.bob.0, bob_name.clone())]
    );

    t.owner.remove_member(t.vip, t.ada.0).await.unwrap();
    let (before, after) = until_snapshot(&mut ada).await;
    assert!(inbox_ids(&after).is_empty());
    assert!(
        before
            .iter()
            .any(|m| matches!(m, ServerMessage::Event { event } if event.change == Change::Access)),
        "{before:?}"
    );
    // Bob is told the organization changed, and nothing of access (his snapshot, whose inbox
    // lists its members, is refreshed).
    match next(&mut bob).await {
        ServerMessage::Event { event } => assert_eq!(event.change, Change::Organization),
        other => panic!("{other:?}"),
    }
    let ServerMessage::Snapshot { snapshot } = next(&mut bob).await else {
        panic!("no refreshed snapshot")
    };
    assert_eq!(snapshot.inboxes[0].inbox.members.len(), 1);
    // Ada is no longer mentioned: her name is no longer in Bob's snapshot.
    assert_eq!(people(&snapshot), vec![(t.bob.0, bob_name.clone())]);
    // An assignment in VIP now reaches Bob, not Ada.
    t.bob.1.assign(t.vip, "t1", vec![t.bob.0]).await.unwrap();
    match next(&mut bob).await {
        ServerMessage::Event { event } => assert_eq!(
            event.change,
            Change::Assignment {
                conversation: ConversationRef {
                    inbox: t.vip,
                    thread: "t1".into()
                },
                assignees: vec![t.bob.0],
            }
        ),
        other => panic!("{other:?}"),
    }
    // A snapshot taken now names the conversation's assignees (a desktop shows them offline).
    let snapshot = t.bob.1.snapshot().await.unwrap();
    assert_eq!(
        snapshot.inboxes[0].assignments,
        vec![helpr_proto::snapshot::Assignment {
            thread: "t1".into(),
            assignees: vec![t.bob.0],
        }]
    );
    // A change everyone sees, to show Ada's socket is still live and was told nothing between.
    t.owner
        .create_team(&helpr_proto::requests::CreateTeam {
            name: "Later".into(),
            members: vec![],
        })
        .await
        .unwrap();
    match next(&mut ada).await {
        ServerMessage::Event { event } => assert_eq!(event.change, Change::Organization),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_reconnecting_desktop_gets_what_it_missed_also_across_a_restart() {
    let t = team().await;
    let mut ada = connect(&t.ada.1, None).await.unwrap();
    let (seq, _, _) = welcomed(&mut ada).await;
    ada.close().await;

    // Two access changes while Ada is away: a second inbox opened to her, VIP taken away.
    let sales = t
        .owner
        .create_inbox(&support::inbox("Sales", Visibility::Organization))
        .await
        .unwrap();
    t.owner.remove_member(t.vip, t.ada.0).await.unwrap();

    let mut ada = connect(&t.ada.1, Some(seq)).await.unwrap();
    let (now, replayed, snapshot) = welcomed(&mut ada).await;
    assert!(replayed);
    assert_eq!(now, seq + 2);
    assert_eq!(inbox_ids(&snapshot), vec![sales.id]);
    for expected in [seq + 1, seq + 2] {
        match next(&mut ada).await {
            ServerMessage::Event { event } => assert_eq!(event.seq, expected),
            other => panic!("{other:?}"),
        }
    }
    ada.close().await;

    // The server restarts; one more change happens after; Ada reconnects to the new process.
    let Team { rig, owner, .. } = t;
    let config = rig.config.clone();
    let Rig { server, data, .. } = rig;
    server.stop();
    let server = Server::start(config).await.unwrap();
    let address = helpr_team::ServerAddress::parse(&format!("https://{}", server.addr)).unwrap();
    let fresh = TeamClient::new(address, Some(&server.fingerprint));
    let owner = fresh.with_token(owner.token().unwrap().clone());
    owner
        .set_member(
            sales.id,
            t.ada.0,
            &SetMember {
                role: MemberRole::Viewer,
                assigned_only: false,
            },
        )
        .await
        .unwrap();
    let ada_client = fresh.with_token(t.ada.1.token().unwrap().clone());
    let mut ada = connect(&ada_client, Some(now)).await.unwrap();
    let (latest, replayed, snapshot) = welcomed(&mut ada).await;
    assert!(replayed);
    assert_eq!(latest, now + 1);
    assert_eq!(snapshot.inboxes[0].access.role, MemberRole::Viewer);
    drop(data);
}

#[tokio::test]
async fn a_last_number_too_old_or_ahead_gets_a_snapshot_only() {
    let t = team().await;
    let mut ada = connect(&t.ada.1, Some(u64::MAX)).await.unwrap();
    let (_, replayed, snapshot) = welcomed(&mut ada).await;
    assert!(!replayed);
    assert_eq!(inbox_ids(&snapshot), vec![t.vip]);
}

#[tokio::test]
async fn a_revoked_session_s_socket_is_closed_saying_why() {
    let t = team().await;
    let mut ada = connect(&t.ada.1, None).await.unwrap();
    welcomed(&mut ada).await;
    let session = t.ada.1.me().await.unwrap().session_id;
    t.owner.revoke_user_session(t.ada.0, session).await.unwrap();
    match next(&mut ada).await {
        ServerMessage::Closing { error } => assert_eq!(error.code, ErrorCode::Unauthenticated),
        other => panic!("{other:?}"),
    }
    assert!(tokio::time::timeout(Duration::from_secs(10), ada.next())
        .await
        .unwrap()
        .is_none());
    // And it cannot open another.
    let error = connect(&t.ada.1, None).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unauthenticated));
}

#[tokio::test]
async fn a_socket_without_a_session_or_a_proper_hello_is_refused() {
    let t = team().await;
    let error = connect(&t.rig.anonymous(), None).await.unwrap_err();
    assert!(
        matches!(error, helpr_team::TeamError::Protocol(_)),
        "{error}"
    );
    let stranger = t.rig.anonymous().with_token("nope".to_owned().into());
    assert_eq!(
        connect(&stranger, None).await.unwrap_err().code(),
        Some(ErrorCode::Unauthenticated)
    );

    // Another wire version, or anything but a hello first: closed, saying why.
    let mut old = helpr_team::socket::open(&t.ada.1).await.unwrap();
    old.send(&ClientMessage::Hello {
        proto: 999,
        last_seq: None,
    })
    .await
    .unwrap();
    match next(&mut old).await {
        ServerMessage::Closing { error } => assert_eq!(error.code, ErrorCode::UnsupportedVersion),
        other => panic!("{other:?}"),
    }
    let mut rude = helpr_team::socket::open(&t.ada.1).await.unwrap();
    rude.send(&ClientMessage::Viewing { conversation: None })
        .await
        .unwrap();
    match next(&mut rude).await {
        ServerMessage::Closing { error } => assert_eq!(error.code, ErrorCode::InvalidInput),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn presence_goes_to_those_who_may_read_the_conversation() {
    let t = team().await;
    let eve_user = t
        .owner
        .create_user(&support::agent("Eve", "eve@example.test"))
        .await
        .unwrap();
    let eve = t.rig.sign_in("eve@example.test", PASSWORD).await.unwrap();
    let mut ada = connect(&t.ada.1, None).await.unwrap();
    let mut bob = connect(&t.bob.1, None).await.unwrap();
    let mut eve_socket = connect(&eve, None).await.unwrap();
    welcomed(&mut ada).await;
    welcomed(&mut bob).await;
    welcomed(&mut eve_socket).await;
    let t1 = ConversationRef {
        inbox: t.vip,
        thread: "t1".into(),
    };

    // Eve cannot read VIP: her claim to view t1 is ignored and tells no one anything.
    eve_socket
        .send(&ClientMessage::Viewing {
            conversation: Some(t1.clone()),
        })
        .await
        .unwrap();
    ada.send(&ClientMessage::Viewing {
        conversation: Some(t1.clone()),
    })
    .await
    .unwrap();
    let presence = |m: ServerMessage| match m {
        ServerMessage::Presence {
            conversation,
            viewing,
            composing,
        } => (conversation, viewing, composing),
        other => panic!("{other:?}"),
    };
    let (c, viewing, composing) = presence(next(&mut bob).await);
    assert_eq!((c, viewing, composing), (t1.clone(), vec![t.ada.0], vec![]));
    // Ada hears of herself first (the thread shows everyone, the desktop leaves itself out).
    let (_, viewing, composing) = presence(next(&mut ada).await);
    assert_eq!((viewing, composing), (vec![t.ada.0], vec![]));
    bob.send(&ClientMessage::Composing {
        conversation: t1.clone(),
        active: true,
    })
    .await
    .unwrap();
    let (_, viewing, composing) = presence(next(&mut ada).await);
    assert_eq!(viewing, vec![t.ada.0]);
    assert_eq!(composing, vec![t.bob.0]);

    // Eve heard nothing of it: the next thing she gets is her socket closing as she is removed.
    t.owner.remove_user(eve_user.id).await.ok();
    match next(&mut eve_socket).await {
        ServerMessage::Closing { error } => assert_eq!(error.code, ErrorCode::Unauthenticated),
        other => panic!("Eve was told {other:?}"),
    }

    // Ada leaves: Bob sees only himself writing (after the news of Eve's removal).
    ada.close().await;
    loop {
        match next(&mut bob).await {
            ServerMessage::Presence {
                viewing, composing, ..
            } if viewing.is_empty() => {
                assert_eq!(composing, vec![t.bob.0]);
                break;
            }
            ServerMessage::Presence { .. } | ServerMessage::Event { .. } => {}
            other => panic!("{other:?}"),
        }
    }
}
