//! The server's audit trail: every membership, role, visibility, assignment, override and
//! session change is an entry, chained, naming people and inboxes only by keyed hashes (which
//! the server resolves for admins while they exist); editing, removing or cutting off entries
//! is found by verification.

mod support;

use helpr_policy::{MemberRole, OrgRole, Visibility};
use helpr_proto::requests::{ChangeUser, SetMember};
use helpr_proto::views::AuditEntryView;
use helpr_proto::views::AuditVerdictView;
use helpr_server::store::Value;
use support::{Rig, PASSWORD};

async fn trail(client: &helpr_team::TeamClient) -> Vec<AuditEntryView> {
    client
        .call::<(), _>(reqwest::Method::GET, "/api/v1/audit", None)
        .await
        .unwrap()
}

async fn verdict(client: &helpr_team::TeamClient) -> AuditVerdictView {
    client
        .call::<(), _>(reqwest::Method::GET, "/api/v1/audit/verify", None)
        .await
        .unwrap()
}

#[tokio::test]
async fn changes_are_entries_naming_no_one_in_the_clear_and_tampering_is_found() {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    let ada = owner
        .create_user(&support::agent(
            "Ada Lovelace-canary",
            "ada.canary@example.test",
        ))
        .await
        .unwrap();
    let vip = owner
        .create_inbox(&support::inbox("VIP canary inbox", Visibility::Restricted))
        .await
        .unwrap();
    owner
        .set_member(
            vip.id,
            ada.id,
            &SetMember {
                role: MemberRole::Viewer,
                assigned_only: true,
            },
        )
        .await
        .unwrap();
    owner
        .change_user(
            ada.id,
            &ChangeUser {
                name: None,
                role: Some(OrgRole::Admin),
            },
        )
        .await
        .unwrap();
    // The owner is no member of VIP: they open it by override to assign.
    owner.start_override(vip.id, 5).await.unwrap();
    owner
        .assign(vip.id, "thread-1", vec![ada.id])
        .await
        .unwrap();
    let ada_client = rig
        .sign_in("ada.canary@example.test", PASSWORD)
        .await
        .unwrap();
    let ada_session = ada_client.me().await.unwrap().session_id;
    owner
        .revoke_user_session(ada.id, ada_session)
        .await
        .unwrap();

    let entries = trail(&owner).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "org.create",
        "user.add",
        "inbox.create",
        "member.set",
        "user.change",
        "conversation.assign",
        "override.start",
        "session.start",
        "session.revoke",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    // Numbered from 1 without gaps.
    assert!(entries.iter().enumerate().all(|(i, e)| e.n == i as i64 + 1));
    // Keyed hashes, resolved for the admin while the objects exist.
    let member_set = entries.iter().find(|e| e.action == "member.set").unwrap();
    assert_eq!(member_set.object_id, Some(vip.id.0));
    assert_eq!(member_set.actor, Some(rig.owner));
    assert!(
        member_set.detail.contains("role=viewer"),
        "{}",
        member_set.detail
    );
    let role = entries.iter().find(|e| e.action == "user.change").unwrap();
    assert_eq!(
        (role.object_id, role.detail.as_str()),
        (Some(ada.id.0), "role=admin")
    );
    // No names, addresses or thread ids in any entry.
    let text = serde_json::to_string(&entries).unwrap();
    for secret in ["Ada", "canary", "thread-1", "example.test"] {
        assert!(!text.contains(secret), "{secret} in the trail: {text}");
    }
    assert!(verdict(&owner).await.intact);

    // Removed: the entries stay, their hashes no longer resolve.
    owner.remove_user(ada.id).await.unwrap();
    let after = trail(&owner).await;
    let added = after
        .iter()
        .find(|e| e.action == "user.add" && e.object_ref == role.object_ref)
        .unwrap();
    assert_eq!(added.object_id, None);
    assert!(verdict(&owner).await.intact);

    // Tampering, straight in the database.
    let org = rig.org;
    let db = rig.hub().db().clone();
    let n = after.len() as i64;
    db.run(move |tx| {
        tx.execute(
            "UPDATE audit SET detail = 'role=owner' WHERE org = $1 AND n = $2",
            &[org.0.into(), Value::Int(3)],
        )
    })
    .await
    .unwrap();
    let found = verdict(&owner).await;
    assert!(!found.intact);
    assert!(
        found.problems.iter().any(|p| p == "entry 3 was changed"),
        "{:?}",
        found.problems
    );

    db.run(move |tx| {
        tx.execute(
            "DELETE FROM audit WHERE org = $1 AND n = $2",
            &[org.0.into(), Value::Int(5)],
        )?;
        tx.execute(
            "DELETE FROM audit WHERE org = $1 AND n = $2",
            &[org.0.into(), Value::Int(n)],
        )
    })
    .await
    .unwrap();
    let found = verdict(&owner).await;
    assert!(
        found
            .problems
            .iter()
            .any(|p| p.starts_with("entry 5 is missing")),
        "{:?}",
        found.problems
    );
    assert!(
        found.problems.iter().any(|p| p.contains("cut off the end")),
        "{:?}",
        found.problems
    );
}

#[tokio::test]
async fn agents_may_not_read_the_trail_and_pages_are_bounded() {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    owner
        .create_user(&support::agent("Ada", "ada@example.test"))
        .await
        .unwrap();
    let ada = rig.sign_in("ada@example.test", PASSWORD).await.unwrap();
    let error = ada
        .call::<(), Vec<AuditEntryView>>(reqwest::Method::GET, "/api/v1/audit", None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(helpr_proto::error::ErrorCode::Forbidden));
    let page: Vec<AuditEntryView> = owner
        .call::<(), _>(reqwest::Method::GET, "/api/v1/audit?after=1&limit=2", None)
        .await
        .unwrap();
    assert_eq!(page.iter().map(|e| e.n).collect::<Vec<_>>(), [2, 3]);
    let error = owner
        .call::<(), Vec<AuditEntryView>>(reqwest::Method::GET, "/api/v1/audit?limit=0", None)
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        Some(helpr_proto::error::ErrorCode::InvalidInput)
    );
}
