//! Sessions: each device's own, listed and revoked by their user; anyone's by owners and admins.
//! A revoked, expired or removed user's session is refused at its next request; a session of
//! one organization knows nothing of another's.

mod support;

use helpr_policy::Visibility;
use helpr_proto::error::ErrorCode;
use helpr_proto::requests::CreateUser;
use support::{Rig, OWNER_EMAIL, PASSWORD};

fn agent(email: &str) -> CreateUser {
    support::agent("Ada Agent", email)
}

#[tokio::test]
async fn a_revoked_session_is_refused_at_its_next_request_and_others_go_on() {
    let rig = Rig::start().await;
    let laptop = rig.owner().await;
    let phone = rig.owner().await;
    let phone_id = phone.me().await.unwrap().session_id;
    assert_eq!(laptop.sessions().await.unwrap().len(), 2);

    laptop.revoke_session(phone_id).await.unwrap();
    let error = phone.me().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unauthenticated));
    assert!(laptop.me().await.is_ok());
    assert_eq!(laptop.sessions().await.unwrap().len(), 1);

    // Signing out: revoking one's own current session.
    let current = laptop.me().await.unwrap().session_id;
    laptop.revoke_session(current).await.unwrap();
    assert_eq!(
        laptop.me().await.unwrap_err().code(),
        Some(ErrorCode::Unauthenticated)
    );
}

#[tokio::test]
async fn admins_revoke_anyone_s_sessions_and_agents_only_their_own() {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    let ada = owner.create_user(&agent("ada@example.test")).await.unwrap();
    let ada_client = rig.sign_in("ada@example.test", PASSWORD).await.unwrap();
    let ada_session = ada_client.me().await.unwrap().session_id;
    let owner_session = owner.me().await.unwrap().session_id;

    // Ada may not list or end the owner's sessions, nor end one by its id as hers.
    let error = ada_client.user_sessions(rig.owner).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Forbidden));
    let error = ada_client
        .revoke_user_session(rig.owner, owner_session)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Forbidden));
    let error = ada_client.revoke_session(owner_session).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::NotFound));
    assert!(owner.me().await.is_ok());

    let listed = owner.user_sessions(ada.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![ada_session]
    );
    owner
        .revoke_user_session(ada.id, ada_session)
        .await
        .unwrap();
    assert_eq!(
        ada_client.me().await.unwrap_err().code(),
        Some(ErrorCode::Unauthenticated)
    );
}

#[tokio::test]
async fn a_session_expires_after_ninety_days_and_a_removed_user_s_at_once() {
    let rig = Rig::start().await;
    let owner = rig.owner().await;
    let ada = owner.create_user(&agent("ada@example.test")).await.unwrap();
    let ada_client = rig.sign_in("ada@example.test", PASSWORD).await.unwrap();
    owner.remove_user(ada.id).await.unwrap();
    assert_eq!(
        ada_client.me().await.unwrap_err().code(),
        Some(ErrorCode::Unauthenticated)
    );
    // Nor can the removed user sign in again.
    assert!(rig.sign_in("ada@example.test", PASSWORD).await.is_err());

    rig.config
        .clock
        .advance(helpr_server::auth::session::LIFETIME - 60);
    assert!(owner.me().await.is_ok());
    rig.config.clock.advance(60);
    let error = owner.me().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unauthenticated));
    assert!(error.to_string().contains("expired"), "{error}");
}

#[tokio::test]
async fn a_session_of_another_organization_sees_nothing_of_this_one() {
    let rig = Rig::start().await;
    helpr_server::setup::create_org(
        rig.hub(),
        "Other",
        "Otto",
        "otto@other.test",
        PASSWORD.into(),
    )
    .await
    .unwrap();
    let owner = rig.owner().await;
    let inbox = owner
        .create_inbox(&support::inbox("Support", Visibility::Organization))
        .await
        .unwrap();
    let otto = rig.sign_in("otto@other.test", PASSWORD).await.unwrap();
    assert_eq!(otto.org().await.unwrap().name, "Other");
    assert!(otto.inboxes().await.unwrap().is_empty());
    assert!(otto.snapshot().await.unwrap().inboxes.is_empty());
    for error in [
        otto.inbox(inbox.id).await.unwrap_err(),
        otto.conversation(inbox.id, "t1").await.unwrap_err(),
        otto.user_sessions(rig.owner).await.unwrap_err(),
        otto.remove_user(rig.owner).await.unwrap_err(),
    ] {
        assert_eq!(error.code(), Some(ErrorCode::NotFound), "{error}");
    }
    // The owner's address is taken server-wide: no second account with it elsewhere.
    let error = otto.create_user(&agent(OWNER_EMAIL)).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Conflict));
}
