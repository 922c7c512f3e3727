//! The wire format, pinned: what each message looks like as JSON (a change here is a protocol
//! change, see `PROTO_VERSION`), and that what is sent is what is read back.

use helpr_policy::{
    InboxAccess, InboxId, MemberRole, OrgId, OrgRole, TeamId, UserId, Via, Visibility,
};
use helpr_proto::error::{ApiError, ErrorCode};
use helpr_proto::snapshot::{Assignment, ConversationScope, EntitledInbox, Person, Snapshot};
use helpr_proto::socket::{Change, ClientMessage, Event, ServerMessage};
use helpr_proto::views::{ConversationRef, InboxView, MemberView, OrgView, UserView};
use serde_json::json;

fn conversation() -> ConversationRef {
    ConversationRef {
        inbox: InboxId(4),
        thread: "18c2f0a1b2".into(),
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        seq: 41,
        org: OrgView {
            id: OrgId(1),
            name: "Acme".into(),
        },
        me: UserView {
            id: UserId(7),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            role: OrgRole::Agent,
            teams: vec![TeamId(2)],
        },
        inboxes: vec![EntitledInbox {
            inbox: InboxView {
                id: InboxId(4),
                name: "Support".into(),
                visibility: Visibility::Restricted,
                teams: vec![],
                members: vec![MemberView {
                    user: UserId(7),
                    role: MemberRole::Agent,
                    assigned_only: true,
                }],
                assigned_only: false,
                gmail_connected: true,
            },
            access: InboxAccess {
                role: MemberRole::Agent,
                via: Via::Member,
                assigned_only: true,
            },
            conversations: ConversationScope::Only {
                conversations: vec![conversation()],
            },
            assignments: vec![Assignment {
                thread: "18c2f0a1b2".into(),
                assignees: vec![UserId(7), UserId(9)],
            }],
            override_until: None,
        }],
        people: vec![
            Person {
                id: UserId(7),
                name: "Ada".into(),
            },
            Person {
                id: UserId(9),
                name: "Bob".into(),
            },
        ],
    }
}

/// `value` serializes to `expected` and reads back as itself.
fn pinned<T>(value: &T, expected: serde_json::Value)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).unwrap();
    assert_eq!(json, expected);
    let back: T = serde_json::from_value(json).unwrap();
    assert_eq!(&back, value);
}

#[test]
fn client_messages_are_tagged_by_type() {
    pinned(
        &ClientMessage::Hello {
            proto: helpr_proto::PROTO_VERSION,
            last_seq: Some(40),
        },
        json!({"type": "hello", "proto": 1, "last_seq": 40}),
    );
    pinned(
        &ClientMessage::Composing {
            conversation: conversation(),
            active: true,
        },
        json!({"type": "composing", "conversation": {"inbox": 4, "thread": "18c2f0a1b2"}, "active": true}),
    );
}

#[test]
fn events_carry_their_sequence_number_and_a_tagged_change() {
    pinned(
        &ServerMessage::Event {
            event: Event {
                seq: 42,
                change: Change::Conversations {
                    inbox: InboxId(4),
                    conversations: vec![conversation()],
                },
            },
        },
        json!({"type": "event", "event": {"seq": 42, "change": {
            "kind": "conversations", "inbox": 4,
            "conversations": [{"inbox": 4, "thread": "18c2f0a1b2"}]}}}),
    );
    pinned(
        &ServerMessage::Event {
            event: Event {
                seq: 43,
                change: Change::Access,
            },
        },
        json!({"type": "event", "event": {"seq": 43, "change": {"kind": "access"}}}),
    );
}

#[test]
fn a_snapshot_names_each_inbox_with_the_access_and_the_conversations_seen() {
    pinned(
        &ServerMessage::Snapshot {
            snapshot: snapshot(),
        },
        json!({"type": "snapshot", "snapshot": {
            "seq": 41,
            "org": {"id": 1, "name": "Acme"},
            "me": {"id": 7, "name": "Ada", "email": "ada@example.com", "role": "agent", "teams": [2]},
            "inboxes": [{
                "inbox": {"id": 4, "name": "Support", "visibility": "restricted", "teams": [],
                          "members": [{"user": 7, "role": "agent", "assigned_only": true}],
                          "assigned_only": false, "gmail_connected": true},
                "access": {"role": "agent", "via": "member", "assigned_only": true},
                "conversations": {"kind": "only", "conversations": [{"inbox": 4, "thread": "18c2f0a1b2"}]},
                "assignments": [{"thread": "18c2f0a1b2", "assignees": [7, 9]}],
                "override_until": null
            }],
            "people": [{"id": 7, "name": "Ada"}, {"id": 9, "name": "Bob"}]
        }}),
    );
}

#[test]
fn a_snapshot_without_assignments_or_people_still_reads() {
    let mut json = serde_json::to_value(snapshot()).unwrap();
    json["inboxes"][0]
        .as_object_mut()
        .unwrap()
        .remove("assignments");
    json.as_object_mut().unwrap().remove("people");
    let read: Snapshot = serde_json::from_value(json).unwrap();
    assert!(read.inboxes[0].assignments.is_empty());
    assert!(read.people.is_empty());
}

#[test]
fn errors_are_a_code_and_a_message() {
    pinned(
        &ServerMessage::Closing {
            error: ApiError::new(ErrorCode::Unauthenticated, "this session was revoked"),
        },
        json!({"type": "closing", "error": {"code": "unauthenticated", "message": "this session was revoked"}}),
    );
}

#[test]
fn an_unknown_message_is_refused_rather_than_guessed() {
    let unknown = json!({"type": "shout", "text": "hi"});
    assert!(serde_json::from_value::<ClientMessage>(unknown).is_err());
    let missing = json!({"type": "hello"});
    assert!(serde_json::from_value::<ClientMessage>(missing).is_err());
}

#[test]
fn the_gmail_broker_s_bodies_are_plain_and_strict() {
    use helpr_proto::gmail::{FinishGmailConnect, GmailAccountView, SendMail, SentMail};
    pinned(
        &SendMail {
            raw: "RnJvbTog".into(),
            thread_id: Some("18c2f0a1b2".into()),
        },
        json!({"raw": "RnJvbTog", "thread_id": "18c2f0a1b2"}),
    );
    let new: SendMail = serde_json::from_value(json!({"raw": "eA"})).unwrap();
    assert_eq!(new.thread_id, None);
    assert!(serde_json::from_value::<SendMail>(json!({"raw": "eA", "from": "x"})).is_err());
    pinned(
        &SentMail {
            message_id: Some("18c2f0a1b3".into()),
            thread_id: Some("18c2f0a1b2".into()),
            started: true,
        },
        json!({"message_id": "18c2f0a1b3", "thread_id": "18c2f0a1b2", "started": true}),
    );
    pinned(
        &FinishGmailConnect {
            state: "s".into(),
            code: "4/0A".into(),
        },
        json!({"state": "s", "code": "4/0A"}),
    );
    pinned(
        &GmailAccountView {
            inbox: InboxId(4),
            connected: true,
            address: Some("support@example.com".into()),
            reconnect_needed: false,
            history_id: Some(1710),
            connected_at: Some(1_700_000_000),
        },
        json!({"inbox": 4, "connected": true, "address": "support@example.com",
               "reconnect_needed": false, "history_id": 1710, "connected_at": 1_700_000_000}),
    );
}
