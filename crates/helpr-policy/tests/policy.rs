//! The policy's rules, each checked on its own, then invariants over the whole matrix (every org
//! role × visibility × membership × assigned-only × override × conversation), and the generated
//! table against `docs/policy.md`.

use std::collections::BTreeSet;

use helpr_policy::table::markdown;
use helpr_policy::{
    can, decide, inbox_access, Action, Conversation, Denied, Inbox, InboxId, MemberRole, Object,
    OrgId, OrgRole, Override, TeamId, User, UserId, Via, Visibility,
};

const NOW: i64 = 1_000;

fn user(role: OrgRole) -> User {
    User::new(UserId(7), OrgId(1), role)
}

fn inbox(visibility: Visibility) -> Inbox {
    Inbox::new(InboxId(3), OrgId(1), visibility, [TeamId(1)])
}

fn listed(inbox: Inbox, who: &User, role: MemberRole, assigned_only: bool) -> Inbox {
    inbox.with_member(who.id, role, assigned_only)
}

fn open() -> Conversation {
    Conversation::default()
}

fn assigned_to(who: &User) -> Conversation {
    Conversation {
        assignees: BTreeSet::from([who.id]),
        started_by: None,
    }
}

fn conv(u: &User, i: &Inbox, c: &Conversation, action: Action) -> Result<(), Denied> {
    decide(u, action, Object::Conversation(i, c), NOW)
}

#[test]
fn nothing_crosses_organizations() {
    let mut stranger = user(OrgRole::Owner);
    stranger.org = OrgId(2);
    stranger.overrides.push(Override {
        inbox: InboxId(3),
        until: NOW + 60,
    });
    let i = listed(
        inbox(Visibility::Organization),
        &stranger,
        MemberRole::Manager,
        false,
    );
    let c = open();
    for action in Action::ALL {
        let object = match action.on() {
            helpr_policy::action::ObjectKind::Organization => Object::Organization(OrgId(1)),
            helpr_policy::action::ObjectKind::Inbox => Object::Inbox(&i),
            helpr_policy::action::ObjectKind::Conversation => Object::Conversation(&i, &c),
        };
        assert_eq!(
            decide(&stranger, action, object, NOW),
            Err(Denied::OtherOrganization),
            "{action:?}"
        );
    }
    assert_eq!(inbox_access(&stranger, &i, NOW), None);
}

#[test]
fn a_restricted_inbox_is_closed_to_everyone_not_listed_owners_included() {
    let i = inbox(Visibility::Restricted);
    for role in OrgRole::ALL {
        let u = user(role);
        assert_eq!(
            decide(&u, Action::SeeInbox, Object::Inbox(&i), NOW),
            Err(Denied::NoAccess)
        );
        assert_eq!(
            conv(&u, &i, &open(), Action::ReadConversation),
            Err(Denied::NoAccess)
        );
    }
}

#[test]
fn visibility_opens_an_inbox_to_the_organization_or_its_teams_as_agents() {
    let agent = user(OrgRole::Agent);
    let everyone = inbox(Visibility::Organization);
    assert!(conv(&agent, &everyone, &open(), Action::Reply).is_ok());
    assert_eq!(
        inbox_access(&agent, &everyone, NOW).map(|a| (a.role, a.via)),
        Some((MemberRole::Agent, Via::Organization))
    );

    let team_inbox = inbox(Visibility::Team);
    assert_eq!(
        conv(&agent, &team_inbox, &open(), Action::ReadConversation),
        Err(Denied::NoAccess)
    );
    let mut in_other_team = agent.clone();
    in_other_team.teams.insert(TeamId(2));
    assert!(!can(
        &in_other_team,
        Action::SeeInbox,
        Object::Inbox(&team_inbox),
        NOW
    ));
    let mut in_team = agent.clone();
    in_team.teams.insert(TeamId(1));
    assert!(conv(&in_team, &team_inbox, &open(), Action::Reply).is_ok());
}

#[test]
fn a_listed_role_wins_over_visibility_so_an_org_wide_inbox_can_have_viewers() {
    let u = user(OrgRole::Agent);
    let i = listed(
        inbox(Visibility::Organization),
        &u,
        MemberRole::Viewer,
        false,
    );
    assert!(conv(&u, &i, &open(), Action::ReadConversation).is_ok());
    assert_eq!(conv(&u, &i, &open(), Action::Reply), Err(Denied::ViewOnly));
    assert_eq!(conv(&u, &i, &open(), Action::Assign), Err(Denied::ViewOnly));
}

#[test]
fn member_roles_read_answer_and_manage_in_steps() {
    let u = user(OrgRole::Agent);
    let at = |role| listed(inbox(Visibility::Restricted), &u, role, false);
    let (viewer, agent, manager) = (
        at(MemberRole::Viewer),
        at(MemberRole::Agent),
        at(MemberRole::Manager),
    );
    for i in [&viewer, &agent, &manager] {
        assert!(can(&u, Action::SeeInbox, Object::Inbox(i), NOW));
        assert!(conv(&u, i, &open(), Action::ReadConversation).is_ok());
    }
    assert_eq!(
        conv(&u, &viewer, &open(), Action::Reply),
        Err(Denied::ViewOnly)
    );
    assert!(conv(&u, &agent, &open(), Action::Reply).is_ok());
    assert!(conv(&u, &agent, &open(), Action::Assign).is_ok());
    for action in [Action::ConfigureInbox, Action::ManageMembers] {
        assert_eq!(
            decide(&u, action, Object::Inbox(&agent), NOW),
            Err(Denied::NotManager)
        );
        assert!(can(&u, action, Object::Inbox(&manager), NOW));
    }
    // Gmail connections, deleting and overrides are the organization's admins' only.
    for action in [
        Action::ConnectGmail,
        Action::DeleteInbox,
        Action::StartOverride,
    ] {
        assert_eq!(
            decide(&u, action, Object::Inbox(&manager), NOW),
            Err(Denied::NotAdmin)
        );
    }
}

#[test]
fn assigned_only_shows_a_member_their_assigned_and_started_conversations() {
    let u = user(OrgRole::Agent);
    let i = listed(inbox(Visibility::Restricted), &u, MemberRole::Agent, true);
    assert_eq!(
        conv(&u, &i, &open(), Action::ReadConversation),
        Err(Denied::NotAssigned)
    );
    assert!(conv(&u, &i, &assigned_to(&u), Action::Reply).is_ok());
    let started = Conversation {
        assignees: BTreeSet::new(),
        started_by: Some(u.id),
    };
    assert!(conv(&u, &i, &started, Action::ReadConversation).is_ok());
    // The inbox is still in their sidebar.
    assert!(can(&u, Action::SeeInbox, Object::Inbox(&i), NOW));
}

#[test]
fn an_assigned_only_inbox_limits_members_below_manager_and_visibility_agents() {
    let u = user(OrgRole::Agent);
    let mut everyone = inbox(Visibility::Organization);
    everyone.assigned_only = true;
    assert_eq!(
        conv(&u, &everyone, &open(), Action::ReadConversation),
        Err(Denied::NotAssigned)
    );
    for (role, sees) in [
        (MemberRole::Viewer, false),
        (MemberRole::Agent, false),
        (MemberRole::Manager, true),
    ] {
        let i = listed(everyone.clone(), &u, role, false);
        assert_eq!(
            conv(&u, &i, &open(), Action::ReadConversation).is_ok(),
            sees,
            "{role:?}"
        );
    }
    // A manager's own assigned-only flag still holds.
    let flagged = listed(everyone, &u, MemberRole::Manager, true);
    assert_eq!(
        conv(&u, &flagged, &open(), Action::ReadConversation),
        Err(Denied::NotAssigned)
    );
}

#[test]
fn an_override_opens_an_inbox_to_an_admin_until_it_ends_and_to_no_one_else() {
    let i = inbox(Visibility::Restricted);
    let mut admin = user(OrgRole::Admin);
    admin.overrides.push(Override {
        inbox: i.id,
        until: NOW + 1,
    });
    assert!(conv(&admin, &i, &open(), Action::Reply).is_ok());
    assert_eq!(
        inbox_access(&admin, &i, NOW).map(|a| a.via),
        Some(Via::Override)
    );
    // Configuring is an admin's anyway; the override is not needed for it.
    assert!(can(&admin, Action::ConfigureInbox, Object::Inbox(&i), NOW));
    // Ended: nothing.
    assert_eq!(
        decide(
            &admin,
            Action::ReadConversation,
            Object::Conversation(&i, &open()),
            NOW + 1
        ),
        Err(Denied::NoAccess)
    );
    // Another inbox's override opens this one no more.
    let mut elsewhere = user(OrgRole::Owner);
    elsewhere.overrides.push(Override {
        inbox: InboxId(99),
        until: NOW + 60,
    });
    assert!(!can(&elsewhere, Action::SeeInbox, Object::Inbox(&i), NOW));
    // An agent cannot hold one.
    let mut agent = user(OrgRole::Agent);
    agent.overrides = admin.overrides.clone();
    assert!(!can(&agent, Action::SeeInbox, Object::Inbox(&i), NOW));
    // It lifts a viewer to agent and an assigned-only member's limit.
    let as_viewer = listed(i.clone(), &admin, MemberRole::Viewer, true);
    assert!(conv(&admin, &as_viewer, &open(), Action::Reply).is_ok());
}

#[test]
fn owners_and_admins_run_the_organization_and_only_owners_change_owners() {
    let org = Object::Organization(OrgId(1));
    for action in [
        Action::ManageUsers,
        Action::ManageTeams,
        Action::CreateInbox,
        Action::ViewAudit,
        Action::ManageSessions,
    ] {
        assert!(can(&user(OrgRole::Owner), action, org, NOW));
        assert!(can(&user(OrgRole::Admin), action, org, NOW));
        assert_eq!(
            decide(&user(OrgRole::Agent), action, org, NOW),
            Err(Denied::NotAdmin)
        );
    }
    assert!(can(&user(OrgRole::Owner), Action::ManageOwners, org, NOW));
    assert_eq!(
        decide(&user(OrgRole::Admin), Action::ManageOwners, org, NOW),
        Err(Denied::NotOwner)
    );
    for role in OrgRole::ALL {
        assert!(can(&user(role), Action::ViewOrganization, org, NOW));
    }
}

#[test]
fn an_action_asked_of_the_wrong_kind_of_object_is_refused() {
    let u = user(OrgRole::Owner);
    let i = listed(
        inbox(Visibility::Organization),
        &u,
        MemberRole::Manager,
        false,
    );
    assert_eq!(
        decide(&u, Action::Reply, Object::Inbox(&i), NOW),
        Err(Denied::WrongObject)
    );
    assert_eq!(
        decide(&u, Action::ManageUsers, Object::Inbox(&i), NOW),
        Err(Denied::WrongObject)
    );
    assert_eq!(
        decide(&u, Action::SeeInbox, Object::Organization(OrgId(1)), NOW),
        Err(Denied::WrongObject)
    );
}

/// Every combination the issue names: org role × visibility × membership (none or a role, with
/// or without its own assigned-only flag) × the inbox's assigned-only × override (none, live,
/// ended) × team membership × a conversation assigned to the user or not.
#[test]
fn the_whole_matrix_keeps_the_policy_s_invariants() {
    let mut checked = 0;
    for role in OrgRole::ALL {
        for visibility in Visibility::ALL {
            for membership in [None].into_iter().chain(
                MemberRole::ALL
                    .into_iter()
                    .flat_map(|r| [Some((r, false)), Some((r, true))]),
            ) {
                for inbox_assigned_only in [false, true] {
                    for override_until in [None, Some(NOW + 60), Some(NOW)] {
                        for in_team in [false, true] {
                            for theirs in [false, true] {
                                check(
                                    role,
                                    visibility,
                                    membership,
                                    inbox_assigned_only,
                                    override_until,
                                    in_team,
                                    theirs,
                                );
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(checked, 3 * 3 * 7 * 2 * 3 * 2 * 2);
}

fn check(
    role: OrgRole,
    visibility: Visibility,
    membership: Option<(MemberRole, bool)>,
    inbox_assigned_only: bool,
    override_until: Option<i64>,
    in_team: bool,
    theirs: bool,
) {
    let mut u = user(role);
    if in_team {
        u.teams.insert(TeamId(1));
    }
    if let Some(until) = override_until {
        u.overrides.push(Override {
            inbox: InboxId(3),
            until,
        });
    }
    let mut i = inbox(visibility);
    i.assigned_only = inbox_assigned_only;
    if let Some((r, flag)) = membership {
        i = listed(i, &u, r, flag);
    }
    let c = if theirs { assigned_to(&u) } else { open() };
    let case = format!(
        "{role:?} {visibility:?} {membership:?} inbox-assigned-only={inbox_assigned_only} \
         override={override_until:?} team={in_team} theirs={theirs}"
    );
    let ask = |a: Action| match a.on() {
        helpr_policy::action::ObjectKind::Organization => {
            can(&u, a, Object::Organization(OrgId(1)), NOW)
        }
        helpr_policy::action::ObjectKind::Inbox => can(&u, a, Object::Inbox(&i), NOW),
        helpr_policy::action::ObjectKind::Conversation => {
            can(&u, a, Object::Conversation(&i, &c), NOW)
        }
    };

    let live_override = role.runs_the_organization() && override_until == Some(NOW + 60);
    let entitled = membership.is_some()
        || visibility == Visibility::Organization
        || (visibility == Visibility::Team && in_team);
    // The sidebar: entitled or overriding, nothing else.
    assert_eq!(ask(Action::SeeInbox), entitled || live_override, "{case}");
    // Reading needs the sidebar; answering needs reading; assigning is answering's twin.
    assert!(
        !ask(Action::ReadConversation) || ask(Action::SeeInbox),
        "{case}"
    );
    assert!(
        !ask(Action::Reply) || ask(Action::ReadConversation),
        "{case}"
    );
    assert_eq!(ask(Action::Reply), ask(Action::Assign), "{case}");
    // An assigned conversation is readable whenever the inbox is open.
    if theirs {
        assert_eq!(
            ask(Action::ReadConversation),
            ask(Action::SeeInbox),
            "{case}"
        );
    }
    // Viewers answer only through an override.
    if let Some((MemberRole::Viewer, _)) = membership {
        assert_eq!(ask(Action::Reply), live_override, "{case}");
    }
    // Configuring: the organization's admins, or the inbox's managers.
    let manager = matches!(membership, Some((MemberRole::Manager, _)));
    assert_eq!(
        ask(Action::ConfigureInbox),
        role.runs_the_organization() || manager,
        "{case}"
    );
    assert_eq!(
        ask(Action::ConfigureInbox),
        ask(Action::ManageMembers),
        "{case}"
    );
    // Organization and inbox administration follow the org role alone.
    for a in [
        Action::ManageUsers,
        Action::ManageTeams,
        Action::CreateInbox,
        Action::ViewAudit,
        Action::ManageSessions,
        Action::ConnectGmail,
        Action::DeleteInbox,
        Action::StartOverride,
    ] {
        assert_eq!(ask(a), role.runs_the_organization(), "{a:?} {case}");
    }
    assert_eq!(ask(Action::ManageOwners), role == OrgRole::Owner, "{case}");
}

/// `docs/policy.md` is the table the code computes. After a policy change, regenerate it with
/// `UPDATE_POLICY_DOC=1 cargo test -p helpr-policy --test policy`.
#[test]
fn the_documented_table_is_the_policy() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy.md");
    let table = markdown();
    if std::env::var_os("UPDATE_POLICY_DOC").is_some() {
        std::fs::write(&path, &table).unwrap();
    }
    let documented = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        documented == table,
        "docs/policy.md is not the policy's table; regenerate it with \
         UPDATE_POLICY_DOC=1 cargo test -p helpr-policy --test policy"
    );
}
