// Team mode's commands and views: they mirror helpr-core's `team` module and helpr-proto's
// views (snake_case, as serialized). The workspace reaches them through `HelprApi.team`, so
// component tests can hand in a stand-in.
import { Channel, invoke } from "@tauri-apps/api/core";
import { toApiError } from "../api";

export type OrgRole = "owner" | "admin" | "agent";
export type MemberRole = "manager" | "agent" | "viewer";
export type Visibility = "organization" | "team" | "restricted";

export interface TeamUser {
  id: number;
  name: string;
  email: string;
  role: OrgRole;
  teams: number[];
}

export interface TeamTeam {
  id: number;
  name: string;
  members: number[];
}

export interface TeamMember {
  user: number;
  role: MemberRole;
  assigned_only: boolean;
}

export interface TeamInbox {
  id: number;
  name: string;
  visibility: Visibility;
  teams: number[];
  members: TeamMember[];
  assigned_only: boolean;
  gmail_connected: boolean;
}

/** What the user is to one shared inbox (`helpr_policy::InboxAccess`). */
export interface InboxAccess {
  role: MemberRole;
  via: "member" | "organization" | "team" | "override";
  assigned_only: boolean;
}

/** One shared inbox open to the user (`helpr_core::team::TeamInboxView`). */
export interface TeamInboxEntry {
  id: number;
  name: string;
  access: InboxAccess;
  assigned_conversations: number | null;
  local_inbox: number | null;
  override_until: number | null;
}

/** `helpr_core::team::TeamStatus`. */
export interface TeamStatus {
  server: string;
  fingerprint: string | null;
  org: { id: number; name: string };
  user: TeamUser;
  session_id: number;
  device: string;
  last_seq: number | null;
  inboxes: TeamInboxEntry[];
  /** The names of the people the last snapshot mentions (kept, so they read offline too). */
  people: Person[];
}

/** A user by name only (`helpr_proto::snapshot::Person`). */
export interface Person {
  id: number;
  name: string;
}

/** A conversation as the team server names it (`helpr_proto::views::ConversationRef`). */
export interface ConversationRef {
  inbox: number;
  thread: string;
}

/** An assigned conversation held here (`helpr_core::team::conversations::AssignedConversation`). */
export interface AssignedConversation {
  thread_id: number;
  conversation: ConversationRef;
  assignees: number[];
}

/** An update of the live connection (`helpr_core::team::listen::TeamUpdate`). */
export type TeamUpdate =
  | { kind: "connected"; seq: number; replayed: boolean }
  | { kind: "applied"; seq: number; report: { removed_inboxes: number[]; purged_messages: number } }
  | { kind: "conversations"; inbox: number; threads: string[] }
  | { kind: "assignment"; conversation: ConversationRef; assignees: number[] }
  | { kind: "organization"; seq: number }
  | { kind: "presence"; conversation: ConversationRef; viewing: number[]; composing: number[] }
  | { kind: "disconnected"; reason: string; retry_in_ms: number }
  | { kind: "signed_out"; reason: string };

export interface SignInEvent {
  kind: "page";
  url: string;
  opened: boolean;
}

export interface TeamApi {
  status(): Promise<TeamStatus | null>;
  probe(server: string): Promise<string | null>;
  signIn(server: string, fingerprint: string | null, onEvent: (e: SignInEvent) => void): Promise<TeamStatus>;
  signOut(): Promise<{ removed_inboxes: number[]; purged_messages: number }>;
  /** Hands the shell a channel for live updates; returns a function that stops listening. */
  watch(onUpdate: (u: TeamUpdate) => void): () => void;
  /** The shared conversation a local thread is; null outside shared inboxes. */
  conversation(threadId: number): Promise<ConversationRef | null>;
  /** Every assigned conversation held here (from the last snapshot, kept current). */
  assignments(): Promise<AssignedConversation[]>;
  /** Tells the team who views what: the conversation open now, or null when none is. */
  viewing(conversation: ConversationRef | null): Promise<void>;
  /** Tells the team the user writes a reply to `conversation` (or stopped). */
  composing(conversation: ConversationRef, active: boolean): Promise<void>;
  users(): Promise<TeamUser[]>;
  createUser(body: { name: string; email: string; role: OrgRole; password: string }): Promise<TeamUser>;
  changeUser(user: number, body: { name?: string; role?: OrgRole }): Promise<TeamUser>;
  removeUser(user: number): Promise<void>;
  teams(): Promise<TeamTeam[]>;
  createTeam(body: { name: string; members: number[] }): Promise<TeamTeam>;
  deleteTeam(team: number): Promise<void>;
  inboxes(): Promise<TeamInbox[]>;
  createInbox(body: { name: string; visibility: Visibility; teams: number[]; assigned_only: boolean }): Promise<TeamInbox>;
  deleteInbox(inbox: number): Promise<void>;
  setMember(inbox: number, user: number, body: { role: MemberRole; assigned_only: boolean }): Promise<TeamInbox>;
  removeMember(inbox: number, user: number): Promise<TeamInbox>;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw toApiError(error);
  }
}

export const tauriTeamApi: TeamApi = {
  status: () => call("team_status"),
  probe: (server) => call("team_probe", { server }),
  signIn: (server, fingerprint, onEvent) => {
    const events = new Channel<SignInEvent>();
    events.onmessage = onEvent;
    return call("team_sign_in", { server, fingerprint, events });
  },
  signOut: () => call("team_sign_out"),
  watch: (onUpdate) => {
    const updates = new Channel<TeamUpdate>();
    let live = true;
    updates.onmessage = (u) => {
      if (live) onUpdate(u);
    };
    void call("team_watch", { updates }).catch(() => undefined);
    return () => {
      live = false;
    };
  },
  conversation: (threadId) => call("team_conversation", { threadId }),
  assignments: () => call("team_assignments"),
  viewing: (conversation) => call("team_viewing", { conversation }),
  composing: (conversation, active) => call("team_composing", { conversation, active }),
  users: () => call("team_users"),
  createUser: (body) => call("team_create_user", { body }),
  changeUser: (user, body) => call("team_change_user", { user, body }),
  removeUser: (user) => call("team_remove_user", { user }),
  teams: () => call("team_teams"),
  createTeam: (body) => call("team_create_team", { body }),
  deleteTeam: (team) => call("team_delete_team", { team }),
  inboxes: () => call("team_inboxes"),
  createInbox: (body) => call("team_create_inbox", { body }),
  deleteInbox: (inbox) => call("team_delete_inbox", { inbox }),
  setMember: (inbox, user, body) => call("team_set_member", { inbox, user, body }),
  removeMember: (inbox, user) => call("team_remove_member", { inbox, user }),
};
