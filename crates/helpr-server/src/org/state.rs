//! An organization as of one sequence number: the log's records applied in order. Every
//! replica holds the same state for the same number, and the policy's facts
//! ([`helpr_policy::User`], [`helpr_policy::Inbox`], [`helpr_policy::Conversation`]) are read
//! straight from it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use helpr_policy::{
    Action, Conversation, Inbox, InboxId, Object, OrgId, OrgRole, Override, TeamId, User, UserId,
};
use helpr_proto::snapshot::{Assignment, ConversationScope, EntitledInbox, Person, Snapshot};
use helpr_proto::views::{
    ConversationRef, InboxView, MemberView, OrgView, SessionView, TeamView, UserView,
};

use super::record::Record;

#[derive(Debug, Clone)]
pub struct UserRec {
    pub name: String,
    pub email: String,
    pub role: OrgRole,
}

#[derive(Debug, Clone)]
pub struct TeamRec {
    pub name: String,
    pub members: BTreeSet<UserId>,
}

#[derive(Debug, Clone)]
pub struct InboxRec {
    pub name: String,
    pub policy: Inbox,
    pub gmail_connected: bool,
}

#[derive(Debug, Clone)]
pub struct SessionRec {
    pub user: UserId,
    pub device: String,
    pub created_at: i64,
    pub token_hash: String,
}

/// One organization's state.
#[derive(Debug, Clone)]
pub struct OrgState {
    pub id: OrgId,
    pub name: String,
    /// The last sequence number applied.
    pub seq: u64,
    pub users: BTreeMap<UserId, UserRec>,
    pub teams: BTreeMap<TeamId, TeamRec>,
    pub inboxes: BTreeMap<InboxId, InboxRec>,
    /// Conversations with an assignee or a starter; any other conversation has neither.
    pub conversations: HashMap<InboxId, HashMap<String, Conversation>>,
    pub overrides: BTreeMap<UserId, Vec<Override>>,
    /// Live sessions (revoked ones are removed).
    pub sessions: BTreeMap<i64, SessionRec>,
}

impl OrgState {
    pub fn new(id: OrgId) -> Self {
        Self {
            id,
            name: String::new(),
            seq: 0,
            users: BTreeMap::new(),
            teams: BTreeMap::new(),
            inboxes: BTreeMap::new(),
            conversations: HashMap::new(),
            overrides: BTreeMap::new(),
            sessions: BTreeMap::new(),
        }
    }

    /// Applies the record numbered `seq`, made at `at`.
    pub fn apply(&mut self, seq: u64, at: i64, record: &Record) {
        self.seq = seq;
        match record.clone() {
            Record::OrgCreated { name } => self.name = name,
            Record::UserAdded {
                user,
                name,
                email,
                role,
            } => {
                self.users.insert(user, UserRec { name, email, role });
            }
            Record::UserChanged { user, name, role } => {
                if let Some(rec) = self.users.get_mut(&user) {
                    if let Some(name) = name {
                        rec.name = name;
                    }
                    if let Some(role) = role {
                        rec.role = role;
                    }
                }
            }
            Record::UserRemoved { user } => {
                self.users.remove(&user);
                for team in self.teams.values_mut() {
                    team.members.remove(&user);
                }
                for inbox in self.inboxes.values_mut() {
                    inbox.policy.members.remove(&user);
                }
                for conversations in self.conversations.values_mut() {
                    for c in conversations.values_mut() {
                        c.assignees.remove(&user);
                    }
                }
                self.overrides.remove(&user);
                self.sessions.retain(|_, s| s.user != user);
            }
            Record::TeamCreated {
                team,
                name,
                members,
            } => {
                let members = members.into_iter().collect();
                self.teams.insert(team, TeamRec { name, members });
            }
            Record::TeamChanged {
                team,
                name,
                members,
            } => {
                if let Some(rec) = self.teams.get_mut(&team) {
                    if let Some(name) = name {
                        rec.name = name;
                    }
                    if let Some(members) = members {
                        rec.members = members.into_iter().collect();
                    }
                }
            }
            Record::TeamDeleted { team } => {
                self.teams.remove(&team);
                for inbox in self.inboxes.values_mut() {
                    inbox.policy.teams.remove(&team);
                }
            }
            Record::InboxCreated {
                inbox,
                name,
                visibility,
                teams,
                assigned_only,
            } => {
                let mut policy = Inbox::new(inbox, self.id, visibility, teams);
                policy.assigned_only = assigned_only;
                self.inboxes.insert(
                    inbox,
                    InboxRec {
                        name,
                        policy,
                        gmail_connected: false,
                    },
                );
            }
            Record::InboxChanged {
                inbox,
                name,
                visibility,
                teams,
                assigned_only,
            } => {
                if let Some(rec) = self.inboxes.get_mut(&inbox) {
                    if let Some(name) = name {
                        rec.name = name;
                    }
                    if let Some(visibility) = visibility {
                        rec.policy.visibility = visibility;
                    }
                    if let Some(teams) = teams {
                        rec.policy.teams = teams.into_iter().collect();
                    }
                    if let Some(assigned_only) = assigned_only {
                        rec.policy.assigned_only = assigned_only;
                    }
                }
            }
            Record::InboxDeleted { inbox } => {
                self.inboxes.remove(&inbox);
                self.conversations.remove(&inbox);
                for overrides in self.overrides.values_mut() {
                    overrides.retain(|o| o.inbox != inbox);
                }
            }
            Record::MemberSet {
                inbox,
                user,
                role,
                assigned_only,
            } => {
                if let Some(rec) = self.inboxes.get_mut(&inbox) {
                    rec.policy = rec.policy.clone().with_member(user, role, assigned_only);
                }
            }
            Record::MemberRemoved { inbox, user } => {
                if let Some(rec) = self.inboxes.get_mut(&inbox) {
                    rec.policy.members.remove(&user);
                }
            }
            Record::Assigned {
                inbox,
                thread,
                assignees,
            } => {
                let c = self
                    .conversations
                    .entry(inbox)
                    .or_default()
                    .entry(thread)
                    .or_default();
                c.assignees = assignees.into_iter().collect();
            }
            Record::ConversationStarted { inbox, thread, by } => {
                let c = self
                    .conversations
                    .entry(inbox)
                    .or_default()
                    .entry(thread)
                    .or_default();
                c.started_by = Some(by);
            }
            // The mail is Gmail's; the log only numbers the change for the fan-out.
            Record::ConversationsChanged { .. } => {}
            Record::OverrideStarted { user, inbox, until } => {
                let list = self.overrides.entry(user).or_default();
                list.retain(|o| o.inbox != inbox);
                list.push(Override { inbox, until });
            }
            Record::SessionStarted {
                session,
                user,
                device,
                token_hash,
            } => {
                self.sessions.insert(
                    session,
                    SessionRec {
                        user,
                        device,
                        created_at: at,
                        token_hash,
                    },
                );
            }
            Record::SessionRevoked { session } => {
                self.sessions.remove(&session);
            }
            Record::GmailConnected { inbox } | Record::GmailDisconnected { inbox } => {
                if let Some(rec) = self.inboxes.get_mut(&inbox) {
                    rec.gmail_connected = matches!(record, Record::GmailConnected { .. });
                }
            }
        }
    }

    /// The policy's view of a user, with their teams and overrides.
    pub fn policy_user(&self, id: UserId) -> Option<User> {
        let rec = self.users.get(&id)?;
        let mut user = User::new(id, self.id, rec.role);
        user.teams = self
            .teams
            .iter()
            .filter(|(_, t)| t.members.contains(&id))
            .map(|(tid, _)| *tid)
            .collect();
        user.overrides = self.overrides.get(&id).cloned().unwrap_or_default();
        Some(user)
    }

    /// The conversation's facts (no assignee, no starter when the log names none).
    pub fn conversation(&self, inbox: InboxId, thread: &str) -> Conversation {
        self.conversations
            .get(&inbox)
            .and_then(|c| c.get(thread))
            .cloned()
            .unwrap_or_default()
    }

    pub fn org_view(&self) -> OrgView {
        OrgView {
            id: self.id,
            name: self.name.clone(),
        }
    }

    pub fn user_view(&self, id: UserId) -> Option<UserView> {
        let rec = self.users.get(&id)?;
        Some(UserView {
            id,
            name: rec.name.clone(),
            email: rec.email.clone(),
            role: rec.role,
            teams: self
                .teams
                .iter()
                .filter(|(_, t)| t.members.contains(&id))
                .map(|(tid, _)| *tid)
                .collect(),
        })
    }

    pub fn team_view(&self, id: TeamId) -> Option<TeamView> {
        let rec = self.teams.get(&id)?;
        Some(TeamView {
            id,
            name: rec.name.clone(),
            members: rec.members.iter().copied().collect(),
        })
    }

    pub fn inbox_view(&self, id: InboxId) -> Option<InboxView> {
        let rec = self.inboxes.get(&id)?;
        Some(InboxView {
            id,
            name: rec.name.clone(),
            visibility: rec.policy.visibility,
            teams: rec.policy.teams.iter().copied().collect(),
            members: rec
                .policy
                .members
                .iter()
                .map(|(user, m)| MemberView {
                    user: *user,
                    role: m.role,
                    assigned_only: m.assigned_only,
                })
                .collect(),
            assigned_only: rec.policy.assigned_only,
            gmail_connected: rec.gmail_connected,
        })
    }

    pub fn session_views(&self, user: UserId, current: Option<i64>) -> Vec<SessionView> {
        self.sessions
            .iter()
            .filter(|(_, s)| s.user == user)
            .map(|(id, s)| SessionView {
                id: *id,
                device: s.device.clone(),
                created_at: s.created_at,
                last_seen_at: s.created_at,
                current: Some(*id) == current,
            })
            .collect()
    }

    /// The names of `user` and of everyone `inboxes` mention (members, assignees), by id.
    fn people_of(&self, user: UserId, inboxes: &[EntitledInbox]) -> Vec<Person> {
        let mut ids: BTreeSet<UserId> = BTreeSet::from([user]);
        for entry in inboxes {
            ids.extend(entry.inbox.members.iter().map(|m| m.user));
            for assignment in &entry.assignments {
                ids.extend(assignment.assignees.iter().copied());
            }
        }
        ids.into_iter()
            .filter_map(|id| {
                self.users.get(&id).map(|rec| Person {
                    id,
                    name: rec.name.clone(),
                })
            })
            .collect()
    }

    /// What `user` is entitled to at `now`: each inbox the policy opens to them, with the
    /// conversations they may read when they see only some. `None` for an unknown user.
    pub fn snapshot(&self, user: UserId, now: i64) -> Option<Snapshot> {
        let me = self.policy_user(user)?;
        let inboxes: Vec<EntitledInbox> = self
            .inboxes
            .iter()
            .filter_map(|(id, rec)| {
                let access = helpr_policy::inbox_access(&me, &rec.policy, now)?;
                let conversations = if access.assigned_only {
                    let mut refs: Vec<ConversationRef> = self
                        .conversations
                        .get(id)
                        .into_iter()
                        .flatten()
                        .filter(|(_, c)| {
                            helpr_policy::can(
                                &me,
                                Action::ReadConversation,
                                Object::Conversation(&rec.policy, c),
                                now,
                            )
                        })
                        .map(|(thread, _)| ConversationRef {
                            inbox: *id,
                            thread: thread.clone(),
                        })
                        .collect();
                    refs.sort();
                    ConversationScope::Only {
                        conversations: refs,
                    }
                } else {
                    ConversationScope::All
                };
                let mut assignments: Vec<Assignment> = self
                    .conversations
                    .get(id)
                    .into_iter()
                    .flatten()
                    .filter(|(_, c)| {
                        !c.assignees.is_empty()
                            && helpr_policy::can(
                                &me,
                                Action::ReadConversation,
                                Object::Conversation(&rec.policy, c),
                                now,
                            )
                    })
                    .map(|(thread, c)| Assignment {
                        thread: thread.clone(),
                        assignees: c.assignees.iter().copied().collect(),
                    })
                    .collect();
                assignments.sort_by(|a, b| a.thread.cmp(&b.thread));
                let override_until = (access.via == helpr_policy::Via::Override)
                    .then(|| {
                        me.overrides
                            .iter()
                            .find(|o| o.inbox == *id)
                            .map(|o| o.until)
                    })
                    .flatten();
                Some(EntitledInbox {
                    inbox: self.inbox_view(*id)?,
                    access,
                    conversations,
                    assignments,
                    override_until,
                })
            })
            .collect();
        let people = self.people_of(user, &inboxes);
        Some(Snapshot {
            seq: self.seq,
            org: self.org_view(),
            me: self.user_view(user)?,
            inboxes,
            people,
        })
    }
}
