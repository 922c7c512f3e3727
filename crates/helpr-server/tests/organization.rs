//! Running an organization through the API: owners are made and changed only by owners and the
//! last one stays; names are unique; team visibility names a team; only people entitled to an
//! inbox are assigned in it; a password change takes effect at the next sign-in.

mod support;

use helpr_policy::{MemberRole, OrgRole, Visibility};
use helpr_proto::error::ErrorCode;
use helpr_proto::requests::{
    ChangeInbox, ChangePassword, ChangeUser, CreateInbox, CreateTeam, CreateUser, SetMember,
};
use support::{Rig, PASSWORD};

fn person(email: &str, role: OrgRole) -> CreateUser {
    CreateUser {
        name: email.split('@').next().unwrap().into(),
        email: email.into(),
        role,
        password: PASSWORD.into(),
    }
}

fn inbox(name: &str, visibility: Visibility) -> CreateInbox {
    CreateInbox {
        name: name.into(),
        visibility,
        teams: vec![],
        assigned_only: false,
    }
}

#[tokio::test]
async fn only_owners_make_and_change_owners_and_the_last_owner_stays() {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    owner
        .create_user(&person("adam@example.test", OrgRole::Admin))
        .await
        .unwrap();
    let adam = rig.sign_in("adam@example.test", PASSWORD).await.unwrap();

    let error = adam
        .create_user(&person("o2@example.test", OrgRole::Owner))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Forbidden));
    let demote = ChangeUser {
        name: None,
        role: Some(OrgRole::Agent),
    };
    let error = adam.change_user(rig.owner, &demote).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Forbidden));
    let error = adam.remove_user(rig.owner).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Forbidden));

    // The last owner can neither be demoted nor removed, even by themselves.
    let error = owner.change_user(rig.owner, &demote).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Conflict));
    let error = owner.remove_user(rig.owner).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Conflict));

    // With a second owner, the first may step down.
    let second = owner
        .create_user(&person("o2@example.test", OrgRole::Owner))
        .await
        .unwrap();
    assert_eq!(second.role, OrgRole::Owner);
    let stepped = owner.change_user(rig.owner, &demote).await.unwrap();
    assert_eq!(stepped.role, OrgRole::Agent);
    // And now has no say over owners or users.
    let error = owner.remove_user(second.id).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Forbidden));
}

#[tokio::test]
async fn names_are_unique_and_team_visibility_names_a_team() {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    owner
        .create_inbox(&inbox("Support", Visibility::Organization))
        .await
        .unwrap();
    let error = owner
        .create_inbox(&inbox("support", Visibility::Restricted))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Conflict));
    let error = owner
        .create_inbox(&inbox("Sales", Visibility::Team))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidInput));
    assert!(error.to_string().contains("at least one team"), "{error}");

    let team = CreateTeam {
        name: "Tier 1".into(),
        members: vec![],
    };
    let t1 = owner.create_team(&team).await.unwrap();
    assert_eq!(
        owner.create_team(&team).await.unwrap_err().code(),
        Some(ErrorCode::Conflict)
    );
    let sales = owner
        .create_inbox(&CreateInbox {
            teams: vec![t1.id],
            ..inbox("Sales", Visibility::Team)
        })
        .await
        .unwrap();
    assert_eq!(sales.teams, vec![t1.id]);
    // Deleting the team leaves a team inbox open to no team: only its members see it.
    owner.delete_team(t1.id).await.unwrap();
    // (An owner configures inboxes from the list; reading one needs access to it.)
    let listed = owner.inboxes().await.unwrap();
    assert!(listed
        .iter()
        .find(|i| i.id == sales.id)
        .unwrap()
        .teams
        .is_empty());
    let rename = ChangeInbox {
        name: Some("Support".into()),
        ..Default::default()
    };
    let error = owner.change_inbox(sales.id, &rename).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Conflict));
}

#[tokio::test]
async fn only_people_entitled_to_an_inbox_are_assigned_in_it() {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    let ada = owner
        .create_user(&person("ada@example.test", OrgRole::Agent))
        .await
        .unwrap();
    let bob = owner
        .create_user(&person("bob@example.test", OrgRole::Agent))
        .await
        .unwrap();
    let vip = owner
        .create_inbox(&inbox("VIP", Visibility::Restricted))
        .await
        .unwrap();
    owner
        .set_member(
            vip.id,
            ada.id,
            &SetMember {
                role: MemberRole::Agent,
                assigned_only: false,
            },
        )
        .await
        .unwrap();
    let ada_client = rig.sign_in("ada@example.test", PASSWORD).await.unwrap();

    let assigned = ada_client
        .assign(vip.id, "thread-1", vec![ada.id])
        .await
        .unwrap();
    assert_eq!(assigned.assignees, vec![ada.id]);
    let error = ada_client
        .assign(vip.id, "thread-1", vec![ada.id, bob.id])
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidInput));
    assert_eq!(
        ada_client
            .conversation(vip.id, "thread-1")
            .await
            .unwrap()
            .assignees,
        vec![ada.id]
    );

    let error = ada_client
        .assign(vip.id, "not a thread!", vec![])
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidInput));
    let error = ada_client.start_override(vip.id, 5).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Forbidden));
    let error = owner.start_override(vip.id, 24 * 60 + 1).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidInput));
    // The owner, not a member, opens it by override for a while.
    assert!(owner.snapshot().await.unwrap().inboxes.is_empty());
    let started = owner.start_override(vip.id, 10).await.unwrap();
    let snapshot = owner.snapshot().await.unwrap();
    assert_eq!(snapshot.inboxes.len(), 1);
    assert_eq!(snapshot.inboxes[0].override_until, Some(started.until));
    rig.config.clock.advance(10 * 60);
    assert!(owner.snapshot().await.unwrap().inboxes.is_empty());
}

#[tokio::test]
async fn a_changed_password_works_at_the_next_sign_in_and_the_old_one_does_not() {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    let wrong = ChangePassword {
        current: "not it at all".into(),
        new: "a new long password".into(),
    };
    assert_eq!(
        owner.change_password(&wrong).await.unwrap_err().code(),
        Some(ErrorCode::InvalidInput)
    );
    let short = ChangePassword {
        current: PASSWORD.into(),
        new: "short".into(),
    };
    assert_eq!(
        owner.change_password(&short).await.unwrap_err().code(),
        Some(ErrorCode::InvalidInput)
    );
    let good = ChangePassword {
        current: PASSWORD.into(),
        new: "a new long password".into(),
    };
    owner.change_password(&good).await.unwrap();
    assert!(rig.sign_in(support::OWNER_EMAIL, PASSWORD).await.is_err());
    assert!(rig
        .sign_in(support::OWNER_EMAIL, "a new long password")
        .await
        .is_ok());
}
