//! Shared conversations on a real vault (keychain session): a local thread of a bound shared
//! inbox is named by its server inbox and Gmail thread id, a local inbox's thread is not; the
//! snapshot's assignments come back by local thread, and an assignment event recorded in the
//! kept snapshot changes them (and unassigning removes them).

use helpr_policy::{InboxAccess, InboxId, MemberRole, OrgId, OrgRole, UserId, Via, Visibility};
use helpr_proto::snapshot::{Assignment, ConversationScope, EntitledInbox, Snapshot};
use helpr_proto::views::{ConversationRef, InboxView, OrgView, UserView};
use helpr_vault::{InsertOutcome, NewMessage};

use super::*;

const SHARED: i64 = 4;

fn snapshot(assignments: Vec<Assignment>) -> Snapshot {
    Snapshot {
        seq: 10,
        org: OrgView {
            id: OrgId(1),
            name: "Acme".into(),
        },
        me: UserView {
            id: UserId(7),
            name: "Ada".into(),
            email: "ada@example.test".into(),
            role: OrgRole::Agent,
            teams: vec![],
        },
        inboxes: vec![EntitledInbox {
            inbox: InboxView {
                id: InboxId(SHARED),
                name: "Support".into(),
                visibility: Visibility::Organization,
                teams: vec![],
                members: vec![],
                assigned_only: false,
                gmail_connected: true,
            },
            access: InboxAccess {
                role: MemberRole::Agent,
                via: Via::Organization,
                assigned_only: false,
            },
            conversations: ConversationScope::All,
            assignments,
            override_until: None,
        }],
        people: vec![],
    }
}

fn message(inbox: i64, n: u8, gmail_thread: Option<&str>) -> NewMessage {
    NewMessage {
        inbox_id: inbox,
        dedupe_key: vec![n],
        gmail_id: gmail_thread.map(|t| format!("{t}-{n}")),
        gmail_thread_id: gmail_thread.map(str::to_owned),
        date: 1_700_000_000 + i64::from(n),
        subject: format!("Question {n}"),
        ..NewMessage::default()
    }
}

fn thread_of(outcome: &InsertOutcome) -> i64 {
    match outcome {
        InsertOutcome::Inserted { thread_id, .. } => *thread_id,
        other => panic!("{other:?}"),
    }
}

fn conversation(thread: &str) -> ConversationRef {
    ConversationRef {
        inbox: InboxId(SHARED),
        thread: thread.into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn local_threads_are_named_to_the_server_and_show_their_assignees() {
    let dir = tempfile::tempdir().unwrap();
    let h = Helpr::init(&dir.path().join("data"), "t")
        .await
        .expect("needs the keychain session");
    let local = h.vault.local_inbox(h.tenant).unwrap().id;
    let shared = h
        .vault
        .connect_gmail(h.tenant, "support@example.test", b"{}", b"refresh")
        .unwrap();
    let outcomes = h
        .vault
        .insert_messages(
            h.tenant,
            &[
                message(shared, 1, Some("g-one")),
                message(shared, 2, Some("g-two")),
                message(local, 3, None),
            ],
        )
        .unwrap();
    let (one, two, mine) = (
        thread_of(&outcomes[0]),
        thread_of(&outcomes[1]),
        thread_of(&outcomes[2]),
    );

    // Not yet bound to the server's inbox: nothing is shared.
    assert_eq!(h.team_conversation(one).await.unwrap(), None);
    h.vault.set_team_link(h.tenant, b"{}", b"token").unwrap();
    h.vault
        .bind_team_inbox(h.tenant, SHARED, Some(shared))
        .unwrap();
    assert_eq!(
        h.team_conversation(one).await.unwrap(),
        Some(conversation("g-one"))
    );
    assert_eq!(h.team_conversation(mine).await.unwrap(), None);

    // Assignments of threads not held here are left out.
    h.team_apply(snapshot(vec![
        Assignment {
            thread: "g-one".into(),
            assignees: vec![UserId(7), UserId(9)],
        },
        Assignment {
            thread: "g-elsewhere".into(),
            assignees: vec![UserId(9)],
        },
    ]))
    .await
    .unwrap();
    assert_eq!(
        h.team_assignments().await.unwrap(),
        vec![AssignedConversation {
            thread_id: one,
            conversation: conversation("g-one"),
            assignees: vec![UserId(7), UserId(9)],
        }]
    );

    // Events: two assigned, one unassigned; the kept snapshot follows.
    h.team_record_assignment(11, &conversation("g-two"), &[UserId(9)])
        .await
        .unwrap();
    h.team_record_assignment(12, &conversation("g-one"), &[])
        .await
        .unwrap();
    assert_eq!(
        h.team_assignments().await.unwrap(),
        vec![AssignedConversation {
            thread_id: two,
            conversation: conversation("g-two"),
            assignees: vec![UserId(9)],
        }]
    );
    assert_eq!(h.team_snapshot().await.unwrap().1, Some(12));
    let _ = helpr_crypto::keychain::delete_kek(&h.vault.id());
}

#[test]
fn an_assignment_replaces_the_last_and_an_unknown_inbox_is_left_alone() {
    let mut s = snapshot(vec![Assignment {
        thread: "a".into(),
        assignees: vec![UserId(1)],
    }]);
    assert!(record_assignment(
        &mut s,
        &conversation("a"),
        &[UserId(3), UserId(2), UserId(3)]
    ));
    assert_eq!(
        s.inboxes[0].assignments,
        vec![Assignment {
            thread: "a".into(),
            assignees: vec![UserId(2), UserId(3)],
        }]
    );
    let elsewhere = ConversationRef {
        inbox: InboxId(99),
        thread: "a".into(),
    };
    assert!(!record_assignment(&mut s, &elsewhere, &[UserId(1)]));
    assert_eq!(s.inboxes[0].assignments.len(), 1);
}
