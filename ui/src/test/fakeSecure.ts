// Test stand-ins for secure email: a signed-in team whose shared inbox is one of the stand-in
// mailbox's vault inboxes, and a protected thread's status as the server reports it. Imported
// only by tests.
import type { SecureStatus, SecureView } from "../secure/api";
import type { TeamStatus } from "../team/api";
import { fakeTeamApi } from "./fakeApi";

/** Signed in to a team whose one shared inbox is held in vault inbox `localInbox`. */
export function sharedTeam(localInbox: number | null) {
  const status: TeamStatus = {
    server: "https://helpr.example:7443",
    fingerprint: null,
    org: { id: 1, name: "Acme" },
    user: { id: 5, name: "Me", email: "me@example.test", role: "agent", teams: [] },
    session_id: 9,
    device: "laptop",
    last_seq: 12,
    inboxes: [
      {
        id: 10,
        name: "Support",
        access: { role: "agent", via: "member", assigned_only: false },
        assigned_conversations: null,
        local_inbox: localInbox,
        override_until: null,
      },
    ],
    people: [],
  };
  return fakeTeamApi({ status: () => Promise.resolve(status) });
}

/** A protected thread sent on 1 Dec 2026 09:00 (local), expiring 4 Jan 2027 10:00. */
export function secureView(overrides: Partial<SecureView> = {}): SecureView {
  return {
    id: "Zk3v0lq2H1m5Qw8yT4rB7a",
    thread_id: "g-1",
    created_at: local(2026, 12, 1, 9, 0),
    expires_at: local(2027, 1, 4, 10, 0),
    max_opens: null,
    revoked: false,
    expired: false,
    recipients: [],
    entries: [{ n: 0, from: "sender", recipient: null, at: local(2026, 12, 1, 9, 0) }],
    ...overrides,
  };
}

/** The vault's record of `view` for local conversation 1. */
export function kept(view: SecureView | null, id = view?.id ?? "Zk3v0lq2H1m5Qw8yT4rB7a"): SecureStatus {
  return { id, thread_id: 1, status: view, entries_stored: 1 };
}

/** Unix seconds for a local wall-clock time, so tests hold in every timezone. */
export function local(y: number, mo: number, d: number, h = 0, mi = 0): number {
  return new Date(y, mo - 1, d, h, mi).getTime() / 1000;
}
